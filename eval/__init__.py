"""Evaluation of kentrag: the eval set (questions.jsonl), retrieval/citation metrics and the runner."""
