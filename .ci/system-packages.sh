#!/usr/bin/env bash
# System packages safepassage needs beyond Python, installed with apt when missing (idempotent):
# python3-venv and make to build the environment; Debian's chromium, the Noto fonts (Arabic) and
# poppler-utils (pdftotext) for the PDFs (sitrep, leaflets) and the browser tests. Playwright
# drives /usr/bin/chromium; it never downloads a browser (../shared/reference/browser-and-pdf.md).
# Used by `.ci/run` and by `make demo`.
set -euo pipefail

missing=()
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v make >/dev/null || missing+=(make)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
fc-list 2>/dev/null | grep -q "Noto Naskh Arabic" || missing+=(fonts-noto-core)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "missing system packages: ${missing[*]}; install them with:" >&2
    echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 0  # the demo still runs; it says which outputs it skipped and why
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing system packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
