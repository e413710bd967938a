"""Benchmarks: retrieval quality on XQuAD (`kentrag bench retrieval`) and speed (`kentrag bench speed`)."""
