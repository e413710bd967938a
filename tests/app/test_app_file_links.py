"""The sources panel's links to the documents' files (served by app/files.py): escaped names, and a PDF opened at
the cited page."""

from __future__ import annotations

import pytest
from kentrag.app.render import file_href

pytestmark = pytest.mark.fast


def test_a_pdf_link_opens_at_the_cited_page() -> None:
    assert file_href("raporlar/ulaşım raporu.pdf", 2) == "kentrag/file/raporlar/ula%C5%9F%C4%B1m%20raporu.pdf#page=2"
    assert file_href("SCAN.PDF", 7).endswith("#page=7")


def test_other_links_name_no_page() -> None:
    assert file_href("rapor.pdf", None) == "kentrag/file/rapor.pdf"
    assert file_href("butce.xlsx", 3) == "kentrag/file/butce.xlsx"  # a sheet's "page" means nothing to a browser


def test_characters_that_end_a_path_are_escaped() -> None:
    assert file_href("a#b?c%d&e.txt", None) == "kentrag/file/a%23b%3Fc%25d%26e.txt"
    assert not file_href("x.txt", None).startswith("/")  # relative: it holds behind a proxy's path prefix
