"""Choose chunk size and overlap by the eval: build one index per setting and score each.

Run: python -m kentrag.eval.chunk_sweep [--sizes 96,160,256,384] [--overlaps 0,30]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from kentrag.eval.runner import run_eval

from kentrag.core import runtime  # noqa: F401  (offline environment first)
from kentrag.core.settings import Settings

COLUMNS = ("hit@1", "hit@5", "mrr@10", "answer_match", "citation_precision")


def sweep(base: Settings, sizes: list[int], overlaps: list[int]) -> list[dict]:
    """Eval results for every (chunk_size, chunk_overlap) with overlap below size."""
    from kentrag.ingest.sync import Syncer

    rows = []
    for size in sizes:
        for overlap in (o for o in overlaps if o < size):
            with tempfile.TemporaryDirectory(prefix="kentrag-sweep-") as folder:
                settings = base.with_overrides(data_dir=Path(folder), chunk_size=size, chunk_overlap=overlap)
                Syncer(settings, show_progress=False).sync([settings.corpus_dir])
                report = run_eval(settings, show_progress=False)
            cross = report["splits"].get("cross_lingual", {})
            rows.append({"chunk_size": size, "chunk_overlap": overlap, **{c: report[c] for c in COLUMNS},
                         "cross hit@1": cross.get("hit@1")})
            print_row(rows[-1])
    return rows


def print_row(row: dict) -> None:
    cells = "".join(f"{row[c]:>14.3f}" for c in (*COLUMNS, "cross hit@1"))
    print(f"{row['chunk_size']:>6} {row['chunk_overlap']:>8}{cells}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="96,160,256,384")
    parser.add_argument("--overlaps", default="0,30")
    args = parser.parse_args()
    print(f"{'size':>6} {'overlap':>8}" + "".join(f"{c:>14}" for c in (*COLUMNS, "cross hit@1")))
    sweep(Settings(), [int(s) for s in args.sizes.split(",")], [int(o) for o in args.overlaps.split(",")])


if __name__ == "__main__":
    main()
