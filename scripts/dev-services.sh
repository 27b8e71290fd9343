#!/usr/bin/env bash
# Starts a local MariaDB and Redis for development (Debian packages; as
# root), creates the siyu database and prints the variables to export.
set -euo pipefail
if ! mysqladmin -uroot --connect-timeout=2 ping >/dev/null 2>&1; then
  echo "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do mysqladmin -uroot --connect-timeout=2 ping >/dev/null 2>&1 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/dev.log
fi
mysql -uroot -e 'CREATE DATABASE IF NOT EXISTS siyu CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'
cat <<'VARS'
export SIYU_MYSQL_DSN='root@tcp(127.0.0.1:3306)/siyu?parseTime=true&charset=utf8mb4&loc=UTC'
export SIYU_REDIS_URL='redis://127.0.0.1:6379/0'
# for the tests:
export TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true&charset=utf8mb4&loc=UTC'
export TEST_REDIS_URL='redis://127.0.0.1:6379/0'
VARS
