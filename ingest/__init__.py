"""Files to documents, documents to chunks, and incremental sync into the index."""
