#!/usr/bin/env bash
# The Debian packages the tests need beyond Python: Chromium for the playground's browser
# tests and a Korean font, so that screenshots of the Korean UI show Hangul. Installs what is
# missing when run as root; otherwise prints what is missing and the command, and fails.
set -euo pipefail
chromium="${CHROMIUM:-/usr/bin/chromium}"  # where tests/test_playground_browser.py looks

missing=()
[ -x "$chromium" ] || missing+=(chromium)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
fc-list :lang=ko 2>/dev/null | grep -q . || missing+=(fonts-nanum)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system-deps: the browser tests need ${missing[*]} (missing); install them" \
       "with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "ensure-system-deps: installing ${missing[*]} for the browser tests"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
if [ ! -x "$chromium" ] || ! fc-list :lang=ko 2>/dev/null | grep -q .; then
  echo "ensure-system-deps: installed ${missing[*]}, but $chromium or a Korean font" \
       "(fc-list :lang=ko) is still missing" >&2
  exit 1
fi
