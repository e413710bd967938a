"""Entry point of `kentrag bench retrieval|speed|graph`."""

from __future__ import annotations

import argparse

from kentrag.config import Settings


def run_bench(args: argparse.Namespace) -> int:
    """Run the chosen benchmark and print its tables."""
    settings = Settings()
    if args.what == "retrieval":
        from bench.retrieval import run_retrieval

        run_retrieval(args.data, args.smoke, settings)
    elif args.what == "graph":
        from bench.graph import run_graph

        run_graph(args.texts, args.smoke, settings)
    else:
        from bench.speed import run_speed

        run_speed(args.smoke, settings)
    return 0
