# shellcheck shell=bash
# Shared by the bench scripts (sourced, not run).

# Waits until the server on 127.0.0.1:PORT answers /v1/ready, polling every half second at most
# TRIES times; fails when it never does (a large index takes minutes to open).
wait_until_ready() {
  local port=$1 tries=$2
  for _ in $(seq "$tries"); do
    curl -sf "http://127.0.0.1:$port/v1/ready" >/dev/null && return 0
    sleep 0.5
  done
  echo "the server on port $port did not become ready" >&2
  return 1
}
