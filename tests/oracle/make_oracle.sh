#!/bin/sh
# tests/oracle/make_oracle.sh OUTDIR — writes the independent oracle used by the
# [calendar][oracle] test in tests/core/test_calendar.cpp (run it with PARLEY_ORACLE_DIR=OUTDIR):
#   OUTDIR/oracle_holidays.tsv      region, date, name   (npm date-holidays@3.37.0)
#   OUTDIR/oracle_working_days.tsv  region, from, n, expected   (numpy.busday_offset)
# Needs node with date-holidays resolvable (the repository's node_modules from tools/setup,
# or NODE_PATH) and Debian's python3 with numpy (PYTHON overrides /usr/bin/python3).
# Takes a few seconds.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}
mkdir -p "$out"
# Write to temporary names first so a failed run never leaves a half-written oracle.
node "$here/holidays_oracle.js" > "$out/oracle_holidays.tsv.tmp"
"$python" "$here/busday_oracle.py" "$out/oracle_holidays.tsv.tmp" > "$out/oracle_working_days.tsv.tmp"
mv "$out/oracle_holidays.tsv.tmp" "$out/oracle_holidays.tsv"
mv "$out/oracle_working_days.tsv.tmp" "$out/oracle_working_days.tsv"
