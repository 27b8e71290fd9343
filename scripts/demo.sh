#!/usr/bin/env bash
# Runs the member loop against a server started with scripts/demo.env:
#   terminal 1:  set -a; . scripts/demo.env; set +a; go run ./cmd/siyu serve
#   terminal 2:  scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; . scripts/demo.env; set +a
go run ./cmd/siyu simulate --url "${SIYU_URL:-http://127.0.0.1:8080}" demo "${1:-store_sh001}"
