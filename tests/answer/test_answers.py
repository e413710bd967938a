"""Cited answers over the real corpus index: the right passages, quoted verbatim, in the question's language."""

from __future__ import annotations

import re

from kentrag.answer.assistant import NOT_FOUND

IZMIR = "2024-09-izmir-istanbul-technology-protocol.txt"
B40 = "2022-06-b40-balkan-cities-istanbul-workshops.txt"


def assert_well_cited(answer) -> None:
    """Every [n] in the text names a citation, and every quote is verbatim inside its passage."""
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.n for c in answer.citations}
    for citation in answer.citations:
        assert citation.quote and citation.quote in answer.text
        assert citation.passage.text[citation.quote_start:citation.quote_end] == citation.quote


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
    assert (turkish.found, turkish.text, turkish.citations) == (False, NOT_FOUND["tr"], ())
    assert (english.found, english.text, english.citations) == (False, NOT_FOUND["en"], ())


def test_follow_up_uses_the_conversation(assistant) -> None:
    alone = assistant.retrieve("Kimler katıldı?")
    follow_up = assistant.retrieve("Kimler katıldı?", history=["B40 atölyeleri ne zaman yapıldı?"])
    assert follow_up[0].doc_id == B40
    assert alone[0].doc_id != B40


def test_stream_grows_to_the_final_answer(assistant) -> None:
    steps = list(assistant.stream("When were the B40 workshops held in Istanbul?"))
    assert len(steps) > 1 and steps[-1].complete and not any(s.complete for s in steps[:-1])
    assert all(steps[-1].text.startswith(s.text) for s in steps)
    assert "20-25 June 2022" in steps[-1].text


def test_empty_question_is_answered_not_raised(assistant) -> None:
    answer = assistant.ask("   ")
    assert not answer.found and answer.citations == ()


def test_extractive_answers_use_the_stored_sentence_vectors(assistant) -> None:
    """The sentence vectors ingest stored line up with the sentences the extractive generator quotes, so it
    ranks them without embedding them again: swapped vectors swap the quote."""
    import numpy as np

    from kentrag.answer.base import GenerationRequest
    from kentrag.core.sentences import sentence_spans

    question = "When was the İzmir–İstanbul smart city protocol signed?"
    passages = assistant.retrieve(question)
    stored = assistant.retriever.sentence_vectors(passages)
    assert set(stored) == {p.chunk_id for p in passages}
    passage = next(p for p in passages if len(sentence_spans(p.text)) >= 3)
    spans = sentence_spans(passage.text)
    vectors = stored[passage.chunk_id]
    fresh = np.asarray(assistant.embedding.get_text_embedding_batch([passage.text[a:b] for a, b in spans]))
    assert len(vectors) == len(spans) and np.einsum("ij,ij->i", vectors, fresh).min() > 0.999

    extractive = assistant.generators["extractive"]
    quoted = extractive.select(GenerationRequest(question, question, "en", (passage,), stored))[0]
    best = next(i for i, (start, _) in enumerate(spans) if start == quoted.start)
    other = (best + 1) % len(spans)
    swapped = vectors.copy()
    swapped[[best, other]] = vectors[[other, best]]
    requoted = extractive.select(GenerationRequest(question, question, "en", (passage,),
                                                   {passage.chunk_id: swapped}))[0]
    assert requoted.start == spans[other][0]


def test_extractive_answers_rank_with_the_retrievers_query_vector(assistant) -> None:
    """The query vector the retriever searched with is the one sentences are ranked by (the question is
    embedded once per answer): the retriever's own vector quotes as before, another vector moves the quote."""
    import numpy as np

    from kentrag.answer.base import GenerationRequest
    from kentrag.core.sentences import sentence_spans

    question = "When was the İzmir–İstanbul smart city protocol signed?"
    vector = assistant.retriever.query_vector(question)
    passages = assistant.retrieve(question, query_vector=vector)
    assert [p.chunk_id for p in passages] == [p.chunk_id for p in assistant.retrieve(question)]
    passage = next(p for p in passages if len(sentence_spans(p.text)) >= 3)
    stored = assistant.retriever.sentence_vectors((passage,))
    extractive = assistant.generators["extractive"]

    def quoted_start(query_vector: np.ndarray | None) -> int:
        request = GenerationRequest(question, question, "en", (passage,), stored, query_vector)
        return extractive.select(request)[0].start

    best = quoted_start(None)
    assert quoted_start(vector) == best
    spans = sentence_spans(passage.text)
    other = next(n for n, (start, _) in enumerate(spans) if start != best)
    assert quoted_start(stored[passage.chunk_id][other]) == spans[other][0]
