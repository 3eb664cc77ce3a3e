#!/usr/bin/env bash
# A Spark standalone cluster on 127.0.0.1: one master and two one-core workers, started from the
# pip-installed pyspark (which ships spark-class but no sbin/start-*.sh scripts).
#
#   scripts/cluster.sh up       start it (or report the one already running), print the master URL
#   scripts/cluster.sh down     stop exactly the processes `up` started, wait until they exited
#   scripts/cluster.sh status   print the master URL and the workers' states
#   scripts/cluster.sh url      print the master URL of the running cluster
#
# Environment:
#   CLUSTER_DIR       run folder: pid files, logs, ports, worker work dirs (default data/cluster)
#   CLUSTER_WORKERS   number of workers (default 2)
#   WORKER_CORES      cores per worker (default 1)
#   WORKER_MEMORY     memory per worker (default 2g)
#   CLUSTER_TIMEOUT   seconds to wait for the workers to register (default 60)
#   STOP_TIMEOUT      seconds to wait for a process to exit after TERM, before KILL (default 30)
#   SPARK_CLASS       spark-class to use (default .venv/bin/spark-class)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Absolute: the workers' --work-dir below tells this folder's daemons from any other's.
CLUSTER_DIR="$(realpath -m "${CLUSTER_DIR:-$ROOT/data/cluster}")"
CLUSTER_WORKERS="${CLUSTER_WORKERS:-2}"
WORKER_CORES="${WORKER_CORES:-1}"
WORKER_MEMORY="${WORKER_MEMORY:-2g}"
CLUSTER_TIMEOUT="${CLUSTER_TIMEOUT:-60}"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"
SPARK_CLASS="${SPARK_CLASS:-$ROOT/.venv/bin/spark-class}"
PY="${CLUSTER_PYTHON:-$ROOT/.venv/bin/python}"
HOST=127.0.0.1
MASTER_CLASS=org.apache.spark.deploy.master.Master
WORKER_CLASS=org.apache.spark.deploy.worker.Worker
export SPARK_LOCAL_IP="$HOST"

spark_home() {
  # spark-class would otherwise guess SPARK_HOME with whatever `python3` is first on the PATH.
  "$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null ||
    die "$PY cannot import pyspark: run 'make venv' first (or set CLUSTER_PYTHON)"
}

die() {
  echo "cluster: error: $*" >&2
  exit 1
}

# A live process: exists and is not a zombie waiting to be reaped.
live() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# A process started by this script for this run folder: alive, running the expected Spark class
# with this folder's own arguments (a worker's --work-dir, the master's --port). Guards against
# a recycled pid after a reboot or a crash, also when it went to another folder's daemon.
ours() {
  local pid="$1" class="$2" name="$3" cmdline
  [ -n "$pid" ] && live "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  grep -qF -- "$class" <<<"$cmdline" && grep -qF -- "$(own_argument "$name") " <<<"$cmdline"
}

own_argument() {
  case "$1" in
    master) echo "--port $(cat "$CLUSTER_DIR/master.port" 2>/dev/null)" ;;
    *) echo "--work-dir $CLUSTER_DIR/$1/work" ;;
  esac
}

# N distinct free ports. They are bound together before any is released: ports taken one at a
# time could repeat (once a worker took the master web UI's port, and Spark moved the UI).
free_ports() {
  "$PY" -c '
import socket, sys
sockets = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))
' "$1"
}

# Every process of this run folder, as "name class" lines (workers first: they stop first).
members() {
  local i
  for ((i = 1; i <= CLUSTER_WORKERS; i++)); do echo "worker$i $WORKER_CLASS"; done
  echo "master $MASTER_CLASS"
}

pid_of() {
  cat "$CLUSTER_DIR/$1.pid" 2>/dev/null || true
}

master_json() {
  curl --silent --fail --max-time 5 "http://$HOST:$(cat "$CLUSTER_DIR/master.webui-port")/json/"
}

alive_workers() {
  master_json 2>/dev/null | "$PY" -c '
import json, sys
status = json.load(sys.stdin)
print(sum(1 for w in status.get("workers", []) if w.get("state") == "ALIVE"))
' 2>/dev/null || echo 0
}

master_url() {
  echo "spark://$HOST:$(cat "$CLUSTER_DIR/master.port")"
}

running() {
  local name class
  while read -r name class; do
    ours "$(pid_of "$name")" "$class" "$name" || return 1
  done < <(members)
}

start() {
  local name="$1"
  shift
  # setsid: the daemons get their own session, so a Ctrl-C in the calling shell does not reach
  # them; spark-class execs java, so the recorded pid is the JVM's.
  setsid "$SPARK_CLASS" "$@" >"$CLUSTER_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$CLUSTER_DIR/$name.pid"
}

fail_start() {
  local message="$1" name
  echo "cluster: error: $message" >&2
  for name in master $(seq -f 'worker%g' 1 "$CLUSTER_WORKERS"); do
    if [ -f "$CLUSTER_DIR/$name.log" ]; then
      echo "--- last lines of $CLUSTER_DIR/$name.log" >&2
      tail -n 15 "$CLUSTER_DIR/$name.log" >&2
    fi
  done
  down >&2
  exit 1
}

up() {
  [ -x "$SPARK_CLASS" ] || die "$SPARK_CLASS not found: run 'make venv' first (or set SPARK_CLASS)"
  command -v curl >/dev/null || die "curl not found: it reads the master's JSON status"
  SPARK_HOME="${SPARK_HOME:-$(spark_home)}"
  export SPARK_HOME
  mkdir -p "$CLUSTER_DIR"
  if running; then
    echo "cluster: already running ($(alive_workers) workers alive), logs in $CLUSTER_DIR" >&2
    master_url
    return 0
  fi
  local name class
  while read -r name class; do
    if [ -n "$(pid_of "$name")" ] && ours "$(pid_of "$name")" "$class" "$name"; then
      die "$name (pid $(pid_of "$name")) is running but the cluster is incomplete: run '$0 down' first"
    fi
  done < <(members)

  local ports port webui i deadline
  read -r -a ports <<<"$(free_ports $((2 + 2 * CLUSTER_WORKERS)))"
  port="${ports[0]}"
  webui="${ports[1]}"
  echo "$port" >"$CLUSTER_DIR/master.port"
  echo "$webui" >"$CLUSTER_DIR/master.webui-port"
  start master "$MASTER_CLASS" --host "$HOST" --port "$port" --webui-port "$webui"
  for ((i = 1; i <= CLUSTER_WORKERS; i++)); do
    mkdir -p "$CLUSTER_DIR/worker$i/work"
    start "worker$i" "$WORKER_CLASS" --host "$HOST" --port "${ports[2 * i]}" \
      --webui-port "${ports[2 * i + 1]}" --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" \
      --work-dir "$CLUSTER_DIR/worker$i/work" "spark://$HOST:$port"
  done

  deadline=$((SECONDS + CLUSTER_TIMEOUT))
  until [ "$(alive_workers)" -ge "$CLUSTER_WORKERS" ]; do
    # Only "dead" counts here: until the backgrounded shell has exec'd spark-class, the pid's
    # command line is still this script's, so the class check of ours() would misfire.
    while read -r name _; do
      live "$(pid_of "$name")" || fail_start "$name exited while starting"
    done < <(members)
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail_start "$(alive_workers) of $CLUSTER_WORKERS workers alive after ${CLUSTER_TIMEOUT}s"
    fi
    sleep 0.5
  done
  echo "cluster: master web UI http://$HOST:$webui, $CLUSTER_WORKERS workers alive," \
    "logs and pids in $CLUSTER_DIR" >&2
  master_url
}

stop_one() {
  local name="$1" class="$2" pid deadline
  pid="$(pid_of "$name")"
  if ours "$pid" "$class" "$name"; then
    kill -TERM "$pid"
    deadline=$((SECONDS + STOP_TIMEOUT))
    while live "$pid"; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        echo "cluster: $name (pid $pid) ignored TERM for ${STOP_TIMEOUT}s, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
      sleep 0.2
    done
    echo "cluster: stopped $name (pid $pid)" >&2
  elif [ -n "$pid" ]; then
    echo "cluster: $name (pid $pid) was not running" >&2
  fi
  rm -f "$CLUSTER_DIR/$name.pid"
}

down() {
  if ! ls "$CLUSTER_DIR"/*.pid >/dev/null 2>&1; then
    echo "cluster: not running (no pid files in $CLUSTER_DIR)" >&2
    return 0
  fi
  local name class
  while read -r name class; do
    stop_one "$name" "$class"
  done < <(members)
}

status() {
  running || die "not running (see $CLUSTER_DIR); start it with 'make cluster-up'"
  echo "master $(master_url), web UI http://$HOST:$(cat "$CLUSTER_DIR/master.webui-port")"
  master_json | "$PY" -c '
import json, sys
for w in json.load(sys.stdin)["workers"]:
    print("worker", w["id"], w["state"], "cores used", w["coresused"], "of", w["cores"])
'
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  url)
    running || die "not running (see $CLUSTER_DIR); start it with 'make cluster-up'"
    master_url
    ;;
  *)
    echo "usage: $0 up|down|status|url" >&2
    exit 2
    ;;
esac
