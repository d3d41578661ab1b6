#!/usr/bin/env bash
# Install Debian's redis-server for the classroom tests when it is missing and we may (root + apt).
# Tests start their own redis-server on a free loopback port (no persistence) and stop it; nothing runs as a service.
set -u
if command -v redis-server >/dev/null; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's redis-server for the classroom tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null && exit 0
fi
echo "note: redis-server is missing; the tests that need it will be skipped (apt-get install redis-server)"
exit 0
