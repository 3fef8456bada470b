#!/usr/bin/env bash
# Install Debian's Chromium for the end-to-end browser tests (never a downloaded browser).
# The tests drive /usr/bin/chromium with Playwright; without it they skip and say why.
# Needs root and apt-get; otherwise says why and exits non-zero.
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: /usr/bin/chromium is missing and this is not root with apt-get;" \
       "the browser tests will be skipped (install Debian's 'chromium' package to run them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
for attempt in 1 2; do
  if apt-get update -qq >"$log" 2>&1 && apt-get install -y -qq chromium >>"$log" 2>&1; then
    break
  fi
  echo "install-browser: apt-get failed (attempt $attempt)" >&2
  sleep 5
done
if [ ! -x /usr/bin/chromium ]; then
  echo "install-browser: could not install Debian's chromium; last lines of apt-get:" >&2
  tail -n 20 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed"
