#!/usr/bin/env bash
# Starts the three-node wsgw cluster of n1.yaml, n2.yaml and n3.yaml on
# loopback, waits until every node is ready, and stops the three nodes on
# Ctrl-C (or when one of them exits). Data goes to ./wsgw-cluster-data
# (delete it to start afresh). No containers: three wsgw processes.
set -euo pipefail
cd "$(dirname "$0")"
bin="${WSGW:-}"
if [ -z "$bin" ]; then
  bin="$(mktemp -d)/wsgw"
  echo "building wsgw into $bin"
  (cd ../.. && go build -o "$bin" ./cmd/wsgw)
fi
pids=()
stop() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT
mkdir -p wsgw-cluster-data
for n in 1 2 3; do
  "$bin" serve --config "n$n.yaml" 2>"wsgw-cluster-data/n$n.log" &
  pids+=("$!")
done
for n in 1 2 3; do
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:808$n/readyz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "${pids[$((n-1))]}" 2>/dev/null; then
      echo "node n$n exited:"; cat "wsgw-cluster-data/n$n.log"; exit 1
    fi
    sleep 0.5
  done
  curl -sS "http://127.0.0.1:808$n/readyz"
done
cat <<MSG
three nodes ready: http://127.0.0.1:8081, :8082, :8083 (broker at /wsn/NotificationBroker)
logs in wsgw-cluster-data/n*.log; Ctrl-C stops them.
MSG
wait -n "${pids[@]}"
echo "a node exited; stopping the others"
