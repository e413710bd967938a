"""Hybrid retrieval: one question's e5 vector, keywords and, across languages, USE, over one snapshot of the index.

Candidates are scored by index.scoring; passages, their sentence vectors and the query vectors go back in one
`Retrieval`, so that a generator ranks sentences with the same vectors and never asks the index again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace

import numpy as np
from kentrag.index.keyword import best_rows
from kentrag.index.query import retrieval_query
from kentrag.index.scoring import CENTERING_DEPTH, centre_per_language, fused_scores, ranked
from kentrag.index.sentence_ends import run_on
from kentrag.index.snapshot import PATCH_LIMIT, Snapshot, SnapshotLoader
from kentrag.index.snapshot_cache import SnapshotCache
from kentrag.index.store import Store

from kentrag.core.embedding import UseEmbedding, load_use_embedding
from kentrag.core.language import detect_language
from kentrag.core.types import Passage, Retrieval, following_chunk_id

# Dense candidates per passage language, and keyword candidates.
CANDIDATES = 40


class HybridRetriever:
    """Dense + keyword retrieval over one Store; call `refresh()` after the index changes. A query reads one
    in-memory snapshot (index.snapshot), which `refresh` swaps whole: never half an update, never Chroma."""

    def __init__(self, store: Store, embedding, use_embedding: UseEmbedding | None = None) -> None:
        """`embedding`: e5 (llama-index's wrapper); `use_embedding`: USE, loaded from the store's settings when
        not given and the index holds USE vectors."""
        self.store = store
        self.embedding = embedding
        self.use_embedding = use_embedding
        self._loader = SnapshotLoader(store)
        self._snapshot = self._with_use(self._loader.load())

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot the next query reads."""
        return self._snapshot

    @property
    def snapshot_cache(self) -> SnapshotCache | None:
        """Where the snapshot is saved between runs (None when the snapshot cache is off)."""
        return self._loader.cache

    @property
    def load_source(self) -> str:
        """Where the last full load came from: "cache", "patched cache" or "chroma"."""
        return self._loader.source

    @property
    def uses_use_vectors(self) -> bool:
        """Whether USE scores count (its vectors are complete for the current index)."""
        return self._snapshot.use_vectors is not None

    def refresh(self, changed_documents: Collection[str] | None = None) -> None:
        """Pick up changes to the index: given the documents a sync changed, only their chunks are read and patched
        into the snapshot; else, or when the vector sets do not match, a full load (snapshot cache, else Chroma)."""
        old = self._snapshot
        if changed_documents is not None and old.passages and len(changed_documents) <= PATCH_LIMIT:
            if not changed_documents:
                return
            patched = self._loader.patched(old, set(changed_documents))
            if patched is not None:
                self._snapshot = self._with_use(patched)
                return
        self._snapshot = self._with_use(self._loader.load())

    def _with_use(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot, with USE loaded now when it scores with USE (rather than at the first question)."""
        if snapshot.use_vectors is not None and self.use_embedding is None:
            self.use_embedding = load_use_embedding(self.store.settings)
        return snapshot

    def retrieve(self, question: str, history: Sequence[str] = (), k: int = 5,
                 exclude: Collection[str] = frozenset()) -> Retrieval:
        """The k best passages for the question (searched with `retrieval_query(question, history)`), best first,
        with their sentence vectors and the query vectors; documents in `exclude` are left out before scoring."""
        snapshot = self._snapshot
        language = detect_language(question)
        query = retrieval_query(question, history)
        if not question.strip() or not snapshot.passages:
            return Retrieval(language, query, None, None)
        vector = np.asarray(self.embedding.get_query_embedding(query), dtype=np.float32)
        keyword = snapshot.keyword.matched_share(query)
        rows = candidate_rows(snapshot, vector, keyword, exclude)
        if not len(rows):
            return Retrieval(language, query, vector, None)
        dense, sentence = snapshot.e5_cosines(rows, vector)
        languages = snapshot.passage_languages[rows]
        same = languages == language
        use_vector = use = use_sentence = None
        if snapshot.use_vectors is not None and not same.all():  # USE counts for other-language passages only
            use_vector = self.use_embedding.encode_query(query)
            use, use_sentence = snapshot.use_cosines(rows[~same], use_vector)
        scores = centre_per_language(fused_scores(dense, sentence, keyword[rows], same, use, use_sentence), languages)
        best = ranked(scores, k)
        scored = [replace(snapshot.passages[rows[i]], score=float(scores[i]), dense=float(dense[i]),
                          sentence=None if sentence is None else float(sentence[i]), keyword=float(keyword[rows[i]]))
                  for i in best]
        passages = tuple(completed(snapshot, passage) for passage in scored)
        # A passage run on into the next chunk has sentences no stored vector matches: they are embedded when read.
        longer = {after.chunk_id for before, after in zip(scored, passages) if after is not before}
        vectors = {chunk: v for chunk, v in snapshot.sentence_vectors(rows[best]).items() if chunk not in longer}
        return Retrieval(language, query, vector, use_vector, passages, vectors)


def completed(snapshot: Snapshot, passage: Passage) -> Passage:
    """The passage, run on to the end of its last sentence when its chunk ends inside one (index.sentence_ends)."""
    row = snapshot.row_of.get(following_chunk_id(passage.chunk_id))
    longer = run_on(passage, snapshot.passages[row]) if row is not None else None
    return longer or passage


def candidate_rows(snapshot: Snapshot, vector: np.ndarray, keyword_scores: np.ndarray,
                   exclude: Collection[str] = frozenset(), k: int = CANDIDATES) -> np.ndarray:
    """Rows of the dense candidates of every language plus the k best keyword hits, sorted, without the chunks of
    the `exclude` documents. A language left with too few to centre on (CENTERING_DEPTH) by the search over all
    languages (k × languages chunks) gets a search of its own."""
    search, languages = snapshot.search, snapshot.language_rows
    found = [search.nearest_rows(vector, k * len(languages))]
    counts = Counter(snapshot.passage_languages[found[0]].tolist())
    found += [search.nearest_rows_among(vector, rows, k)
              for language, rows in languages.items() if counts[language] < CENTERING_DEPTH]
    found.append(np.asarray([row for row, _ in best_rows(keyword_scores, k)], dtype=np.int64))
    rows = np.unique(np.concatenate(found))
    if exclude:
        rows = rows[np.asarray([snapshot.passages[row].doc_id not in exclude for row in rows], dtype=bool)]
    return rows
