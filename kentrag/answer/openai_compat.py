"""Chat completions from any server speaking OpenAI's /v1/chat/completions (Ollama, vLLM, llama.cpp, OpenAI).

Streams with server-sent events over httpx; temperature 0 for repeatable answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx

from kentrag.answer.llm import GenerationError, chunk_text

TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)


class OpenAIChat:
    """One OpenAI-compatible endpoint: base URL (ending in /v1), model name and optional API key."""

    def __init__(self, base_url: str, model: str | None = None, api_key: str | None = None,
                 timeout: httpx.Timeout = TIMEOUT) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    def stream_chat(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        body = {"messages": messages, "stream": True, "max_tokens": max_tokens, "temperature": 0}
        if self.model:
            body["model"] = self.model
        try:
            with httpx.stream("POST", self.url, json=body, headers=self.headers, timeout=self.timeout) as response:
                if response.status_code >= 400:
                    detail = response.read().decode(errors="replace")[:300]
                    raise GenerationError(f"{self.url} answered HTTP {response.status_code}: {detail}")
                for line in response.iter_lines():
                    data = line.removeprefix("data:").strip() if line.startswith("data:") else ""
                    if data == "[DONE]":
                        return
                    if data:
                        yield chunk_text(json.loads(data))
        except (httpx.HTTPError, ValueError) as error:  # ValueError: a chunk that is not JSON
            raise GenerationError(f"{self.url}: {type(error).__name__}: {error}") from error
