"""Which sentences of a passage are candidate answers (kentrag.answer.ranking.passage_sentences) and how passages
are re-ordered by their best sentence: pure functions of the text."""

from __future__ import annotations

import pytest

from kentrag.answer.quotes import shown
from kentrag.answer.ranking import Sentence, passage_sentences, reordered
from kentrag.core.types import Passage

pytestmark = pytest.mark.fast

TEXT = ("ISTANBUL WORKSHOPS\n\nTwo programs are on the agenda: **Festival Bus Project** and the Summit.\n\n"
        "B40 Young City Representatives Summit\n\nwill be planned to host in Istanbul between August 22nd - 27th. "
        "Young people will meet.\n\nThe opening speech was given by Dr.")


def passage(text: str = TEXT, chunk_id: str = "b40#0") -> Passage:
    return Passage(chunk_id, "b40.txt", "B40", "b40.txt", "en", text, 0, len(text))


def test_candidates_are_whole_sentences_with_their_heading_and_context() -> None:
    quoted = [(shown(TEXT[q.start:q.end]), shown(q.context)) for q in passage_sentences(passage())]
    assert quoted == [
        ("Two programs are on the agenda: Festival Bus Project and the Summit.", "ISTANBUL WORKSHOPS"),
        ("B40 Young City Representatives Summit will be planned to host in Istanbul between August 22nd - 27th.",
         "B40 Young City Representatives Summit"),
        ("Young people will meet.",
         "will be planned to host in Istanbul between August 22nd - 27th."),
    ]  # no heading alone, nothing cut at "Dr." by the chunk's end


PILLARS = ("The super app was discussed. It was indicated that there are four pillars of creating a super app "
           "which are as follows:\n\n- 1- Technology Partner\n- 2- Mini Application Development Partner\n"
           "- 3- Management Organization\n\nThe importance of revenue channels was also emphasized.")


def test_a_sentence_that_introduces_a_list_is_quoted_with_its_items() -> None:
    quoted = [shown(PILLARS[q.start:q.end]) for q in passage_sentences(passage(PILLARS))]
    assert ("It was indicated that there are four pillars of creating a super app which are as follows: "
            "1- Technology Partner; 2- Mini Application Development Partner; 3- Management Organization") in quoted
    assert quoted[0] == "The super app was discussed." and quoted[-1].startswith("The importance of revenue")
    cut = PILLARS[:PILLARS.index("- 1-")].rstrip()  # the chunk ends at the colon: its list is in the next chunk
    assert [shown(cut[q.start:q.end]) for q in passage_sentences(passage(cut))] == ["The super app was discussed."]


TITLE = "Belgrade and Rijeka at the World Smart City Summit and Smart City Week"
ARTICLE = (f"News\n\n{TITLE}\n\nCategories: Events, News | Author: Maja | Posted: 10/18/2017 | Views: 6432\n"
           "Seoul, September 04-08, 2017\n\nTwo city representatives joined the event.")


def test_the_documents_title_line_is_no_candidate() -> None:
    titled = Passage("s#0", "s.txt", TITLE, "s.txt", "en", ARTICLE, 0, len(ARTICLE))
    quoted = [shown(ARTICLE[q.start:q.end]) for q in passage_sentences(titled)]
    assert TITLE not in quoted and "Two city representatives joined the event." in quoted
    # The rule is the title's, not the line's: under another title the line is a candidate.
    assert TITLE in [shown(ARTICLE[q.start:q.end]) for q in passage_sentences(passage(ARTICLE))]
    # A plain text's title is its first line, cut: a first sentence that shares its line stays a candidate.
    paragraph = "In 1900, Tesla was granted patents. Marconi made his first transatlantic transmission in 1901."
    untitled_text = Passage("x#0", "x.txt", "In 1900, Tesla was granted patents.", "x.txt", "en", paragraph, 0,
                            len(paragraph))
    assert [q.start for q in passage_sentences(untitled_text)] == [0, paragraph.index("Marconi")]


def test_passages_are_ordered_by_their_best_sentence() -> None:
    first, second, third = passage(chunk_id="a"), passage(chunk_id="b"), passage(chunk_id="c")
    sentences = [Sentence(second, 0, 5, "x", score=2.5), Sentence(first, 0, 5, "y", score=2.0),
                 Sentence(second, 6, 9, "z", score=1.0)]
    assert [p.chunk_id for p in reordered([first, second, third], sentences)] == ["b", "a", "c"]
