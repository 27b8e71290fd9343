#!/usr/bin/env bash
# Runs the benchmarks on the embedded default and, when the local services
# answer, on MySQL + Redis. Figures go to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o /tmp/siyu-bench ./cmd/siyu
for b in ${BENCHES:-checkin redeem orders dispatch}; do  # segments: BENCHES=segments (long)
  echo "### $b — embedded"
  env -u SIYU_MYSQL_DSN -u SIYU_REDIS_URL /tmp/siyu-bench bench "$b" "$@"
  if mysqladmin -uroot --connect-timeout=2 ping >/dev/null 2>&1 && redis-cli ping >/dev/null 2>&1; then
    echo "### $b — MySQL + Redis"
    SIYU_MYSQL_DSN='root@tcp(127.0.0.1:3306)/siyu?parseTime=true&charset=utf8mb4&loc=UTC' \
    SIYU_REDIS_URL='redis://127.0.0.1:6379/0' /tmp/siyu-bench bench "$b" "$@"
  fi
done
