#!/usr/bin/env bash
# Install the Debian packages the test suite's real servers and browser need, when missing and we are root
# with apt-get (as on CI machines). Elsewhere it says what is missing; the tests that need it then skip
# with one line saying what to install (and fail under ORDNA_REQUIRE_SERVERS=1, as in CI).
# Usage: scripts/ensure-packages.sh [PACKAGE:COMMAND ...]   (defaults: the suite's own list below)
set -uo pipefail

NEEDED=("$@")
if [ ${#NEEDED[@]} -eq 0 ]; then
  NEEDED=(
    "chromium:/usr/bin/chromium"   # the browser suite (Playwright drives Debian's Chromium)
    "gettext:xgettext"             # the translation catalogs test
    "npm:npm"                      # axe-core for the accessibility checks, from the npm registry
    "poppler-utils:pdftoppm"       # the report tests render PDFs to check them
    "redis-server:redis-server"    # huey on Redis and the reminder tests with two consumers
    "slapd:/usr/sbin/slapd"        # the LDAP and Active Directory connector tests (OpenLDAP)
    "ldap-utils:ldapsearch"        # its command-line tools
  )
fi

missing=()
for pair in "${NEEDED[@]}"; do
  package=${pair%%:*}
  command=${pair#*:}
  if ! command -v "$command" >/dev/null 2>&1 && [ ! -x "$command" ]; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages for the test suite: ${missing[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "Could not install ${missing[*]}; the tests that need them will say so" >&2
  fi
else
  echo "Not installed: ${missing[*]} (apt-get install ${missing[*]}); the tests that need them will skip" >&2
fi
exit 0
