"""A passage whose chunk stops inside a sentence is run on to the sentence's end (index.sentence_ends)."""

from __future__ import annotations

import pytest
from kentrag.index.sentence_ends import ends_inside_a_sentence, run_on

from kentrag.core.types import Passage, chunk_id, following_chunk_id

pytestmark = pytest.mark.fast

# A document whose first sentence is longer than a chunk: the splitter cut it after "kapsamında,".
DOCUMENT = ("Taşkent’te düzenlenen “InnoWeek – 2022” kapsamında, Türk Devletleri Teşkilatı tarafından bir uzman "
            "konferansı düzenlenmiştir. Konferansın açılış konuşmaları Genel Sekreter Yardımcısı Dr. Mirvokhid "
            "Azimov tarafından yapılmıştır.\n\nPaneller yapıldı.")


def chunk(start: int, end: int, index: int, doc_id: str = "innoweek.txt", page_end: int | None = None) -> Passage:
    """Chunk `index` of the document: its text from `start` to `end`, as the store keeps it (stripped)."""
    return Passage(chunk_id(doc_id, "c0ffee" * 2, index), doc_id, "InnoWeek", "s", "tr", DOCUMENT[start:end], start,
                   end, page=1, page_end=page_end)


def test_the_following_chunk_id_is_the_next_index_of_the_same_document_version() -> None:
    first = chunk_id("a#b.txt", "0123456789abcdef", 4)
    assert following_chunk_id(first) == chunk_id("a#b.txt", "0123456789abcdef", 5)


def test_a_chunk_that_stops_at_a_comma_runs_on_to_its_sentence_s_end_with_the_document_s_exact_text() -> None:
    cut = DOCUMENT.index(",") + 1
    first, second = chunk(0, cut, 0), chunk(cut + 1, len(DOCUMENT), 1, page_end=2)  # the space between: not stored
    longer = run_on(first, second)
    end = DOCUMENT.index("düzenlenmiştir.") + len("düzenlenmiştir.")
    assert longer is not None and longer.text == DOCUMENT[:end] and (longer.start_char, longer.end_char) == (0, end)
    assert longer.page_end == 2 and longer.chunk_id == first.chunk_id


def test_overlapping_chunks_and_a_cut_at_an_abbreviation_run_on_too() -> None:
    cut = DOCUMENT.index("Dr.") + len("Dr.")
    first, second = chunk(0, cut, 0), chunk(cut - 20, len(DOCUMENT), 1)  # the next chunk starts 20 characters back
    longer = run_on(first, second)
    assert longer is not None and longer.text == DOCUMENT[:DOCUMENT.index("yapılmıştır.") + len("yapılmıştır.")]


def test_whole_sentences_headings_paragraph_breaks_and_other_documents_are_left_alone() -> None:
    end = DOCUMENT.index("yapılmıştır.") + len("yapılmıştır.")
    assert run_on(chunk(0, end, 0), chunk(end + 2, len(DOCUMENT), 1)) is None  # ends a sentence
    cut = DOCUMENT.index(",") + 1
    assert run_on(chunk(0, cut, 0), chunk(cut + 1, len(DOCUMENT), 1, doc_id="other.txt")) is None
    assert run_on(chunk(0, cut, 0), chunk(cut + 3, len(DOCUMENT), 1)) is None  # a gap that may be a paragraph break
    assert not ends_inside_a_sentence("Smart Cities and Digital Transformation Working Group")  # a heading
    assert ends_inside_a_sentence("Participants were A (Kosovo), B (Moldova),")


def test_a_chunk_that_ends_with_a_colon_runs_on_through_the_list_in_the_next_chunk() -> None:
    text = ("It was indicated that there are four pillars which are as follows:\n\n- 1- Technology Partner\n"
            "- 2- Management Organization\n\nThe importance of revenue channels was also emphasized.")
    colon = text.index(":") + 1

    def part(start: int, end: int, index: int) -> Passage:
        return Passage(chunk_id("b40.txt", "c0ffee" * 2, index), "b40.txt", "B40", "s", "en", text[start:end], start,
                       end)

    longer = run_on(part(0, colon, 0), part(colon - 30, len(text), 1))  # overlapping chunks keep the line breaks
    assert longer is not None and longer.text == text[:text.index("Organization") + len("Organization")]
    text = "The decision was as follows:\n\nThe protocol was approved by both councils."
    colon = text.index(":") + 1
    assert run_on(part(0, colon, 0), part(colon - 10, len(text), 1)) is None  # no list follows the colon
