"""The Gradio web app: chat with citations, document management, settings and the /ask API."""

from kentrag.core import runtime  # noqa: F401  (offline, no telemetry: set before Gradio is imported)
