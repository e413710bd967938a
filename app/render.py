"""HTML for the chat and the sources panel. Every string from a document or a user is escaped here.

The chat renders messages as HTML (Markdown off) and the sources panel is a gr.HTML, which sets
innerHTML without sanitising, so nothing may reach them unescaped.
"""

from __future__ import annotations

import html
import re

from kentrag.app.i18n import text

from kentrag.answer.assistant import Answer, Citation

# Characters of context shown around a quote before the passage is expanded.
SNIPPET_CONTEXT = 110
# Replaced one for one, so that quote offsets stay valid.
_LINE_BREAKS = re.compile(r"[\r\n\t]")


def plain(value: object) -> str:
    """Any value as inert HTML text."""
    return html.escape(str(value), quote=True)


def multiline(value: str) -> str:
    """Escaped text with its line breaks kept."""
    return "<br>".join(plain(line) for line in value.split("\n"))


def message_html(value: str) -> str:
    """A chat message (question or answer text)."""
    return f'<div class="kr-message">{multiline(value)}</div>'


def notice_html(value: str, pending: bool = False) -> str:
    """A message from the app itself (a refusal, an error, or "searching" while `pending`)."""
    kind = "kr-notice kr-pending" if pending else "kr-notice"
    return f'<div class="{kind}">{multiline(value)}</div>'


def answer_html(answer: Answer) -> str:
    """An answer as a chat message: "not found" reads as a notice; a generator fallback is noted first."""
    body = message_html(answer.text) if answer.found or not answer.complete else notice_html(answer.text)
    return notice_html(answer.fallback) + body if answer.fallback else body


def _quote_span(citation: Citation) -> tuple[int, int] | None:
    """The quote's offsets in the passage text, or None when unknown or out of range."""
    start, end, length = citation.quote_start, citation.quote_end, len(citation.passage.text)
    return (start, end) if 0 <= start < end <= length else None


def _highlighted(passage_text: str, start: int, end: int) -> str:
    before, quote, after = passage_text[:start], passage_text[start:end], passage_text[end:]
    return f'{multiline(before)}<mark class="kr-quote">{multiline(quote)}</mark>{multiline(after)}'


def _window(passage_text: str, start: int, end: int) -> tuple[int, int]:
    """About SNIPPET_CONTEXT characters either side of [start, end), cut at spaces."""
    left, right = max(0, start - SNIPPET_CONTEXT), min(len(passage_text), end + SNIPPET_CONTEXT)
    if left > 0:
        space = passage_text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(passage_text):
        space = passage_text.rfind(" ", end, right)
        right = space if space >= 0 else right
    return left, right


def _snippet(passage_text: str, span: tuple[int, int] | None) -> str:
    """The quote with some context (on one line), or the passage's opening when there is no quote."""
    passage_text = _LINE_BREAKS.sub(" ", passage_text)
    if span is None:
        head = passage_text[: 2 * SNIPPET_CONTEXT]
        return multiline(head) + ("…" if len(head) < len(passage_text) else "")
    start, end = span
    left, right = _window(passage_text, start, end)
    window = _highlighted(passage_text[left:right], start - left, end - left)
    return ("…" if left > 0 else "") + window + ("…" if right < len(passage_text) else "")


def _score_line(citation: Citation, language: str) -> str:
    p = citation.passage
    figures = {"score": f"{p.score:.3f}", "dense": f"{p.dense or 0:.3f}", "sentence": f"{p.sentence or 0:.3f}",
               "keyword": f"{p.keyword or 0:.2f}"}
    return f'<div class="kr-score">{plain(text("score", language, **figures))}</div>'


def citation_html(citation: Citation, language: str, show_scores: bool) -> str:
    """One source: number, title and file, the quote in context, and the whole passage on demand."""
    p = citation.passage
    span = _quote_span(citation)
    whole = _highlighted(p.text, *span) if span else multiline(p.text)
    return (
        f'<article class="kr-source" id="kr-source-{citation.n}">'
        f'<header><span class="kr-n">[{citation.n}]</span> <strong class="kr-title">{plain(p.title)}</strong>'
        f' <code class="kr-file">{plain(p.source)}</code></header>'
        f'{_score_line(citation, language) if show_scores else ""}'
        f'<p class="kr-snippet">{_snippet(p.text, span)}</p>'
        f'<details class="kr-whole"><summary>{plain(text("whole_passage", language))}</summary>'
        f'<div class="kr-passage">{whole}</div></details>'
        "</article>"
    )


def sources_html(answer: Answer | None, language: str, show_scores: bool) -> str:
    """The sources panel for an answer (None before the first answer)."""
    heading = f'<h3 class="kr-heading">{plain(text("sources", language))}</h3>'
    if answer is None:
        state, body = "empty", f'<p class="kr-empty">{plain(text("sources_empty", language))}</p>'
    elif not answer.citations:
        state, body = "none", f'<p class="kr-empty">{plain(text("sources_none", language))}</p>'
    else:
        state, body = "cited", "".join(citation_html(c, language, show_scores) for c in answer.citations)
    return f'<section class="kr-sources" data-state="{state}">{heading}{body}</section>'
