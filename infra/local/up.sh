#!/usr/bin/env bash
# Local RabbitMQ (with management) and PostgreSQL 15 for development, tests and CI.
#
# Idempotent: installs what is missing, starts what is not running, waits until both answer,
# creates the `cds` role and database and prints the connection settings as `export` lines.
#
#   eval "$(bash infra/local/up.sh)"      # start and export CDS_* settings into this shell
#
# Where a Docker engine answers (and CDS_USE_DOCKER is not 0) it runs `docker compose up -d
# rabbitmq postgres` from the repo root instead. Progress goes to stderr; stdout is only exports.
set -euo pipefail

log() { printf '[infra] %s\n' "$*" >&2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

PG_USER="${CDS_PG_USER:-cds}"
PG_PASSWORD="${CDS_PG_PASSWORD:-cds}"
PG_DB="${CDS_PG_DB:-cds}"
PG_PORT="${CDS_PG_PORT:-5432}"
MQ_USER="${CDS_MQ_USER:-cds}"
MQ_PASSWORD="${CDS_MQ_PASSWORD:-cds}"

print_exports() {
  cat <<OUT
export CDS_POSTGRES='Host=127.0.0.1;Port=${PG_PORT};Username=${PG_USER};Password=${PG_PASSWORD};Database=${PG_DB}'
export CDS_RABBITMQ='amqp://${MQ_USER}:${MQ_PASSWORD}@127.0.0.1:5672/'
export CDS_RABBITMQ_MANAGEMENT='http://${MQ_USER}:${MQ_PASSWORD}@127.0.0.1:15672/'
OUT
}

if [[ "${CDS_USE_DOCKER:-1}" != 0 ]] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  log "Docker engine found: docker compose up rabbitmq postgres"
  (cd "$root" && docker compose up -d --wait rabbitmq postgres >&2)
  print_exports
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi

need=()
command -v rabbitmq-server >/dev/null 2>&1 || need+=(rabbitmq-server)
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || need+=(postgresql postgresql-contrib)
if ((${#need[@]})); then
  log "installing ${need[*]} (first run only)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  # policy-rc.d keeps the package scripts from trying to start services without systemd
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# ---------- PostgreSQL ----------
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  log "creating PostgreSQL cluster 15/main"
  $SUDO pg_createcluster 15 main -p "$PG_PORT" >&2
fi
# Tests run several hosts per test assembly and several assemblies at once: 100 connections is not enough.
conf_pg=/etc/postgresql/15/main/conf.d/cds-local.conf
if [[ ! -f $conf_pg ]]; then
  log "raising PostgreSQL max_connections to 500"
  $SUDO mkdir -p "$(dirname "$conf_pg")"
  printf '# cds-local: written by infra/local/up.sh\nmax_connections = 500\nshared_buffers = 256MB\n' | $SUDO tee "$conf_pg" >/dev/null
  if pg_lsclusters -h | awk '$1==15 && $2=="main" {print $4}' | grep -q online; then
    $SUDO pg_ctlcluster 15 main restart >&2
  fi
fi
if ! pg_lsclusters -h | awk '$1==15 && $2=="main" {print $4}' | grep -q online; then
  log "starting PostgreSQL 15"
  $SUDO pg_ctlcluster 15 main start >&2
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || { log "PostgreSQL did not become ready"; exit 1; }
psql_admin() { $SUDO su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -qtAX $*" ; }
if [[ "$(psql_admin "-c \"select 1 from pg_roles where rolname='$PG_USER'\"")" != 1 ]]; then
  log "creating role $PG_USER"
  psql_admin "-c \"create role $PG_USER login createdb password '$PG_PASSWORD'\"" >&2
fi
if [[ "$(psql_admin "-c \"select 1 from pg_database where datname='$PG_DB'\"")" != 1 ]]; then
  log "creating database $PG_DB"
  psql_admin "-c \"create database $PG_DB owner $PG_USER\"" >&2
fi

# ---------- RabbitMQ ----------
conf=/etc/rabbitmq/rabbitmq.conf
if [[ ! -f $conf ]] || ! grep -q 'cds-local' "$conf"; then
  log "writing $conf (loopback listeners)"
  $SUDO mkdir -p /etc/rabbitmq
  $SUDO tee "$conf" >/dev/null <<CONF
# cds-local: written by infra/local/up.sh
listeners.tcp.default = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
management.tcp.port = 15672
loopback_users = none
CONF
fi
if ! grep -q rabbitmq_management /etc/rabbitmq/enabled_plugins 2>/dev/null; then
  log "enabling rabbitmq_management"
  $SUDO rabbitmq-plugins enable --offline rabbitmq_management >&2
fi
if ! $SUDO rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  log "starting RabbitMQ"
  $SUDO rabbitmq-server -detached >&2 2>/dev/null || $SUDO rabbitmq-server -detached >&2
  for _ in $(seq 1 120); do
    $SUDO rabbitmq-diagnostics -q ping >/dev/null 2>&1 && break
    sleep 0.5
  done
fi
$SUDO rabbitmqctl -q await_startup >&2
if ! $SUDO rabbitmqctl -q list_users | grep -q "^$MQ_USER\b"; then
  log "creating RabbitMQ user $MQ_USER"
  $SUDO rabbitmqctl -q add_user "$MQ_USER" "$MQ_PASSWORD" >&2
  $SUDO rabbitmqctl -q set_user_tags "$MQ_USER" administrator >&2
  $SUDO rabbitmqctl -q set_permissions -p / "$MQ_USER" '.*' '.*' '.*' >&2
fi
for _ in $(seq 1 60); do
  curl -fsS -u "$MQ_USER:$MQ_PASSWORD" http://127.0.0.1:15672/api/overview >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS -u "$MQ_USER:$MQ_PASSWORD" http://127.0.0.1:15672/api/overview >/dev/null || { log "RabbitMQ management API did not answer"; exit 1; }

log "RabbitMQ and PostgreSQL are ready"
print_exports
