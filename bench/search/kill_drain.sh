#!/bin/bash
# The index survives its indexer being killed: changes 5,000 posts behind the app's back
# with their outbox rows (as committed writes leave them), then kills `cop search check`
# (which drains the outbox in batches of 500 before comparing) with SIGKILL five times
# while it drains, at 0.1 to 0.9 s after a batch was committed, and finally lets it run:
# exit 0 and an empty outbox = no drift. Works on a copy of a bench instance (SQLite).
#   bash bench/search/kill_drain.sh /tmp/cop-search-bench /tmp/kill-copy [$VENV/bin/cop]
set -u
SOURCE=$1 COPY=$2 COP_BIN=${3:-cop}
rm -rf "$COPY" && cp -a "$SOURCE" "$COPY"
export COP_INSTANCE_PATH=$COPY COP_SECRET_KEY=kill-drain
DB=$COPY/cop.sqlite
sqlite3 "$DB" "UPDATE post SET body = body || ' змінено' WHERE id % 20 = 0;
INSERT INTO search_outbox (field, value, created_at)
SELECT 'post', CAST(id AS TEXT), CURRENT_TIMESTAMP FROM post WHERE id % 20 = 0;"
pending() { sqlite3 "$DB" "select count(*) from search_outbox"; }
echo "$(date -u +%T) pending before: $(pending)"
for round in 1 2 3 4 5; do
  nice -n 19 "$COP_BIN" search check > "$COPY/check-$round.out" 2>&1 &
  pid=$!
  start=$(pending)
  while [ "$(pending)" = "$start" ] && kill -0 $pid 2>/dev/null; do sleep 0.2; done
  sleep "0.$((round * 2 - 1))"
  kill -9 $pid; wait $pid 2>/dev/null
  echo "$(date -u +%T) round $round: SIGKILL mid-drain; pending $(pending) (was $start)"
done
nice -n 19 "$COP_BIN" search check; rc=$?
echo "$(date -u +%T) restarted: cop search check exit $rc; pending $(pending)"
exit $rc
