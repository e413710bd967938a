"""The indexed documents' own files, served read-only at /kentrag/file/<doc_id> for the sources panel's links.

A file is served only when <doc_id> names a document of the index (a manifest record, not a web page) and the
file at the path recorded for it still holds the bytes that were indexed (same SHA-256). No path is ever built
from the request, so `..`, absolute paths and symbolic links swapped in after indexing lead nowhere.
"""

from __future__ import annotations

import mimetypes
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from fastapi import HTTPException, Request, Response
from gradio.routes import App
from kentrag.app.render import FILE_ROUTE
from kentrag.index.store import Store
from kentrag.ingest.document import content_hash
from kentrag.ingest.readers import UnreadableDocument, read_limited
from kentrag.ingest.sync import is_web

# Types a browser shows better as something else (Chromium downloads text/markdown).
_SHOWN_AS = {"text/markdown": "text/plain"}
# The only type served outside a CSP sandbox: Chromium's PDF viewer does not open in one. Everything else (HTML
# above all) is sandboxed, so that no script in a document runs with the app's origin.
_UNSANDBOXED = "application/pdf"


class NotServed(Exception):
    """Why a requested file is not served, for people."""


def document_file(store: Store, doc_id: str, max_mb: int) -> tuple[str, bytes]:
    """The file name and the indexed bytes of the document `doc_id`; NotServed when there are none."""
    entry = store.manifest_entries().get(unicodedata.normalize("NFC", doc_id))
    if entry is None or is_web(entry.doc_id):
        raise NotServed(f"no document {doc_id!r} in the index")
    path = Path(entry.path)
    if not path.is_file():
        raise NotServed(f"the file of {doc_id!r} is no longer there")
    try:
        data = read_limited(path, max_mb)
    except UnreadableDocument as error:
        raise NotServed(f"{doc_id!r}: {error}") from None
    if content_hash(data) != entry.content_hash:
        raise NotServed(f"{doc_id!r} changed since it was indexed; sync the index again")
    return PurePosixPath(entry.doc_id).name, data


def file_response(name: str, data: bytes) -> Response:
    """The file for the browser to show (inline), typed by its name."""
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    media_type = _SHOWN_AS.get(media_type, media_type)
    headers = {"Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}", "X-Content-Type-Options": "nosniff"}
    if media_type != _UNSANDBOXED:
        headers["Content-Security-Policy"] = "sandbox"
    return Response(data, media_type=media_type, headers=headers)


def logged_in(app: App, request: Request) -> bool:
    """Gradio's own login test (its routes' login_check): no login asked, or the access token set at login."""
    if app.auth is None:
        return True
    cookies = request.cookies
    token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
    return token in app.tokens


def serve_document_files(app: App, store: Store, max_mb: int) -> None:
    """Add GET /kentrag/file/<doc_id> to the running app, behind its login when it has one."""

    def document(doc_id: str, request: Request) -> Response:
        if not logged_in(app, request):
            raise HTTPException(401, "Not authenticated: log in to the app first")
        try:
            return file_response(*document_file(store, doc_id, max_mb))
        except NotServed as reason:
            raise HTTPException(404, str(reason)) from None

    app.add_api_route(f"/{FILE_ROUTE}{{doc_id:path}}", document, methods=["GET"], include_in_schema=False)
