"""Entry point of `kentrag bench retrieval|speed|graph|answers|found`."""

from __future__ import annotations

import argparse

from kentrag.core.settings import Settings


def run_bench(args: argparse.Namespace) -> int:
    """Run the chosen benchmark and print its tables."""
    settings = Settings()
    if args.what == "retrieval":
        from kentrag.bench.retrieval import run_retrieval

        run_retrieval(args.data, args.smoke, settings)
    elif args.what == "graph":
        from kentrag.bench.graph import run_graph

        run_graph(args.texts, args.smoke, settings)
    elif args.what == "answers":
        from kentrag.bench.answers import run_answers

        run_answers(args.smoke, args.questions, settings)
    elif args.what == "found":
        from kentrag.bench.found import run_found

        run_found(args.smoke, settings)
    else:
        from kentrag.bench.speed import run_speed

        run_speed(args.smoke, settings)
    return 0
