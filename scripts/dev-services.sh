#!/usr/bin/env bash
# Starts a local MariaDB and Redis for development (Debian packages; as
# root), creates the siyu database and prints the variables to export.
set -euo pipefail

# MariaDB settings sized for Siyu (see README "MariaDB / MySQL settings" for
# what each trades). Written only when this script starts MariaDB itself: a
# server that is already running is left as it is (its values are printed).
# SIYU_DB_BUFFER_POOL (default 1G) sizes the buffer pool: the open ledger
# credits, the members being written and 30 days of orders should fit.
SIYU_DB_BUFFER_POOL=${SIYU_DB_BUFFER_POOL:-1G}
SIYU_CNF=/etc/mysql/mariadb.conf.d/60-siyu.cnf

if ! mysqladmin -uroot --connect-timeout=2 ping >/dev/null 2>&1; then
  if [ -d /etc/mysql/mariadb.conf.d ] && [ ! -e "$SIYU_CNF" ]; then
    echo "writing $SIYU_CNF"
    cat >"$SIYU_CNF" <<CNF
[mariadbd]
# the hot working set in memory: members, open credits, recent orders
innodb_buffer_pool_size = $SIYU_DB_BUFFER_POOL
# a large redo log absorbs bulk imports and the nightly recompute without
# checkpoint stalls; costs crash-recovery time and disk
innodb_log_file_size = 1G
innodb_log_buffer_size = 64M
# 1: every commit is on disk (points and stock survive a power cut).
# 2 (dev only): flush once a second, up to 1 s of commits lost on an OS crash
innodb_flush_log_at_trx_commit = 1
innodb_flush_method = O_DIRECT
innodb_io_capacity = 2000
max_connections = 300
CNF
  fi
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
mysql -uroot -N -e "SELECT CONCAT('MariaDB: buffer pool ', @@innodb_buffer_pool_size DIV 1048576, ' MB, redo log ',
  @@innodb_log_file_size DIV 1048576, ' MB, flush_log_at_trx_commit ', @@innodb_flush_log_at_trx_commit)"
mysql -uroot -e 'CREATE DATABASE IF NOT EXISTS siyu CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'
cat <<'VARS'
export SIYU_MYSQL_DSN='root@tcp(127.0.0.1:3306)/siyu?parseTime=true&charset=utf8mb4&loc=UTC'
export SIYU_REDIS_URL='redis://127.0.0.1:6379/0'
# for the tests:
export TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true&charset=utf8mb4&loc=UTC'
export TEST_REDIS_URL='redis://127.0.0.1:6379/0'
VARS
