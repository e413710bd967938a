"""What the Documents tab shows: the documents table, the removal choices and status messages."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from kentrag.app.i18n import text
from kentrag.app.library import Library, UploadResult
from kentrag.app.render import plain
from kentrag.ingest.sync import SyncReport

TABLE_COLUMNS = ("col_title", "col_language", "col_chunks", "col_added", "col_file", "col_uploaded")


def _when(timestamp: str) -> str:
    """"2025-11-24T09:10:00+00:00" → "2025-11-24 09:10 UTC"."""
    return f"{timestamp[:10]} {timestamp[11:16]} UTC" if len(timestamp) >= 16 else timestamp


def documents_table(library: Library, language: str) -> pd.DataFrame:
    """The indexed documents under translated column names (a Dataframe shows cells as text)."""
    rows = [
        (e.title, e.language, e.chunks, _when(e.added_at), e.doc_id,
         text("yes" if library.is_upload(e) else "no", language))
        for e in library.documents()
    ]
    return pd.DataFrame(rows, columns=[text(key, language) for key in TABLE_COLUMNS])


def removal_choices(library: Library) -> list[tuple[str, str]]:
    """(label, doc_id) for every indexed document."""
    return [(f"{e.title} — {e.doc_id}", e.doc_id) for e in library.documents()]


def status_html(lines: Sequence[str], error: bool = False) -> str:
    """Status lines as escaped HTML."""
    kind = "kr-status kr-error" if error else "kr-status"
    return f'<div class="{kind}">' + "".join(f"<p>{plain(line)}</p>" for line in lines) + "</div>"


def upload_report(result: UploadResult, language: str) -> str:
    """The outcome of an upload: what was added and why each refused file was refused."""
    added = (text("upload_added", language, names=", ".join(result.added)) if result.added
             else text("upload_nothing", language))
    refused = [text("upload_failed", language, name=r.name, reason=text(r.reason, language, **r.values))
               for r in result.rejected]
    return status_html([added, *refused], error=bool(result.rejected))


def url_report(url: str, report: SyncReport, language: str) -> str:
    """The outcome of adding a web page: added, updated, unchanged, or why it could not be fetched."""
    if report.failed:
        return status_html([text("url_failed", language, url=url, reason=reason)
                            for reason in report.failed.values()], error=True)
    key = "url_unchanged" if report.unchanged else "url_added"
    return status_html([text(key, language, url=(report.added + report.updated + report.unchanged)[0])])
