#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when it is missing and we may (root + apt).
# Playwright drives this binary; no browser is ever downloaded by a test tool.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core >/dev/null && exit 0
fi
echo "note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)"
exit 0
