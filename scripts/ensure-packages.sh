#!/usr/bin/env bash
# Install the Debian packages the test suite's real servers and browser need, when missing and we are root
# with apt-get (as on CI machines). Elsewhere (or with ORDNA_NO_INSTALL=1) it says what is missing and how to
# install it; the tests that need it then skip with one line (and fail under ORDNA_REQUIRE_SERVERS=1, as in CI).
# Each is looked for on PATH and where Debian and Homebrew put it: ordna.core.tests.servers knows where.
# Usage: scripts/ensure-packages.sh [KEY ...]   (defaults: the suite's own list below)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-$here/../.venv/bin/python}
servers() { "$PYTHON" -m ordna.core.tests.servers "$@"; }

KEYS=("$@")
if [ ${#KEYS[@]} -eq 0 ]; then
  KEYS=(
    chromium       # the browser suite (Playwright drives the installed Chromium)
    xgettext       # the translation catalogs test
    npm            # axe-core for the accessibility checks, from the npm registry
    pdftoppm       # the report tests render PDFs to check them
    pdftotext
    redis-server   # huey on Redis and the reminder tests with two consumers
    redis-cli
    slapd          # the LDAP and Active Directory connector tests (OpenLDAP)
    ldapsearch
    sshd           # the SFTP feed tests (OpenSSH on loopback)
    ssh-keygen
  )
fi

missing=$(servers debian-packages "${KEYS[@]}") || exit 0
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "${ORDNA_NO_INSTALL:-}" != 1 ]; then
  echo "Installing Debian packages for the test suite: $missing"
  # shellcheck disable=SC2086 # one word per package
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; }; then
    echo "Could not install $missing; the tests that need them will say so" >&2
  fi
else
  echo "Not installed (the tests that need them will skip):" >&2
  servers missing "${KEYS[@]}" | sed 's/^/  /' >&2
fi
exit 0
