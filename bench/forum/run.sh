#!/usr/bin/env bash
# Forums vs FlaskBB: populate (once) + hello ceiling + cop read pages, with the anchor's
# generic harness (/work/shared/bench/flaskbb/measure.py), then query counts and profiles.
#
#   bash bench/forum/run.sh                 # ~15 min on an idle 2-core box (+80 s populate once)
#   REPEATS=1 SKIP_PROFILE=1 bash bench/forum/run.sh
#
# Works from any checkout: paths follow this script's location, and the code under test
# is the one installed (editable) in VENV.
# Env: VENV (default /work/venv), INSTANCE (default /tmp/cop-forum-bench), REPEATS (2),
# MEASURE_ARGS (default "--max-wait 60 --attempts 2"), FORCE_POPULATE=1, SKIP_HELLO=1,
# SKIP_PROFILE=1.
# Writes bench/forum/results/{populate,vars,cop-rN,cop-nocache-rN,cop-member-rN,
# hello-py311-rN,queries,profile}.json,
# raw wrk output in results/raw/, and results/summary.md.
# Only 127.0.0.1 is targeted; every wrk run is bounded (-d plus an outer timeout);
# servers are stopped by the PID measure.py started.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHECKOUT="$(cd "$HERE/../.." && pwd)"
ANCHOR="${ANCHOR:-/work/shared/bench/flaskbb}"
INSTANCE="${INSTANCE:-/tmp/cop-forum-bench}"
VENV="${VENV:-/work/venv}"
PY="$VENV/bin/python"
REPEATS="${REPEATS:-2}"
MEASURE_ARGS="${MEASURE_ARGS:---max-wait 60 --attempts 2}"
RES="$HERE/results"
mkdir -p "$RES/raw"

installed="$("$PY" -c 'import cop, os; print(os.path.dirname(os.path.dirname(cop.__file__)))')"
[ "$installed" = "$CHECKOUT" ] || { echo "$VENV runs cop from $installed, not $CHECKOUT"; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get update && apt-get install -y wrk"; exit 1; }
[ -x "$VENV/bin/gunicorn" ] || "$VENV/bin/pip" install -q gunicorn==27.0.1

# hello reference venv, same as the anchor's setup.sh (CPython 3.11.7, same pins)
HELLO_VENV=/tmp/hello311-venv
if [ -z "${SKIP_HELLO:-}" ] && [ ! -x "$HELLO_VENV/bin/gunicorn" ]; then
  /root/.pyenv/versions/3.11.7/bin/python -m venv "$HELLO_VENV"
  pins=$(grep -iE '^(flask|werkzeug|gunicorn|jinja2|itsdangerous|markupsafe|click|blinker)==' \
         "$ANCHOR/pip-freeze.txt" | tr '\n' ' ')
  "$HELLO_VENV/bin/pip" install -q --disable-pip-version-check $pins
fi

if [ -n "${FORCE_POPULATE:-}" ] || [ ! -f "$INSTANCE/populate.json" ]; then
  ( time "$PY" "$HERE/populate.py" "$INSTANCE" --force ) 2>&1 | grep -v '^INFO' \
    | tee "$RES/raw/populate.log"
fi
cp "$INSTANCE/populate.json" "$RES/populate.json"
# the plans' placeholders: the populated ids plus where the venv and this folder are
"$PY" - "$RES/populate.json" "$RES/vars.json" "$VENV" "$HERE" <<'PYEOF'
import json, sys
v = json.load(open(sys.argv[1]))
v.update(venv=sys.argv[3], bench_dir=sys.argv[4])
json.dump(v, open(sys.argv[2], "w"), indent=2, ensure_ascii=False)
PYEOF
# bring the schema up to the code's newest migration (cop init = alembic upgrade), as a
# deployment would; new columns come with their defaults, the data stays as populated
upgrade_db() { COP_INSTANCE_PATH="$INSTANCE" "$VENV/bin/cop" init 2>&1 | grep -v '^INFO' || true; }
upgrade_db

# The code under test is whatever this checkout holds (editable install in VENV),
# committed or not: log HEAD plus a hash of the uncommitted diff around every pass.
code_state() {
  (cd "$CHECKOUT" && echo "$1 $(date -u +%FT%TZ) HEAD=$(git rev-parse --short HEAD)" \
    "worktree_diff_sha1=$(git --no-optional-locks diff HEAD -- cop templates migrations | sha1sum | cut -c1-12)")
}
for r in $(seq 1 "$REPEATS"); do
  code_state "before-r$r" >> "$RES/code_state.log"
  upgrade_db
  if [ -z "${SKIP_HELLO:-}" ]; then
    python3 "$ANCHOR/measure.py" "$ANCHOR/plan_hello311.json" --out "$RES" --tag "r$r" $MEASURE_ARGS
  fi
  # guests, as the anchor measured FlaskBB (pages come from the guest page cache)
  python3 "$ANCHOR/measure.py" "$HERE/plan_cop.json" --vars "$RES/vars.json" \
    --out "$RES" --tag "r$r" $MEASURE_ARGS
  # guests with the cache off: every request renders
  python3 "$ANCHOR/measure.py" "$HERE/plan_cop_nocache.json" --vars "$RES/vars.json" \
    --out "$RES" --tag "r$r" $MEASURE_ARGS
  # a signed-in member (session cookie): never cached
  python3 "$HERE/measure_member.py" "$HERE/plan_cop.json" --vars "$RES/vars.json" \
    --only discussion_hot,forum_hot --out "$RES" --tag "r$r" $MEASURE_ARGS
  code_state "after-r$r" >> "$RES/code_state.log"
done

COP_INSTANCE_PATH="$INSTANCE" "$PY" "$HERE/count_queries.py" --vars "$RES/populate.json" \
  --out "$RES/queries.json"
if [ -z "${SKIP_PROFILE:-}" ]; then
  COP_INSTANCE_PATH="$INSTANCE" "$PY" "$HERE/profile_pages.py" --vars "$RES/populate.json" \
    --n 50 --out "$RES/profile.json"
fi
python3 "$ANCHOR/summarize.py" "$RES" > "$RES/summary.md"
cat "$RES/summary.md"
