"""Language models' short answers over the real corpus index, from a chat model that streams a fixed reply: the
model reads only the sentences the answer quotes; its answer leads those quotes when they hold its every name and
number, else the quotes are shown alone with a note; its refusal refuses; its failure gives the quotes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from kentrag.answer.llm import LLMGenerator
from kentrag.answer.openai_compat import OpenAIChat
from kentrag.core.texts import phrase
from tests.robustness import free_port

pytestmark = pytest.mark.slow

B40_QUESTION = "Which two working groups met at the B40 workshops in Istanbul?"
B40 = "2022-06-b40-balkan-cities-istanbul-workshops.txt"


class ScriptedChat:
    """A chat model that streams a fixed reply, word by word, and keeps the messages it was sent."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.messages: list[dict[str, str]] = []

    def stream_chat(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        self.messages = messages
        yield from re.findall(r"\S+\s*", self.reply)


def scripted(assistant, monkeypatch, chat) -> None:
    generator = LLMGenerator("openai", chat, assistant.generators["extractive"])
    monkeypatch.setitem(assistant.generators, "openai", generator)


def evidence(quotes) -> str:
    """The quotes of an extractive answer, without the words that lead them."""
    return quotes.text[quotes.text.index("\n\n"):]


def test_a_supported_short_answer_leads_the_quotes_it_rests_on(assistant, monkeypatch) -> None:
    chat = ScriptedChat("The Smart Cities and Digital Transformation group met [1]. Bananas grow in Ecuador.")
    scripted(assistant, monkeypatch, chat)
    steps = list(assistant.stream(B40_QUESTION, generator="openai"))
    final, quotes = steps[-1], assistant.ask(B40_QUESTION)
    assert final.found and final.fallback is None and final.generator == "openai"
    assert final.text == "The Smart Cities and Digital Transformation group met." + evidence(quotes)
    assert final.citations == quotes.citations
    assert all(not s.complete and final.text.startswith(s.text) for s in steps[:-1])
    assert 0 < final.extra["tokens"] < len(chat.reply.split())  # stopped once the second sentence began
    # The model was given the quoted sentences, and nothing else of the documents.
    shown = chat.messages[-1]["content"]
    assert shown.startswith("<sentences>\n") and shown.endswith(f"\n</sentences>\n\nQuestion: {B40_QUESTION}")
    # (every quote of the answer: two quotes of one passage share its citation)
    assert shown.split("\n")[1:-3] == re.findall(r"“(.*?)” \[\d+\]", quotes.text)


@pytest.mark.parametrize(("reply", "facts"), [
    ("The Smart Cities group met in Ankara [1].", "Ankara"),
    ("Two groups met there in 2021.", "2021"),
])
def test_an_invented_name_or_number_gives_the_quotes_with_a_note(assistant, monkeypatch, reply: str,
                                                                 facts: str) -> None:
    scripted(assistant, monkeypatch, ScriptedChat(reply))
    answer, quotes = assistant.ask(B40_QUESTION, generator="openai"), assistant.ask(B40_QUESTION)
    assert answer.found and answer.fallback == phrase("fallback_unsupported", "en", facts=facts)
    assert (answer.text, answer.citations) == (quotes.text, quotes.citations)


def test_the_models_refusal_refuses_with_the_related_passages(assistant, monkeypatch) -> None:
    scripted(assistant, monkeypatch, ScriptedChat(phrase("not_found", "en")))
    answer = assistant.ask(B40_QUESTION, generator="openai")
    assert (answer.found, answer.text, answer.citations) == (False, phrase("not_found", "en"), ())
    assert answer.related and answer.related[0].passage.doc_id == B40


def test_an_unreachable_server_falls_back_to_the_extractive_answer(assistant, monkeypatch) -> None:
    scripted(assistant, monkeypatch, OpenAIChat(f"http://127.0.0.1:{free_port()}/v1"))
    answer = assistant.ask(B40_QUESTION, generator="openai")
    assert answer.found and answer.generator == "openai"
    assert answer.fallback and "ConnectError" in answer.fallback
    assert answer.text.startswith("According to the documents") and answer.citations
    assert re.findall(r"\[(\d+)\]", answer.text)


def test_an_unconfigured_generator_says_how_to_enable_it(assistant, monkeypatch) -> None:
    monkeypatch.delitem(assistant.generators, "openai", raising=False)
    with pytest.raises(ValueError, match="KENTRAG_LLM_BASE_URL"):
        assistant.ask(B40_QUESTION, generator="openai")
