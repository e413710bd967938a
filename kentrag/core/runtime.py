"""Process environment for running offline: set before llama-index, transformers, Chroma or Gradio load.

Import this module first in every entry point.
"""

import os

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}
# The thread settings below apply unless the user set them. PyTorch owns the cores for e5. numpy's OpenBLAS
# threads keep spinning after a call (a 10k-chunk similarity scan made the next e5 query take 69 ms instead of
# 14 ms), so numpy gets one thread. Only takes effect when set before numpy loads.
SINGLE_THREADED_BLAS = {"OPENBLAS_NUM_THREADS": "1"}
# PyTorch's OpenMP threads spin ~5 ms after each e5 query by default (libgomp's 300,000 turns), holding the
# core that the USE query worker (kentrag.query_worker) needs meanwhile; a tenth of that ends the spinning
# soon after the query and leaves e5's own time unchanged (at 1,000 turns e5 takes twice as long:
# BENCHMARKS.md). Read by libgomp when PyTorch loads.
OPENMP_SPIN = {"GOMP_SPINCOUNT": "30000"}
# llama-index uses its bundled tiktoken/NLTK data only while these are unset; set elsewhere it tries to download.
BUNDLED_DATA_OVERRIDES = ("TIKTOKEN_CACHE_DIR", "NLTK_DATA")


def configure_environment() -> None:
    """Force offline mode and telemetry off for every library kentrag uses."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ[name] = value
    for name, value in {**SINGLE_THREADED_BLAS, **OPENMP_SPIN}.items():
        os.environ.setdefault(name, value)
    for name in BUNDLED_DATA_OVERRIDES:
        os.environ.pop(name, None)


configure_environment()
