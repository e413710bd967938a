"""The dense searches (index.dense_search) on random unit vectors: the exact scan, the HNSW graph, its patches."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from kentrag.index.arrays import top_rows
from kentrag.index.dense_search import SEARCH_BREADTH, ExactSearch, GraphSearch

pytestmark = pytest.mark.fast


def unit_vectors(count: int, dimension: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_top_rows_are_the_largest_scores_best_first() -> None:
    scores = np.random.default_rng(3).standard_normal(500)
    assert top_rows(scores, 7).tolist() == np.argsort(-scores)[:7].tolist()
    assert top_rows(scores[:3], 7).tolist() == np.argsort(-scores[:3]).tolist()  # fewer rows than k
    assert top_rows(np.array([0.5, 0.9, 0.5, 0.9]), 4).tolist() == [1, 3, 0, 2]  # equal scores in row order
    assert top_rows(scores, 0).tolist() == []


def test_exact_search_finds_the_largest_products_overall_and_within_a_group() -> None:
    vectors, query = unit_vectors(500, 16, 0), unit_vectors(1, 16, 1)[0]
    similarities = vectors @ query
    search = ExactSearch(vectors)
    assert search.nearest_rows(query, 5).tolist() == np.argsort(-similarities)[:5].tolist()
    # A small group is scored on its own rows, a large one through the product with every row: same answer.
    for group in (np.arange(0, 500, 7), np.arange(0, 500, 2)):
        expected = group[np.argsort(-similarities[group])[:5]].tolist()
        assert search.nearest_rows_among(query, group, 5).tolist() == expected


def test_graph_search_finds_what_the_exact_search_finds() -> None:
    vectors, queries = unit_vectors(2000, 32, 2), unit_vectors(50, 32, 3)
    graph, exact = GraphSearch.build(vectors), ExactSearch(vectors)
    found = np.mean([len(set(graph.nearest_rows(q, 10).tolist()) & set(exact.nearest_rows(q, 10).tolist())) / 10
                     for q in queries])
    assert found >= 0.9
    group = np.arange(0, 2000, 3)
    assert all(graph.nearest_rows_among(q, group, 5).tolist() == exact.nearest_rows_among(q, group, 5).tolist()
               for q in queries)


def test_patched_graph_maps_its_keys_to_the_new_rows() -> None:
    """After dropping rows and adding new ones, each row's own vector is found at that row, and dropped vectors
    are gone. The graph's own search is approximate (a parallel build leaves a few of 300 nodes out of reach),
    so the mapping is checked through usearch's exact search of the same index, and nearest_rows by share."""

    def exact_row(graph: GraphSearch, vector: np.ndarray) -> int:
        return int(graph.row_of_key[graph.index.search(vector, 1, exact=True).keys[0]])

    vectors = unit_vectors(300, 16, 0)
    keep = np.random.default_rng(0).random(250) > 0.3
    rows = np.concatenate([vectors[:250][keep], vectors[250:]])
    graph = GraphSearch.build(vectors[:250]).patched(keep, rows)
    assert [exact_row(graph, vector) for vector in rows] == list(range(len(rows)))
    found = np.mean([graph.nearest_rows(vector, 1).tolist() == [row] for row, vector in enumerate(rows)])
    assert found >= 0.95  # a wrong mapping finds almost none
    # A dropped vector's exact nearest is a live row: were it still in the graph, it would come first (-1).
    assert all(exact_row(graph, vector) >= 0 for vector in vectors[:250][~keep])
    again = graph.patched(np.ones(len(rows), dtype=bool), rows)
    assert [exact_row(again, vector) for vector in rows] == list(range(len(rows)))
    assert again.nearest_rows_among(rows[7], np.arange(len(rows)), 1).tolist() == [7]


def test_graph_answers_concurrent_searches_as_it_answers_them_one_by_one() -> None:
    """Chat sessions search one graph from several threads at once."""
    vectors = unit_vectors(3000, 64, 1)
    graph = GraphSearch.build(vectors)
    noise = np.random.default_rng(4).standard_normal((400, 64)).astype(np.float32)
    queries = list(vectors[:400] + 0.1 * noise)
    one_by_one = [graph.nearest_rows(query, 20).tolist() for query in queries]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda query: graph.nearest_rows(query, 20).tolist(), queries)) == one_by_one


def test_a_pickled_graph_searches_as_before() -> None:
    """The snapshot cache pickles the graph (usearch's own serialisation) with its rows and vectors."""
    import pickle

    vectors = unit_vectors(500, 16, 5)
    graph = GraphSearch.build(vectors)
    restored = pickle.loads(pickle.dumps(graph))
    assert np.array_equal(restored.row_of_key, graph.row_of_key) and np.array_equal(restored.vectors, vectors)
    assert restored.index.expansion_search == SEARCH_BREADTH
    assert [restored.nearest_rows(v, 5).tolist() for v in vectors[:50]] == [
        graph.nearest_rows(v, 5).tolist() for v in vectors[:50]]
