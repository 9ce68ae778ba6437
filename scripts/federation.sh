#!/usr/bin/env bash
# `make federation`: a Flower federation with this page's tabs as its clients, on one machine.
# Starts a SuperLink (loopback, port 9095: Trunk.toml's [[proxy]] points there), the page with
# `trunk serve` (which passes /v1/fleet/ on to the SuperLink), and the repository's ServerApp
# (flower/: Flower's FedAvg; APP=flower/secagg: FedAvg in Flower's legacy API under SecAgg+) for
# ROUNDS rounds once NODES tabs have connected. Ctrl-C stops all.
#
#   NODES=3 ROUNDS=10 make federation
#   DATA=digits make federation      # the real digits: a 64 -> 16 -> 10 model, tabs with fl_data=digits
#   APP=flower/secagg NODES=3 make federation   # secure aggregation (SecAgg+, 3 shares, threshold 2)
#   HOST=0.0.0.0 make federation     # a class: students open the page from this machine (see README)
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${NODES:-2}
ROUNDS=${ROUNDS:-10}
DATA=${DATA:-circle}
APP=${APP:-flower}
case "$APP" in
  flower) APP_NAME="Flower's FedAvg" ;;
  flower/secagg) APP_NAME="FedAvg under SecAgg+ (Flower's legacy API)" ;;
  *) echo "APP=$APP: flower or flower/secagg" >&2; exit 2 ;;
esac
if [ "$APP" = flower/secagg ] && [ "$NODES" -lt 3 ]; then
  echo "APP=flower/secagg needs NODES=3 or more (3 shares, threshold 2)" >&2
  exit 2
fi
case "$DATA" in
  circle) HIDDEN=8; TAB_DATA="" ;;
  digits) HIDDEN=16; TAB_DATA="&fl_data=digits" ;;
  *) echo "DATA=$DATA: circle or digits" >&2; exit 2 ;;
esac
HOST=${HOST:-127.0.0.1}
SUPERLINK_PORT=9095
VENV_BIN=$PWD/.venv-flower/bin
export FLWR_HOME=$PWD/target/flwr-home
mkdir -p "$FLWR_HOME"
printf '[superlink.local]\naddress = "127.0.0.1:%s"\ninsecure = true\n' "$SUPERLINK_PORT" > "$FLWR_HOME/config.toml"
export PATH=$VENV_BIN:$PATH

pids=()
# The SuperLink and trunk lead process groups of their own (setsid): each goes with its children.
cleanup() { for pid in "${pids[@]}"; do kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

for port in "$SUPERLINK_PORT" 8080; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is taken (a SuperLink or a page server from an earlier run?): stop it first." >&2
    exit 1
  fi
done
echo "SuperLink on 127.0.0.1:$SUPERLINK_PORT (log: $FLWR_HOME/superlink.log)"
setsid flower-superlink --insecure --host 127.0.0.1 --port "$SUPERLINK_PORT" \
  --disable-runtime-dependency-installation > "$FLWR_HOME/superlink.log" 2>&1 &
pids+=($!)
up=
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$SUPERLINK_PORT") 2>/dev/null; then up=1; break; fi
  sleep 0.2
done
if [ -z "$up" ]; then
  echo "The SuperLink did not start within 30 s; its log: $FLWR_HOME/superlink.log" >&2
  exit 1
fi

# Browsers give WebCrypto (the tab's key) only to secure contexts: http on localhost is one, a
# LAN address is not. Served beyond loopback, the page gets https with a self-signed certificate
# (each student accepts it once); the SuperLink itself stays on loopback behind the page's proxy.
tls=()
scheme=http
if [ "$HOST" != 127.0.0.1 ] && [ "$HOST" != localhost ]; then
  mkdir -p "$FLWR_HOME/tls"
  if ! openssl x509 -checkend 86400 -noout -in "$FLWR_HOME/tls/cert.pem" >/dev/null 2>&1; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=minisyft \
      -keyout "$FLWR_HOME/tls/key.pem" -out "$FLWR_HOME/tls/cert.pem" 2>/dev/null
  fi
  tls=(--tls-cert-path "$FLWR_HOME/tls/cert.pem" --tls-key-path "$FLWR_HOME/tls/key.pem")
  scheme=https
fi
echo "The page: trunk serve on $scheme://$HOST:8080 (first build takes a minute or two; log: $FLWR_HOME/trunk.log)"
setsid trunk serve --release --address "$HOST" "${tls[@]}" > "$FLWR_HOME/trunk.log" 2>&1 &
pids+=($!)

echo "The ServerApp ($APP): $APP_NAME for $ROUNDS rounds, waiting for $NODES clients"
started=$(flwr run "$APP" local --run-config "num-server-rounds=$ROUNDS min-nodes=$NODES data='$DATA' hidden=$HIDDEN" 2>&1) || {
  echo "$started" >&2
  exit 1
}
echo "$started"
run_id=$(grep -oE 'started run [0-9]+' <<< "$started" | grep -oE '[0-9]+$' || true)
echo
echo "Open $NODES tabs, one per client, and press Connect in each Flower panel:"
page=http://localhost:8080
if [ "$scheme" = https ]; then
  address=$(hostname -I 2>/dev/null | awk '{print $1}' || true)
  page="https://${address:-THIS-MACHINE}:8080"
fi
for i in $(seq 0 $((NODES - 1))); do
  echo "  $page/?fl_client=$i&fl_clients=$NODES$TAB_DATA"
done
echo
echo "Following the run (flwr ls local shows it; Ctrl-C stops everything):"
# In the background, so that Ctrl-C reaches the trap at once rather than after `flwr log` ends.
if [ -n "$run_id" ]; then
  flwr log "$run_id" local --stream &
  pids+=($!)
fi
wait
