"""Process environment for running offline, set before llama-index, transformers, Chroma or Gradio load: import
this module first in every entry point."""

import os

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false",
}
# Unless the user set it: numpy's OpenBLAS threads keep spinning after a call and slow the next e5 query
# (BENCHMARKS.md), so numpy gets one thread. Only takes effect when set before numpy loads.
SINGLE_THREADED_BLAS = {"OPENBLAS_NUM_THREADS": "1"}
# llama-index uses its bundled tiktoken/NLTK data only while these are unset; set elsewhere it tries to download.
BUNDLED_DATA_OVERRIDES = ("TIKTOKEN_CACHE_DIR", "NLTK_DATA")


def configure_environment() -> None:
    """Force offline mode and telemetry off for every library kentrag uses."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ[name] = value
    for name, value in SINGLE_THREADED_BLAS.items():
        os.environ.setdefault(name, value)
    for name in BUNDLED_DATA_OVERRIDES:
        os.environ.pop(name, None)


configure_environment()
