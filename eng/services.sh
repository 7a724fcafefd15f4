#!/usr/bin/env bash
# usage: eng/services.sh CMD...
# Installs what is missing (PostgreSQL, Ceph radosgw, Chromium, aiosmtpd) from the Debian packages, starts a throwaway
# PostgreSQL on 127.0.0.1:55432 and a single-node Ceph cluster with radosgw (S3) on 127.0.0.1:7480, exports their
# settings, runs CMD, and removes everything on exit. Exported for the tests:
#   BATCHKIT_PG                         Npgsql connection string (database "postgres", trust auth)
#   BATCHKIT_PG_DATA, BATCHKIT_PG_BIN   the data folder and binaries (tests that restart the server use pg_ctl)
#   BATCHKIT_S3_ENDPOINT, BATCHKIT_S3_ACCESS_KEY, BATCHKIT_S3_SECRET_KEY
#   BATCHKIT_CHROMIUM                   the browser's executable
#   BATCHKIT_SERVICES=1                 tests that need a server fail (never skip) when this is set and it is missing
# Ports can be moved with BATCHKIT_PG_PORT and BATCHKIT_S3_PORT (and BATCHKIT_CEPH_MON_PORT).
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 CMD..." >&2; exit 2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v radosgw >/dev/null || need+=(ceph-mon ceph-osd radosgw ceph-common)
command -v chromium >/dev/null || need+=(chromium)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
command -v curl >/dev/null || need+=(curl)
command -v tmux >/dev/null || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
  echo "services: installing ${need[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PG_PORT="${BATCHKIT_PG_PORT:-55432}"; S3_PORT="${BATCHKIT_S3_PORT:-7480}"; MON_PORT="${BATCHKIT_CEPH_MON_PORT:-46789}"
T="$(mktemp -d "${TMPDIR:-/tmp}/batchkit-svc.XXXXXX")"; chmod 755 "$T"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"; PG="$T/pg"
# initdb and pg_ctl refuse to run as root: run them as the package's postgres user then, from a folder it can enter
# (the checkout may be in a folder only root can read).
if [ "$(id -u)" -eq 0 ]; then pg() { (cd "$T" && runuser -u postgres -- "$@"); }; else pg() { "$@"; }; fi
trap 'echo "services: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

cleanup() {
  set +e
  [ -f "$PG/data/postmaster.pid" ] && pg "$PGBIN/pg_ctl" -D "$PG/data" -m immediate -w stop >/dev/null 2>&1
  local p=(); for f in "$T"/ceph/run/*.pid; do [ -f "$f" ] && p+=("$(cat "$f")"); done
  if [ ${#p[@]} -gt 0 ]; then
    kill -9 "${p[@]}" 2>/dev/null
    for x in "${p[@]}"; do while grep -qs '^State:[[:space:]]*[^Z]' "/proc/$x/status"; do sleep 0.05; done; done
  fi
  rm -rf "$T"
}
trap cleanup EXIT

# --- PostgreSQL: no fsync (a throwaway server); the socket lives in the temp folder ---
mkdir -p "$PG"; [ "$(id -u)" -eq 0 ] && chown postgres: "$PG"; chmod 700 "$PG"
pg "$PGBIN/initdb" -D "$PG/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions >/dev/null
pg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/log" -w -t 30 start \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
export BATCHKIT_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
export BATCHKIT_PG_DATA="$PG/data" BATCHKIT_PG_BIN="$PGBIN"
if [ "$(id -u)" -eq 0 ]; then export BATCHKIT_PG_RUNAS=postgres; fi

# --- Ceph: one monitor, one in-memory OSD and radosgw; no auth, messenger v1 only ---
D="$T/ceph"; mkdir -p "$D"/{mon,osd0,run,log}; FSID="$(cat /proc/sys/kernel/random/uuid)"
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon_host = v1:127.0.0.1:$MON_PORT
public_addr = 127.0.0.1
ms_bind_msgr2 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
run_dir = $D/run
pid_file = $D/run/\$name.pid
admin_socket = $D/run/\$name.asok
log_file = $D/log/\$name.log
[mon]
mon_data = $D/mon
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
[osd]
osd_data = $D/osd0
osd_objectstore = memstore
memstore_device_bytes = 2147483648
osd_class_update_on_start = false
osd_crush_update_on_start = false
[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$S3_PORT
CONF
C=(-c "$D/ceph.conf")
ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v1:127.0.0.1:$MON_PORT]" "$D/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
ceph-mon "${C[@]}" -i a
# A monitor command can time out on a loaded machine while the monitor settles; try it three times.
mon_cmd() { local i; for i in 1 2 3; do timeout 60 ceph "${C[@]}" "$@" && return 0; echo "services: ceph $* failed (try $i of 3)" >&2; sleep 2; done; return 1; }
OSD="$(mon_cmd osd create)"
mon_cmd osd crush add "osd.$OSD" 1 root=default >/dev/null 2>&1
ceph-osd "${C[@]}" -i "$OSD" --mkfs >/dev/null 2>&1
ceph-osd "${C[@]}" -i "$OSD" 2>/dev/null
radosgw "${C[@]}" -n client.rgw.a
for _ in $(seq 120); do curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/" 2>/dev/null && break; sleep 0.5; done
radosgw-admin "${C[@]}" user create --uid=batchkit --display-name=batchkit --access-key=batchkit --secret-key=batchkit-secret >/dev/null
s3() { curl -fsS --aws-sigv4 aws:amz:us-east-1:s3 --user batchkit:batchkit-secret -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"; }
# Creates radosgw's pools now (about 4 s otherwise, inside the first test that touches S3).
s3 -X PUT "http://127.0.0.1:$S3_PORT/warmup"; s3 -X PUT --data-binary x "http://127.0.0.1:$S3_PORT/warmup/o"
s3 -X DELETE "http://127.0.0.1:$S3_PORT/warmup/o"; s3 -X DELETE "http://127.0.0.1:$S3_PORT/warmup"
export BATCHKIT_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" BATCHKIT_S3_ACCESS_KEY=batchkit BATCHKIT_S3_SECRET_KEY=batchkit-secret
# radosgw's process, for tests that kill and restart it.
export BATCHKIT_CEPH_CONF="$D/ceph.conf"
export BATCHKIT_CHROMIUM="$(command -v chromium)"
export BATCHKIT_SMTP_PYTHON=/usr/bin/python3   # python3 -m aiosmtpd -n -l 127.0.0.1:PORT
export BATCHKIT_SERVICES=1

set +e
"$@"
status=$?
exit $status
