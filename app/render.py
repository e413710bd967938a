"""HTML for the chat and the sources panel. Every string from a document or a user is escaped here.

The chat renders messages as HTML (Markdown off) and the sources panel is a gr.HTML, which sets
innerHTML without sanitising, so nothing may reach them unescaped.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from kentrag.app.i18n import text

from kentrag.answer.answers import Answer
from kentrag.answer.citations import Citation, page_label
from kentrag.answer.quotes import shown, unmarked

# Characters of context shown around a quote before the passage is expanded.
SNIPPET_CONTEXT = 110
# Replaced one for one, so that quote offsets stay valid.
_LINE_BREAKS = re.compile(r"[\r\n\t]")
# Where the app serves an indexed document's file (app/files.py); relative, so that it holds behind a proxy's path.
FILE_ROUTE = "kentrag/file/"


def plain(value: object) -> str:
    """Any value as inert HTML text."""
    return html.escape(str(value), quote=True)


def multiline(value: str) -> str:
    """Escaped text with its line breaks kept."""
    return "<br>".join(plain(line) for line in value.split("\n"))


def document_text(value: str) -> str:
    """Escaped document text with its line breaks kept and its markdown markup (**, __, #) left out."""
    return multiline(unmarked(value))


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
    return f'{document_text(before)}<mark class="kr-quote">{document_text(quote)}</mark>{document_text(after)}'


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
        return document_text(head) + ("…" if len(head) < len(passage_text) else "")
    start, end = span
    left, right = _window(passage_text, start, end)
    window = _highlighted(passage_text[left:right], start - left, end - left)
    return ("…" if left > 0 else "") + window + ("…" if right < len(passage_text) else "")


def _score_line(citation: Citation, language: str) -> str:
    p = citation.passage
    figures = {"score": f"{p.score:.3f}", "dense": f"{p.dense or 0:.3f}", "sentence": f"{p.sentence or 0:.3f}",
               "keyword": f"{p.keyword or 0:.2f}"}
    return f'<div class="kr-score">{plain(text("score", language, **figures))}</div>'


def file_href(doc_id: str, page: int | None) -> str:
    """The link to an indexed document's file; a PDF's opens at `page` where the browser's viewer can."""
    href = FILE_ROUTE + quote(doc_id, safe="/")
    return f"{href}#page={page}" if page is not None and doc_id.lower().endswith(".pdf") else href


def _origin(citation: Citation, language: str) -> str:
    """Where a source comes from, as a link that opens in a new tab: a web page's URL, or the file's name linking
    to the file as the app serves it (app/files.py; a PDF at the cited page); then its page, if it has pages."""
    p = citation.passage
    if p.source.startswith(("http://", "https://")):
        href, rel = p.source, "noopener noreferrer"
    else:
        href, rel = file_href(p.doc_id, p.page), "noopener"
    origin = f'<a class="kr-file" href="{plain(href)}" target="_blank" rel="{rel}">{plain(p.source)}</a>'
    page = page_label(p, language)
    return f'{origin} <span class="kr-page">{plain(page)}</span>' if page else origin


def _support(citation: Citation, language: str) -> str:
    """The selector's probability that the quoted sentence answers ("support 0.93"); "" when not scored."""
    if citation.support is None:
        return ""
    figure = text("support", language, support=f"{citation.support:.2f}")
    return f' <span class="kr-support">{plain(figure)}</span>'


def citation_html(citation: Citation, language: str, show_scores: bool) -> str:
    """One source: number, title and file, the quote's support, the quote in context, and the whole passage on
    demand."""
    p = citation.passage
    span = _quote_span(citation)
    whole = _highlighted(p.text, *span) if span else document_text(p.text)
    return (
        f'<article class="kr-source" id="kr-source-{citation.n}">'
        f'<header><span class="kr-n">[{citation.n}]</span> <strong class="kr-title">{plain(shown(p.title))}</strong>'
        f" {_origin(citation, language)}{_support(citation, language)}</header>"
        f'{_score_line(citation, language) if show_scores else ""}'
        f'<p class="kr-snippet">{_snippet(p.text, span)}</p>'
        f'<details class="kr-whole"><summary>{plain(text("whole_passage", language))}</summary>'
        f'<div class="kr-passage">{whole}</div></details>'
        "</article>"
    )


def _related_html(answer: Answer, language: str, show_scores: bool) -> str:
    """A refused answer's closest passages, marked as related, but not an answer."""
    return (f'<h4 class="kr-related">{plain(text("related", language))}</h4>'
            f'<p class="kr-empty">{plain(text("related_note", language))}</p>'
            + "".join(citation_html(c, language, show_scores) for c in answer.related))


def sources_html(answer: Answer | None, language: str, show_scores: bool) -> str:
    """The sources panel for an answer (None before the first answer)."""
    heading = f'<h3 class="kr-heading">{plain(text("sources", language))}</h3>'
    if answer is None:
        state, body = "empty", f'<p class="kr-empty">{plain(text("sources_empty", language))}</p>'
    elif answer.related:
        state, body = "related", _related_html(answer, language, show_scores)
    elif not answer.citations:
        state, body = "none", f'<p class="kr-empty">{plain(text("sources_none", language))}</p>'
    else:
        state, body = "cited", "".join(citation_html(c, language, show_scores) for c in answer.citations)
    return f'<section class="kr-sources" data-state="{state}">{heading}{body}</section>'
