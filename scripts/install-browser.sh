#!/usr/bin/env bash
# Install Debian's Chromium for the end-to-end browser tests (never a downloaded browser).
# Needs root and apt-get; otherwise says why and exits non-zero (the tests then skip).
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: Chromium is not installed and this is not root with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null 2>&1
