#!/usr/bin/env bash
# The Debian packages the test suite's real servers need, installed when missing and we are root with apt-get
# (as on CI machines); otherwise the tests that need them say what to install (or fail under ORDNA_REQUIRE_SERVERS=1).
# The one list of them: OpenLDAP's slapd and its tools for the LDAP and Active Directory connector tests.
set -euo pipefail
PACKAGES=(slapd ldap-utils)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} (Debian) for the connector tests..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "note: ${missing[*]} not installed (apt-get install ${missing[*]}); the tests that need them will say so" >&2
fi
