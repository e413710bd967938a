"""kentrag: cited answers to Turkish and English questions over a document corpus."""

from kentrag.core import runtime as _runtime  # noqa: F401  (offline environment before anything else loads)
