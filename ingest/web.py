"""Web pages → LoadedDocument: fetch one URL (httpx) and keep its main text and title (trafilatura).

Every failure (unreachable host, timeout, too many redirects, HTTP error, not HTML, too large, no main text)
raises UnreadableDocument with a reason for that URL, so one bad URL never stops the others.
"""

from __future__ import annotations

import contextlib
import time
from urllib.parse import urlsplit, urlunsplit

import httpx
import trafilatura
from kentrag.ingest.clean import clean_text
from kentrag.ingest.document import LoadedDocument, UnreadableDocument, content_hash, shorten_title
from kentrag.ingest.readers import decode_html

from kentrag.core.language import detect_language

DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "kentrag (document indexer)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    """The URL as a document id: scheme and host lower-case, no default port, no credentials, no #fragment,
    '/' for an empty path (so the spellings of one page give one id, and the id never holds a '#')."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise UnreadableDocument("not a valid URL (bad port)") from None
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise UnreadableDocument("not an http:// or https:// URL")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _check_response(response: httpx.Response, max_bytes: int) -> None:
    """Raise for an HTTP error, a type other than HTML, or a declared length over the limit."""
    where = f" at {response.url}" if response.history else ""
    if response.is_error:
        raise UnreadableDocument(f"HTTP {response.status_code} {response.reason_phrase}{where}")
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        raise UnreadableDocument(f"not a web page: the content type is {media_type}{where}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise UnreadableDocument(f"page too large: {int(declared)} bytes, the limit is {max_bytes}{where}")


def _read_body(response: httpx.Response, max_bytes: int, deadline: float, timeout_s: float) -> bytes:
    """The body, stopping as soon as it passes max_bytes or the whole download passes its deadline."""
    body = bytearray()
    for part in response.iter_bytes():
        body += part
        if len(body) > max_bytes:
            raise UnreadableDocument(f"page too large: more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise UnreadableDocument(f"timed out after {timeout_s:g} s")
    return bytes(body)


def _download(url: str, timeout_s: float, max_bytes: int) -> tuple[str, bytes, str | None]:
    """(final URL, body bytes, charset the server declared) of an HTML page."""
    deadline = time.monotonic() + timeout_s
    try:
        with httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout_s,
                          headers={"User-Agent": USER_AGENT}) as client, client.stream("GET", url) as response:
            _check_response(response, max_bytes)
            return str(response.url), _read_body(response, max_bytes, deadline, timeout_s), response.charset_encoding
    except httpx.TooManyRedirects:
        raise UnreadableDocument(f"too many redirects (more than {MAX_REDIRECTS})") from None
    except httpx.TimeoutException:
        raise UnreadableDocument(f"timed out after {timeout_s:g} s") from None
    except httpx.ConnectError as error:
        raise UnreadableDocument(f"cannot connect to {urlsplit(url).netloc}: {error}") from None
    except httpx.HTTPError as error:
        raise UnreadableDocument(f"download failed: {error}") from None


def _decode(data: bytes, charset: str | None) -> str:
    """The page as text: the charset the server declared when it fits, else the HTML rules of the readers."""
    if charset:
        with contextlib.suppress(LookupError, UnicodeDecodeError):
            return data.decode(charset)
    return decode_html(data)


def fetch_page(url: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedDocument:
    """Fetch one web page and keep its main text (no menus, footers or ads) and title. doc_id is the normalised URL
    asked for (what a refresh fetches again), `url` the final one; the content hash is of the fetched bytes."""
    doc_id = normalise_url(url)
    final_url, data, charset = _download(doc_id, timeout_s, max_bytes)
    extracted = trafilatura.bare_extraction(_decode(data, charset), url=final_url, with_metadata=True,
                                            include_comments=False, include_tables=True)
    text = clean_text(extracted.text or "") if extracted is not None else ""
    if extracted is None or not text:
        raise UnreadableDocument("no main text found on the page")
    parts = urlsplit(final_url)
    title = extracted.title or f"{parts.netloc}{parts.path}"
    return LoadedDocument(doc_id=doc_id, path=None, text=text, title=shorten_title(title),
                          language=detect_language(text), content_hash=content_hash(data), url=final_url)
