#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL server, to try DATABASE_REPLICA_URL and for
# tests/test_replica.py. Run it as root (PostgreSQL's tools run as the postgres user).
#
#   eval "$(bench/replica.sh start)"     # prints REPLICA_DIR=/tmp/hub-replica.… REPLICA_PORT=5433
#   DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/hub …
#   bench/replica.sh stop "$REPLICA_DIR"
#
# start: lets 127.0.0.1 make replication connections to the primary (adds one pg_hba.conf line
# if missing, then reloads), copies the whole server with pg_basebackup into a new directory
# under /tmp and starts the copy as a hot standby streaming from the primary, on the first free
# port from 5433 (REPLICA_PORT=… to choose). Each start makes its own directory, port and
# replication slot (so the primary keeps the WAL the replica still needs), so several may run
# at once (concurrent starts take turns). stop: stops that replica, drops its slot and removes its directory. A start also
# drops the slots of replicas whose directory is gone (a run killed before its stop).
# PRIMARY_PORT (5432), PG_VERSION (the newest in /etc/postgresql) and PG_CLUSTER (main) say
# which server to copy.
set -euo pipefail

PG_VERSION=${PG_VERSION:-$(ls /etc/postgresql | sort -V | tail -n 1)}
PG_CLUSTER=${PG_CLUSTER:-main}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
BIN=/usr/lib/postgresql/$PG_VERSION/bin
HBA=/etc/postgresql/$PG_VERSION/$PG_CLUSTER/pg_hba.conf
REPLICATION_RULE="host replication all 127.0.0.1/32 trust"
# Serialises the pg_hba.conf edit and the choice of a port between concurrent starts.
LOCK=/tmp/hub-replica.lock
MARKER=made-by-bench-replica-sh # in every directory this script may remove
UNFINISHED=                      # a directory start made but has not finished

die() { echo "replica.sh: $*" >&2; exit 1; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

primary_sql() {
  psql -X -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atqc "$1"
}

allow_replication() {
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$HBA"; then
    [ -z "$(tail -c 1 "$HBA")" ] || echo >>"$HBA"
    echo "$REPLICATION_RULE" >>"$HBA"
    primary_sql "SELECT pg_reload_conf()" >/dev/null
  fi
  # The reload is asynchronous: wait until a replication connection is let in.
  for _ in $(seq 50); do
    if psql -X "host=127.0.0.1 port=$PRIMARY_PORT user=postgres dbname=postgres replication=true" \
      -Atqc IDENTIFY_SYSTEM >/dev/null 2>&1; then
      return
    fi
    sleep 0.1
  done
  die "the primary on port $PRIMARY_PORT refuses replication connections (see $HBA)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Slots of this script are named after their directory, which also records the name.
slot_name() { echo "hub_replica_$(basename "$1" | md5sum | cut -c 1-16)"; }

drop_slot() {
  for _ in $(seq 50); do # a slot stays active for a moment after its replica stops
    primary_sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                 WHERE slot_name = '$1' AND NOT active" >/dev/null
    [ -z "$(primary_sql "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$1'")" ] && return
    sleep 0.1
  done
  echo "replica.sh: could not drop replication slot $1 on the primary" >&2
}

drop_orphaned_slots() {
  local slot
  for slot in $(primary_sql "SELECT slot_name FROM pg_replication_slots
                             WHERE slot_name LIKE 'hub\_replica\_%' AND NOT active"); do
    if ! grep -qsx "$slot" /tmp/hub-replica.*/slot; then
      drop_slot "$slot"
    fi
  done
}

free_port() {
  for port in $(seq 5433 5532); do
    port_in_use "$port" || { echo "$port"; return; }
  done
  die "no free port from 5433 to 5532"
}

write_config() {
  local data=$1
  # A standby needs at least the primary's values of these (Debian keeps the primary's
  # postgresql.conf in /etc, so the copy has none of its own).
  {
    echo "# Read replica made by bench/replica.sh"
    for name in max_connections max_worker_processes max_wal_senders \
      max_prepared_transactions max_locks_per_transaction; do
      echo "$name = $(primary_sql "SHOW $name")"
    done
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$(dirname "$data")'"
    echo "hot_standby = on"
    echo "shared_buffers = 32MB"
    echo "autovacuum = off"
  } >"$data/postgresql.conf"
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$data/pg_hba.conf"
  : >"$data/pg_ident.conf"
  chown postgres: "$data/postgresql.conf" "$data/pg_hba.conf" "$data/pg_ident.conf"
}

copy_primary() {
  local dir=$1 slot=$2
  # -R writes standby.signal, primary_conninfo and primary_slot_name; -C -S creates the slot;
  # -c fast does not wait for the next checkpoint. A checkpoint on the busy primary can still
  # invalidate a slot being created (its WAL removed under it): then try again.
  for attempt in 1 2 3; do
    if as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
      -D "$dir/data" -R -X stream -C -S "$slot" -c fast; then
      return
    fi
    echo "replica.sh: pg_basebackup failed (attempt $attempt of 3)" >&2
    drop_slot "$slot"
    rm -rf -- "$dir/data"
    sleep 1
  done
  die "pg_basebackup failed three times"
}

start() {
  [ -x "$BIN/pg_basebackup" ] || die "no $BIN/pg_basebackup (set PG_VERSION)"
  local dir port slot
  dir=$(mktemp -d /tmp/hub-replica.XXXXXX)
  touch "$dir/$MARKER"
  # Whatever fails from here on, leave nothing behind (the trap runs after start returns).
  UNFINISHED=$dir
  trap '[ -z "$UNFINISHED" ] || stop "$UNFINISHED" >/dev/null 2>&1 || true' EXIT
  slot=$(slot_name "$dir")
  echo "$slot" >"$dir/slot"
  chown postgres: "$dir"
  chmod 700 "$dir"
  # One start at a time: concurrent copies make checkpoints that break each other's slots,
  # and the lock is held until the replica listens, so the next start picks another port.
  exec 9>"$LOCK"
  flock 9
  allow_replication
  drop_orphaned_slots
  copy_primary "$dir" "$slot"
  write_config "$dir/data"
  port=${REPLICA_PORT:-$(free_port)}
  as_postgres "$BIN/pg_ctl" -D "$dir/data" -l "$dir/replica.log" -w -t 60 \
    -o "-p $port" start >/dev/null || {
    cat "$dir/replica.log" >&2
    false
  }
  UNFINISHED=
  flock -u 9
  echo "REPLICA_DIR=$dir"
  echo "REPLICA_PORT=$port"
}

stop() {
  local dir=${1:-}
  [ -n "$dir" ] && [ -f "$dir/$MARKER" ] || die "usage: replica.sh stop DIR (a directory printed by start)"
  if [ -f "$dir/data/postmaster.pid" ]; then
    # Immediate: the copy is thrown away, so it need not write a restart point first.
    as_postgres "$BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null
  fi
  [ ! -f "$dir/slot" ] || drop_slot "$(cat "$dir/slot")"
  rm -rf -- "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) die "usage: replica.sh start | replica.sh stop DIR" ;;
esac
