#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at PostgreSQL: the database DATABASE_URL names when it is set already
# (said, and used as it is), else a private PostgreSQL started on loopback for the command and stopped after it.
# PostgreSQL is looked for on PATH and where Debian, Homebrew and Postgres.app put it (ordna.core.tests.servers);
# Debian's package is installed when it is missing and we are root with apt-get (not with ORDNA_NO_INSTALL=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-$here/../.venv/bin/python}
servers() { "$PYTHON" -m ordna.core.tests.servers "$@"; }

if [ -n "${DATABASE_URL:-}" ]; then
  case "$DATABASE_URL" in
    postgres://* | postgresql://*)
      shown=$(printf '%s' "$DATABASE_URL" | sed -E 's#//([^:/@]*):[^@]*@#//\1:***@#')
      echo "Using the PostgreSQL database DATABASE_URL names ($shown); no private server is started"
      exec "$@"
      ;;
    *)
      echo "DATABASE_URL is set but names no PostgreSQL database; unset it and this script starts its own" >&2
      exit 2
      ;;
  esac
fi

if ! PG_CTL=$(servers find pg_ctl 2>/dev/null); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "${ORDNA_NO_INSTALL:-}" != 1 ]; then
    echo "Installing PostgreSQL (Debian package postgresql)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PG_CTL=$(servers find pg_ctl)
  else
    echo "$(servers missing pg_ctl); or set DATABASE_URL to a PostgreSQL database to use" >&2
    exit 3
  fi
fi
# Where pg_ctl really lives (Homebrew links it into bin/), so initdb and postgres are found beside it.
PGBIN=$(dirname "$("$PYTHON" -c 'import os, sys; print(os.path.realpath(sys.argv[1]))' "$PG_CTL")")

DIR=$(mktemp -d)
PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUN_AS=()
if [ "$(id -u)" = 0 ]; then  # initdb refuses to run as root
  chown postgres "$DIR"
  RUN_AS=(runuser -u postgres --)
fi
cleanup() {
  "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
"${RUN_AS[@]}" "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
"${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -o "-k $DIR -p $PORT -c listen_addresses=127.0.0.1 -c fsync=off" \
  -l "$DIR/log" -w start >/dev/null
# The database DATABASE_URL names (the test runner makes its own test_ordna_test beside it; `make bench` uses it).
"${RUN_AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres ordna_test
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') ($PGBIN) on 127.0.0.1:$PORT"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/ordna_test"
"$@"
