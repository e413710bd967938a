"""Cited answers over the real corpus index: the right passages, quoted verbatim, in the question's language
(language models' answers: test_llm_answers.py)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from kentrag.answer.base import GenerationRequest
from kentrag.answer.extractive import ExtractiveGenerator
from kentrag.answer.quotes import normalised, shown
from kentrag.answer.ranking import OVERLAP_WEIGHT, SentenceRanker
from kentrag.core.sentences import sentence_spans
from kentrag.core.texts import phrase

pytestmark = pytest.mark.slow

IZMIR = "2024-09-izmir-istanbul-technology-protocol.txt"
B40 = "2022-06-b40-balkan-cities-istanbul-workshops.txt"
SEOUL = "2017-09-belgrade-rijeka-world-smart-city-week.txt"


def assert_well_cited(answer) -> None:
    """Every [n] in the text names a citation, and every quote is verbatim inside its passage (as shown: without
    markdown markup, on one line)."""
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.n for c in answer.citations}
    for citation in answer.citations:
        assert citation.quote and citation.quote in answer.text
        assert shown(citation.passage.text[citation.quote_start:citation.quote_end]) == citation.quote


def test_turkish_question_gets_turkish_cited_answer(assistant) -> None:
    answer = assistant.ask("İzmir ile İstanbul arasındaki teknoloji protokolünü kim imzaladı?")
    assert answer.found and answer.language == "tr"
    assert answer.text.startswith("Belgelere göre")
    assert_well_cited(answer)
    assert IZMIR in {c.passage.doc_id for c in answer.citations}
    assert "Tugay" in answer.text or "İmamoğlu" in answer.text


def test_english_question_gets_english_cited_answer(assistant) -> None:
    answer = assistant.ask("Which two working groups met at the B40 workshops in Istanbul?")
    assert answer.found and answer.language == "en"
    assert answer.text.startswith("According to the documents")
    assert_well_cited(answer)
    assert answer.citations[0].passage.doc_id == B40
    assert "Smart Cities and Digital Transformation" in answer.text


def test_unanswerable_question_is_refused_in_its_language(assistant) -> None:
    turkish = assistant.ask("Paris metrosunun yeni hattı ne zaman açılacak?")
    english = assistant.ask("What is the population of Ankara?")
    assert (turkish.found, turkish.text, turkish.citations) == (False, phrase("not_found", "tr"), ())
    assert (english.found, english.text, english.citations) == (False, phrase("not_found", "en"), ())


def test_follow_up_uses_the_conversation(assistant) -> None:
    alone = assistant.retrieve("Kimler katıldı?")
    follow_up = assistant.retrieve("Kimler katıldı?", history=["B40 atölyeleri ne zaman yapıldı?"])
    assert follow_up.passages[0].doc_id == B40
    assert alone.passages[0].doc_id != B40
    assert follow_up.query == "B40 atölyeleri ne zaman yapıldı? Kimler katıldı?" and follow_up.language == "tr"
    answer = assistant.ask("Kimler katıldı?", history=["B40 atölyeleri ne zaman yapıldı?"])
    assert answer.language == "tr" and answer.retrieval_query == follow_up.query


def test_stream_grows_to_the_final_answer(assistant) -> None:
    steps = list(assistant.stream("When were the B40 workshops held in Istanbul?"))
    assert len(steps) > 1 and steps[-1].complete and not any(s.complete for s in steps[:-1])
    assert all(steps[-1].text.startswith(s.text) for s in steps)
    assert "20-25 June 2022" in steps[-1].text


def test_empty_question_is_answered_not_raised(assistant) -> None:
    answer = assistant.ask("   ")
    assert not answer.found and answer.citations == ()


def test_extractive_answers_use_the_stored_sentence_vectors(assistant) -> None:
    """The sentence vectors the retrieval brings line up with the sentences the extractive generator quotes, so
    it ranks them without embedding them again: a changed stored vector moves the quote."""
    question = "When was the İzmir–İstanbul smart city protocol signed?"
    retrieval = assistant.retrieve(question)
    snapshot = assistant.retriever.snapshot
    run_on = {p.chunk_id for p in retrieval.passages
              if p.end_char > snapshot.passages[snapshot.row_of[p.chunk_id]].end_char}
    # Every passage but one run on to its sentence's end (index.sentence_ends) brings its stored vectors.
    assert set(retrieval.sentence_vectors) == {p.chunk_id for p in retrieval.passages} - run_on
    passage = next(p for p in retrieval.passages
                   if len(sentence_spans(p.text)) >= 3 and p.chunk_id in retrieval.sentence_vectors)
    spans = sentence_spans(passage.text)
    vectors = retrieval.sentence_vectors[passage.chunk_id]
    fresh = np.asarray(assistant.embedding.get_text_embedding_batch([passage.text[a:b] for a, b in spans]))
    assert len(vectors) == len(spans) and np.einsum("ij,ij->i", vectors, fresh).min() > 0.999

    extractive = ExtractiveGenerator(SentenceRanker(assistant.embedding))  # e5 cosine and keywords alone
    alone = replace(retrieval, passages=(passage,))
    quoted = extractive.select(GenerationRequest(question, alone))[0]
    best = next(i for i, (start, _) in enumerate(spans) if start == quoted.start)
    other = (best + 1) % len(spans)
    moved = vectors.copy()
    moved[other] = retrieval.query_vector  # that sentence's stored vector is now the question's own
    requoted = extractive.select(GenerationRequest(question, replace(alone, sentence_vectors={
        passage.chunk_id: moved})))[0]
    assert requoted.start == spans[other][0]


def test_extractive_answers_rank_with_the_retrievers_query_vector(assistant) -> None:
    """The query vector the retriever searched with is the one sentences are ranked by (the question is
    embedded once per answer): without it the question is embedded again, to the same quote; another vector
    moves the quote."""
    question = "When was the İzmir–İstanbul smart city protocol signed?"
    retrieval = assistant.retrieve(question)
    passage = next(p for p in retrieval.passages
                   if len(sentence_spans(p.text)) >= 3 and p.chunk_id in retrieval.sentence_vectors)
    alone = replace(retrieval, passages=(passage,))
    extractive = ExtractiveGenerator(SentenceRanker(assistant.embedding))  # e5 cosine and keywords alone

    def quoted_start(query_vector: np.ndarray | None) -> int:
        return extractive.select(GenerationRequest(question, replace(alone, query_vector=query_vector)))[0].start

    best = quoted_start(retrieval.query_vector)
    assert quoted_start(None) == best
    spans = sentence_spans(passage.text)
    other = next(n for n, (start, _) in enumerate(spans) if start != best)
    assert quoted_start(retrieval.sentence_vectors[passage.chunk_id][other]) == spans[other][0]


# --- the answer-sentence selector: known answers, near misses refused, readable quotes ------------------

FESTIVAL_BUS = "Which cities took part in the B40 Festival Bus project?"


def assert_readable(answer) -> None:
    """No quote twice, none with markdown markup or cut at an abbreviation; every citation with its support."""
    quotes = [c.quote for c in answer.citations]
    assert len({normalised(q) for q in quotes}) == len(quotes), quotes
    assert not any("**" in q or "__" in q or q.startswith("#") or q.endswith(("Dr.", "vb.")) for q in quotes)
    assert "**" not in answer.text
    assert all(c.support is not None and 0 <= c.support <= 1 for c in answer.citations)


@pytest.mark.xfail(strict=True, reason="selector run 2 gives 'Four topics were on the agenda for 2023: Festival Bus "
                   "Project, …' p 0.85 and the cities' sentence p 0.30: the cities come 4th, 0.55 below the lead "
                   "(cosine weight 6), outside the 0.2 margin a further quote needs; run 3 (not shipped) misses it "
                   "too (issue 17)")
def test_the_festival_bus_cities_are_named(assistant) -> None:
    answer = assistant.ask(FESTIVAL_BUS)
    assert answer.found and answer.citations[0].passage.doc_id == B40, answer.text
    assert any("Sarajevo" in c.quote and "Kotor" in c.quote for c in answer.citations), answer.text
    assert_well_cited(answer)
    assert_readable(answer)


def test_a_follow_up_quotes_the_summit_dates_with_their_heading(assistant) -> None:
    answer = assistant.ask("And when is the Young City Representatives Summit?", history=[FESTIVAL_BUS])
    assert answer.found, answer.text
    summit = "“B40 Young City Representatives Summit will be planned to host in Istanbul between August 22nd - 27th"
    assert summit in answer.text, answer.text
    assert_well_cited(answer)
    assert_readable(answer)


@pytest.mark.parametrize(("question", "language", "document"), [
    ("What was the budget of the İzmir–İstanbul protocol?", "en", IZMIR),
    ("İzmir–İstanbul protokolünün bütçesi ne kadardı?", "tr", IZMIR),
    # No term is given: no sentence holds a span of time ("iki şehir arasındaki bağları" is no duration).
    ("How long will the İzmir–İstanbul technology protocol stay in force?", "en", IZMIR),
    ("Protokol ne kadar süre geçerli olacak?", "tr", IZMIR),
    # "the age group can be 18-25" is an age, not how many take part.
    ("How many young people will take part in the B40 Young City Representatives Summit?", "en", B40),
    # "Four topics were on the agenda" counts no artists; "93. İzmir Enternasyonal Fuarı" is an ordinal.
    ("How many artists performed in the Festival Bus concerts?", "en", B40),
    ("İzmir Enternasyonal Fuarı'nı kaç kişi ziyaret etti?", "tr", IZMIR),
    # "120 call centers" counts no countries.
    ("Seul'deki Akıllı Şehir Haftası'na toplam kaç ülke katıldı?", "tr", SEOUL),
])
def test_a_near_miss_is_refused_with_its_related_passages(assistant, question: str, language: str,
                                                           document: str) -> None:
    answer = assistant.ask(question)
    assert (answer.found, answer.text, answer.citations) == (False, phrase("not_found", language), ())
    assert answer.related and answer.related[0].passage.doc_id == document
    assert [c.n for c in answer.related] == list(range(1, len(answer.related) + 1))
    payload = answer.as_dict()
    assert payload["related"][0]["doc_id"] == document and payload["related"][0]["support"] is not None


def test_an_ordinal_question_is_answered_with_its_ordinal(assistant) -> None:
    answer = assistant.ask("İzmir Enternasyonal Fuarı bu yıl kaçıncı kez düzenlendi?")
    assert answer.found and "93" in answer.citations[0].quote, answer.text
    assert_well_cited(answer)


def test_a_document_that_never_names_what_is_asked_about_does_not_answer(assistant) -> None:
    # The TDBB programme in Istanbul had "13 experts from 7 different countries"; the Tashkent conference's
    # document gives no count, and the TDBB document never names Tashkent.
    tashkent = assistant.ask("Taşkent'teki konferansa kaç ülkeden uzman katıldı?")
    assert not tashkent.found and tashkent.related, tashkent.text
    tdbb = assistant.ask("TDBB programına kaç ülkeden uzman katıldı?")
    assert tdbb.found and "7 different countries" in tdbb.citations[0].quote, tdbb.text
    assert_well_cited(tdbb)


def test_an_english_question_on_a_turkish_document_is_answered_in_english(assistant) -> None:
    answer = assistant.ask("What is InnoWeek?")
    assert answer.found and answer.text.startswith(phrase("quotes_lead", "en")), answer.text
    assert answer.citations[0].passage.language == "tr" and "InnoWeek" in answer.citations[0].quote
    # The sentence is longer than a chunk, which stops at "kapsamında,": the whole sentence is quoted, not half.
    assert answer.citations[0].quote.endswith("Uzman Konferansı” düzenlenmiştir."), answer.citations[0].quote
    assert_readable(answer)


@pytest.mark.parametrize("question", ["Süper uygulama oluşturmanın dört temel ayağı nedir?",
                                      "What steps of the transition to a smart city strategy were discussed?"])
def test_a_sentence_that_introduces_a_list_is_quoted_with_the_list(assistant, question: str) -> None:
    # Alone, "… four pillars of creating a super app which are as follows:" says only that there is a list; its
    # chunk ends at the colon, so the passage runs on through the items in the next chunk.
    answer = assistant.ask(question)
    assert answer.found, answer.text
    lead = answer.citations[0].quote
    items = (["Technology Partner", "Mini Application Development Partner", "Management Organization",
              "Marketing Resources"] if "Süper" in question else
             ["Literature review", "Current situation analysis", "Determining the smart city vision",
              "information technology architecture"])
    assert all(item in lead for item in items), answer.text
    assert_well_cited(answer)
    assert_readable(answer)


def test_sentences_in_either_language_compete_by_how_far_they_pass_their_threshold(assistant) -> None:
    # e5 cosines run higher within a language: by raw combined score two Turkish sentences on Turkey's own
    # smart-city presentations came before the English one naming Rijeka's projects; above their own language
    # pair's threshold, the English one leads.
    question = "Rijeka, Seul'deki akıllı şehir etkinliğinde hangi projeleri tanıttı?"
    answer = assistant.ask(question)
    assert answer.found and answer.language == "tr", answer.text
    assert answer.citations[0].passage.language == "en" and "iURBAN" in answer.citations[0].quote, answer.text
    assert_well_cited(answer)
    ranking = assistant.ranker.rank(question, assistant.retrieve(question))
    selector = assistant.ranker.selector
    for sentence in ranking.sentences:
        combined = selector.combined(np.array([sentence.probability]), np.array([sentence.cosine]))[0]
        above = combined - selector.threshold("tr", sentence.passage.language)
        assert sentence.score == pytest.approx(above + OVERLAP_WEIGHT * sentence.overlap, abs=1e-5)


def test_overlapping_chunks_never_give_the_same_quote_twice(assistant) -> None:
    answer = assistant.ask("Taşkent'teki konferansta hangi konular konuşuldu?")
    assert answer.found, answer.text
    assert_well_cited(answer)
    assert_readable(answer)


def test_passages_are_numbered_by_their_best_sentence(assistant) -> None:
    question = "Who signed the technology protocol between İzmir and İstanbul?"
    retrieval = assistant.retrieve(question)
    ranking = assistant.ranker.rank(question, retrieval)
    assert sorted(p.chunk_id for p in ranking.passages) == sorted(p.chunk_id for p in retrieval.passages)
    best = [ranking.best_of(p) for p in ranking.passages]
    scores = [b.score for b in best if b is not None]
    assert scores == sorted(scores, reverse=True)
    answer = assistant.ask(question)
    assert answer.citations[0].passage.chunk_id == ranking.passages[0].chunk_id


def test_without_the_selector_sentences_are_ranked_as_before(assistant) -> None:
    question = "Who signed the technology protocol between İzmir and İstanbul?"
    retrieval = assistant.retrieve(question)
    ranking = SentenceRanker(assistant.embedding).rank(question, retrieval)
    assert ranking.passages == retrieval.passages and all(s.passes for s in ranking.sentences)
    assert all(s.probability is None for s in ranking.sentences)
    assert [s.score for s in ranking.sentences] == sorted((s.score for s in ranking.sentences), reverse=True)


def test_with_the_selector_off_near_misses_are_answered_as_before(corpus_settings) -> None:
    from kentrag.answer.assistant import Assistant

    assistant = Assistant(replace(corpus_settings, selector=False))
    assert assistant.ranker.selector is None
    answer = assistant.ask("What was the budget of the İzmir–İstanbul protocol?")
    assert answer.found and answer.citations and all(c.support is None for c in answer.citations)
    assert_well_cited(answer)
