"""Citation numbering: markers renumbered in the order the answer cites, bad ones dropped, quoted document
text left alone, and each citation's quote."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kentrag.answer.base import Piece
from kentrag.answer.citations import Citation, Citations, page_label
from kentrag.core.types import Passage, Quote

pytestmark = pytest.mark.fast


def passage(n: int, text: str) -> Passage:
    return Passage(f"doc{n}#0", f"doc{n}.txt", f"Doc {n}", f"doc{n}.txt", "en", text, 0, len(text), score=0.123456)


PASSAGES = (
    passage(1, "The protocol was signed in 2024. It covers transport."),
    passage(2, "The workshops took place in June. See note [2] of the report."),
    passage(3, "Rijeka presented two projects."),
)


def test_markers_are_numbered_in_the_order_they_are_first_cited() -> None:
    citations = Citations(PASSAGES)
    assert citations.render("Workshops [2]. Signed [1]. Again [2][1].") == "Workshops [1]. Signed [2]. Again [1][2]."
    assert [(c.n, c.passage.doc_id) for c in citations.build()] == [(1, "doc2.txt"), (2, "doc1.txt")]


def test_markers_of_passages_that_do_not_exist_are_dropped() -> None:
    citations = Citations(PASSAGES)
    assert citations.render("Nothing [0] here [4], something [3].") == "Nothing  here , something [1]."
    assert [c.passage.doc_id for c in citations.build()] == ["doc3.txt"]


def test_rendering_again_keeps_the_numbers() -> None:
    citations = Citations(PASSAGES)
    first = citations.render("A [3].")
    assert citations.render("A [3]. B [1].") == first + " B [2]."


def test_a_quote_noted_directly_becomes_the_citation_s_quote() -> None:
    citations = Citations(PASSAGES)
    citations.quote(Quote(1, 0, 32))
    citations.quote(Quote(1, 33, 53))  # the first quote of a passage counts
    citations.quote(Quote(9, 0, 4))  # no such passage: ignored
    citations.render("Signed in 2024 [1]. Rijeka [3].")
    signed, rijeka = citations.build()
    assert signed == Citation(1, PASSAGES[0], "The protocol was signed in 2024.", 0, 32)
    assert (rijeka.quote, rijeka.quote_start, rijeka.quote_end) == ("", -1, -1)


def test_a_marker_inside_a_verbatim_quote_is_document_text() -> None:
    citations = Citations(PASSAGES)
    lead = Piece("According to the documents:")
    sentence = PASSAGES[1].text.index("See note")
    quote = Quote(2, sentence, len(PASSAGES[1].text))
    piece = Piece(f"\n\n“{PASSAGES[1].text[sentence:]}” [2]", quote)
    raw = ""
    for each in (lead, piece):
        citations.note(each, len(raw))
        raw += each.text
    assert citations.render(raw).endswith("“See note [2] of the report.” [1]")
    assert citations.build()[0].quote == "See note [2] of the report."


def test_citations_as_json() -> None:
    citations = Citations(PASSAGES)
    citations.note(Piece("“Rijeka presented two projects.” [3]", Quote(3, 0, 31)), 0)
    citations.render("“Rijeka presented two projects.” [3]")
    payload = citations.build()[0].as_dict()
    assert payload["n"] == 1 and payload["doc_id"] == "doc3.txt" and payload["score"] == 0.1235
    assert (payload["quote"], payload["quote_start"], payload["quote_end"]) == ("Rijeka presented two projects.", 0, 31)


def test_citations_of_paged_documents_carry_their_pages() -> None:
    paged = replace(PASSAGES[2], page=12, page_end=13)
    payload = Citation(1, paged).as_dict()
    assert (payload["page"], payload["page_end"]) == (12, 13)
    unpaged = Citation(1, PASSAGES[2]).as_dict()
    assert (unpaged["page"], unpaged["page_end"]) == (None, None)


@pytest.mark.parametrize(("page", "page_end", "language", "label"), [
    (12, 12, "en", "p. 12"), (12, 13, "en", "p. 12–13"), (3, 3, "tr", "s. 3"), (3, 4, "tr", "s. 3–4"),
    (None, None, "en", ""),
])
def test_page_labels(page: int | None, page_end: int | None, language: str, label: str) -> None:
    assert page_label(replace(PASSAGES[0], page=page, page_end=page_end), language) == label
