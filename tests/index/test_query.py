"""What a question searches with (index.query)."""

from __future__ import annotations

import pytest
from kentrag.index.query import retrieval_query

pytestmark = pytest.mark.fast


def test_a_follow_up_carries_the_previous_user_turn() -> None:
    assert retrieval_query("Kimler katıldı?") == "Kimler katıldı?"
    assert retrieval_query(" Kimler katıldı? ", ["Eski soru?", " B40 atölyeleri ne zaman yapıldı? "]) == (
        "B40 atölyeleri ne zaman yapıldı? Kimler katıldı?")
    assert retrieval_query("Kimler katıldı?", ["B40 atölyeleri?", "  ", ""]) == "B40 atölyeleri? Kimler katıldı?"
