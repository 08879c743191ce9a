#!/usr/bin/env bash
# Throwaway single-node Ceph RGW (mon + 1 OSD + radosgw) on 127.0.0.1, no systemd, no mgr.
# Adapted from the project's S3 recipe (tested on Debian 12, Ceph 16.2).
#   ceph-s3.sh run   DIR [S3_PORT] [bluestore|memstore]  # foreground; SIGTERM/SIGINT, or EOF
#                                                         # on a piped stdin, = stop + rm -rf DIR
#   ceph-s3.sh start DIR [S3_PORT] [bluestore|memstore]  # background; returns when S3 answers
#   ceph-s3.sh stop  DIR
#   ceph-s3.sh gateway-stop  DIR   # stops only radosgw; mon, osd and all data stay
#   ceph-s3.sh gateway-start DIR   # starts radosgw again on the same port; returns when S3 answers
# Needs: .ci/install-s3.sh (apt-get install ceph-mon ceph-osd radosgw curl).
# Uses ports S3_PORT (HTTP), S3_PORT+1 / +2 (mon v1/v2) and 6800-7300 (OSD, ceph default range).
set -euo pipefail
cmd=$1; D=$(realpath -m "$2"); S3_PORT=${3:-7480}; STORE=${4:-bluestore}
KEY=${S3_ACCESS_KEY:-testkey}; SECRET=${S3_SECRET_KEY:-testsecret}
C="$D/ceph.conf"

# Waits until PID has exited (a zombie, state Z, counts as gone), at most 5 s.
wait_gone() {
  for _ in $(seq 1 50); do
    grep -qs '^[0-9]* (.*) [^Z] ' "/proc/$1/stat" || return 0; sleep 0.1
  done
  return 1
}
stop() {  # rgw, then osd, then mon (an OSD whose mon is gone waits 5 s on SIGTERM)
  if [ -f "$D/pids" ]; then
    for p in $(tac "$D/pids"); do
      kill "$p" 2>/dev/null || continue
      wait_gone "$p" || kill -9 "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
  fi
  rm -rf "$D"
}
# Polls the gateway until it lists buckets; fails if PID dies or 60 s pass.
wait_s3() {
  for _ in $(seq 1 600); do
    kill -0 "$1" 2>/dev/null || return 1
    curl -s "http://127.0.0.1:$S3_PORT/" 2>/dev/null | grep -q ListAllMyBucketsResult && return 0
    sleep 0.1
  done
  return 1
}
start_gateway() {  # the gateway's pid goes to rgw.pid and, for stop(), to the end of pids
  radosgw -c "$C" -n client.rgw.a -f >>"$D/log/rgw.out" 2>&1 </dev/null & RGW=$!
  echo $RGW >>"$D/pids"; echo $RGW >"$D/rgw.pid"
}

case "$cmd" in
  stop) stop; exit 0 ;;
  gateway-stop)
    [ -f "$D/rgw.pid" ] || { echo "no gateway running in $D" >&2; exit 1; }
    p=$(cat "$D/rgw.pid")
    kill "$p" 2>/dev/null || true
    wait_gone "$p" || kill -9 "$p" 2>/dev/null || true
    # forget the pid, so a later stop() cannot kill an unrelated process that reuses it
    grep -vx "$p" "$D/pids" >"$D/pids.new" || true; mv "$D/pids.new" "$D/pids"; rm -f "$D/rgw.pid"
    echo "S3 gateway stopped"; exit 0 ;;
  gateway-start)
    [ -f "$D/rgw.pid" ] && { echo "gateway already running in $D" >&2; exit 1; }
    S3_PORT=$(cat "$D/port")
    # the gateway outlives this short-lived command (its output goes to the log, not to our
    # caller's pipes); stop() of the run/start process still finds it in pids
    start_gateway
    wait_s3 "$RGW" || { tail -n 5 "$D/log/rgw.out" >&2; echo "radosgw did not come back" >&2; exit 1; }
    echo "S3 ready http://127.0.0.1:$S3_PORT key=$KEY secret=$SECRET"; exit 0 ;;
  run|start) ;;
  *) echo "usage: ceph-s3.sh run|start|stop|gateway-stop|gateway-start DIR [S3_PORT] [bluestore|memstore]" >&2; exit 2 ;;
esac

[ -e "$D" ] && { echo "$D exists" >&2; exit 1; }
mkdir -p "$D"/{mon,osd,run,log}
echo "$S3_PORT" >"$D/port"
trap 'rc=$?; [ $rc -eq 0 ] || stop' EXIT   # failed start: leave nothing behind
[ "$cmd" = run ] && trap 'stop; exit 0' TERM INT
FSID=$(cat /proc/sys/kernel/random/uuid)
MONADDR="[v2:127.0.0.1:$((S3_PORT + 2)),v1:127.0.0.1:$((S3_PORT + 1))]"
cat > "$C" <<CONF
[global]
fsid = $FSID
mon host = $MONADDR
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
keyring = /dev/null
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
paxos propose interval = 0.05
paxos min wait = 0.01
[mon]
mon data = $D/mon/\$id
mon cluster log file = $D/log/cluster.log
[osd]
osd data = $D/osd/\$id
osd objectstore = $STORE
osd memory target = 939524096
bluestore block path = $D/osd/\$id.block
bluestore block create = true
bluestore block size = 21474836480
bluestore fsck on mkfs = false
bluestore fsck on mount = false
memstore device bytes = 4294967296
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$S3_PORT
rgw data = $D/run
# radosgw defaults to cephx + 'secure' mon mode; 'none' auth only speaks crc:
ms mon client mode = crc secure
CONF
monmaptool --create --fsid "$FSID" --addv a "$MONADDR" "$D/monmap" >/dev/null
ceph-mon -c "$C" --mkfs -i a --monmap "$D/monmap" >>"$D/log/setup.log" 2>&1
ceph-mon -c "$C" -i a -f >>"$D/log/mon.out" 2>&1 & echo $! >>"$D/pids"
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
ID=$(ceph -c "$C" --connect-timeout 60 osd new "$OSD_UUID" 2>>"$D/log/setup.log")
mkdir -p "$D/osd/$ID"
ceph-osd -c "$C" -i "$ID" --mkfs --osd-uuid "$OSD_UUID" >>"$D/log/setup.log" 2>&1
ceph-osd -c "$C" -i "$ID" -f >>"$D/log/osd.out" 2>&1 & echo $! >>"$D/pids"
start_gateway
timeout 120 radosgw-admin -c "$C" user create --uid=test --display-name=test \
  --access-key="$KEY" --secret="$SECRET" >>"$D/log/setup.log" 2>&1
wait_s3 "$RGW" || { tail -n 5 "$D"/log/*.log "$D"/log/*.out >&2; echo "radosgw did not come up" >&2; exit 1; }
echo "S3 ready http://127.0.0.1:$S3_PORT key=$KEY secret=$SECRET"
if [ "$cmd" = run ]; then
  if [ -p /dev/stdin ] || [ -S /dev/stdin ]; then  # stdin is a pipe: EOF (parent gone) = stop
    while read -r _; do :; done; stop; exit 0
  fi
  while :; do wait || true; sleep 1; done
fi
