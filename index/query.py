"""What a question searches the index with."""

from __future__ import annotations

from collections.abc import Sequence

# Earlier user turns a follow-up question is searched with.
HISTORY_TURNS = 1


def retrieval_query(question: str, history: Sequence[str] = ()) -> str:
    """The text to search with: a follow-up carries the previous user turn(s) for context."""
    earlier = [turn.strip() for turn in history if turn and turn.strip()][-HISTORY_TURNS:]
    return " ".join([*earlier, question.strip()])
