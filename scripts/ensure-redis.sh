#!/usr/bin/env bash
# Installs Debian's redis-server for the reminder tests when it is missing and we are root with apt-get (as on
# CI machines); otherwise those tests say what to install (or fail under ORDNA_REQUIRE_SERVERS=1).
set -euo pipefail
if ! command -v redis-server >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing redis-server (Debian) for the reminder tests..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
