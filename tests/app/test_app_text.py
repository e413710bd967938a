"""The web app's pure parts: question cleaning, the interface language and the HTML of answers and sources
(every string from a document or a user escaped)."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest
from kentrag.app.i18n import pick_language, text
from kentrag.app.questions import MAX_QUESTION_CHARS, BadQuestion, clean_history, clean_question
from kentrag.app.render import answer_html, sources_html

from kentrag.answer.answers import Answer
from kentrag.answer.citations import Citation
from kentrag.core.types import Passage

pytestmark = pytest.mark.fast
MALICIOUS = '<img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script>'


# --- questions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "key"), [
    ("", "bad_empty"), ("  \n\t ", "bad_empty"), (None, "bad_empty"), ("\u200b\u202e\x00", "bad_empty"),
    ("x" * (MAX_QUESTION_CHARS + 1), "bad_too_long"), ("?!? 🙂🙂 …", "bad_no_words"),
])
def test_unusable_questions_are_refused_with_a_reason(raw: object, key: str) -> None:
    with pytest.raises(BadQuestion) as caught:
        clean_question(raw)
    assert caught.value.key == key
    assert text(key, "tr", **caught.value.values) != text(key, "en", **caught.value.values)


def test_questions_are_normalised_not_rejected() -> None:
    decomposed = unicodedata.normalize("NFD", "Kimler katıldı?")
    assert clean_question(f"  \ud800{decomposed}\u202e\n ") == "Kimler katıldı?"
    assert clean_history(["B40 atölyeleri?", "", None, "\x00"]) == ["B40 atölyeleri?"]
    assert clean_history("not a list") == []


def test_the_interface_language_comes_from_the_browser_s_tag() -> None:
    assert [pick_language(tag) for tag in ("tr-TR", "TR", "en-GB", "de-DE", "", None)] == \
        ["tr", "tr", "en", "en", "en", "en"]


# --- rendering ---------------------------------------------------------------------------------------


def _citation(passage_text: str, quote: str, title: str = "Title") -> Citation:
    passage = Passage("doc#0", "doc.txt", title, "doc.txt", "en", passage_text, 0, len(passage_text), score=0.5,
                      dense=0.9, keyword=0.4, sentence=0.7)
    start = passage_text.index(quote)
    return Citation(1, passage, quote, start, start + len(quote))


def test_sources_panel_escapes_documents_and_highlights_the_quote() -> None:
    passage_text = f"Intro line.\nThe fact is 42. {MALICIOUS} Tail."
    answer = Answer("q", "en", "“The fact is 42.” [1]", True, (_citation(passage_text, "The fact is 42.", MALICIOUS),))
    panel = sources_html(answer, "en", show_scores=True)
    assert "<img" not in panel and "<script" not in panel
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;" in panel
    assert panel.count('<mark class="kr-quote">The fact is 42.</mark>') == 2  # snippet and whole passage
    assert 'data-state="cited"' in panel and "dense 0.900 · best sentence 0.700 · keyword 0.40" in panel


def test_sources_panel_without_citations_or_answer() -> None:
    not_found = Answer("q", "tr", "Bu sorunun yanıtını belgelerde bulamadım.", False)
    assert 'data-state="none"' in sources_html(not_found, "tr", False)
    assert text("sources_none", "tr") in sources_html(not_found, "tr", False)
    assert 'data-state="empty"' in sources_html(None, "en", False)
    odd = Citation(1, _citation("short text", "short").passage, "", -1, -1)
    assert "short text" in sources_html(Answer("q", "en", "x [1]", True, (odd,)), "en", False)


def test_sources_panel_names_pages_and_links_files_and_web_pages() -> None:
    cited = _citation("The fact is 42.", "The fact is 42.")
    pdf = Citation(1, replace(cited.passage, doc_id="2024/rapor.pdf", source="rapor.pdf", page=12, page_end=13),
                   *cited_quote(cited))
    web = Citation(2, replace(cited.passage, source='https://example.org/haber?a=1&b="x"'), *cited_quote(cited))
    answer = Answer("q", "tr", "“The fact is 42.” [1] [2]", True, (pdf, web))
    panel = sources_html(answer, "tr", False)
    assert ('<a class="kr-file" href="kentrag/file/2024/rapor.pdf#page=12" target="_blank" rel="noopener">'
            'rapor.pdf</a> <span class="kr-page">s. 12–13</span>') in panel
    assert ('<a class="kr-file" href="https://example.org/haber?a=1&amp;b=&quot;x&quot;" target="_blank" '
            'rel="noopener noreferrer">') in panel
    assert '<span class="kr-page">p. 12–13</span>' in sources_html(answer, "en", False)
    assert panel.count("kr-page") == 1  # an unpaged source names no page


def cited_quote(citation: Citation) -> tuple[str, int, int]:
    return citation.quote, citation.quote_start, citation.quote_end


def test_answers_escape_quoted_html_and_note_a_fallback() -> None:
    answer = Answer("q", "en", f"“{MALICIOUS}” [1]", True, fallback="The model failed (<b>timeout</b>)")
    shown = answer_html(answer)
    assert "<img" not in shown and "<script" not in shown and "<b>" not in shown
    assert shown.index('class="kr-notice"') < shown.index('class="kr-message"')
    assert 'class="kr-notice"' in answer_html(Answer("q", "en", "not found", False))


def test_sources_panel_shows_support_and_no_markdown_markup() -> None:
    passage_text = "## Festival\n\nTwo programs: **Festival Bus Project** and the Summit."
    cited = _citation(passage_text, "Two programs: **Festival Bus Project** and the Summit.", "# **B40** news")
    answer = Answer("q", "en", "“Two programs: Festival Bus Project and the Summit.” [1]", True,
                    (replace(cited, support=0.934),))
    panel = sources_html(answer, "en", False)
    assert "**" not in panel and "#" not in panel.split('id="kr-source-1"')[1]
    assert '<strong class="kr-title">B40 news</strong>' in panel and "support 0.93" in panel
    assert "destek 0.93" in sources_html(answer, "tr", False)


def test_a_refused_answer_shows_its_related_passages() -> None:
    related = replace(_citation("The protocol was signed in İzmir.", "The protocol was signed in İzmir."),
                      support=0.12)
    refused = Answer("Budget?", "en", text("not_found", "en"), False, related=(related,))
    panel = sources_html(refused, "en", False)
    assert 'data-state="related"' in panel and text("related", "en") in panel and "support 0.12" in panel
    assert '<mark class="kr-quote">The protocol was signed in İzmir.</mark>' in panel
    assert text("related", "tr") in sources_html(refused, "tr", False)
