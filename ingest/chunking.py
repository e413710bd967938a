"""Documents → chunks with llama-index's sentence-aware splitter, keeping exact character offsets."""

from __future__ import annotations

from bisect import bisect_right

from kentrag.ingest.document import LoadedDocument, PageStarts
from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from kentrag.core.settings import Settings
from kentrag.core.types import chunk_id

# Only the title travels with the chunk text into the embedding; the rest is bookkeeping.
EMBEDDED_METADATA = ("title",)


def make_splitter(settings: Settings) -> SentenceSplitter:
    """The splitter for these settings (sizes in tokens of llama-index's bundled tokenizer)."""
    return SentenceSplitter(chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap,
                            paragraph_separator="\n\n", include_metadata=False, include_prev_next_rel=False)


def page_at(pages: PageStarts, offset: int) -> int:
    """The number of the page that holds character `offset` of a paged document's text."""
    return pages[max(bisect_right([start for start, _ in pages], offset) - 1, 0)][1]


def page_metadata(pages: PageStarts, start: int, end: int) -> dict[str, int]:
    """'page' and 'page_end' (first and last page) of the text span [start, end); {} for an unpaged document
    (Chroma metadata cannot hold None: a missing key means "no page")."""
    if not pages:
        return {}
    return {"page": page_at(pages, start), "page_end": page_at(pages, max(end - 1, start))}


def chunk_document(document: LoadedDocument, splitter: SentenceSplitter) -> list[TextNode]:
    """Split one document into TextNodes with kentrag's chunk metadata."""
    nodes = splitter.get_nodes_from_documents([Document(text=document.text, id_=document.doc_id)])
    chunks = []
    for index, node in enumerate(nodes):
        start = node.start_char_idx if node.start_char_idx is not None else document.text.find(node.text)
        end = start + len(node.text)
        metadata = {"doc_id": document.doc_id, "title": document.title, "source": document.source,
                    "language": document.language, "chunk_index": index, "start_char": start, "end_char": end,
                    "content_hash": document.content_hash, **page_metadata(document.pages, start, end)}
        chunks.append(TextNode(
            id_=chunk_id(document.doc_id, document.content_hash, index), text=node.text, metadata=metadata,
            excluded_embed_metadata_keys=[k for k in metadata if k not in EMBEDDED_METADATA],
            excluded_llm_metadata_keys=list(metadata),
            # The source relationship makes llama-index store doc_id/ref_doc_id as our doc_id.
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=document.doc_id)}))
    return chunks
