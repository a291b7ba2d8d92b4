#!/bin/sh
# The one-shot schema step (compose service "schema", Kubernetes Job "store-schema"): waits until Cassandra
# answers CQL, then creates the store's keyspace with the replication the deployment asks for, and exits 0.
#
# It creates the keyspace only, with the very statement the services run at start-up
# (CassandraSessions: SimpleStrategy, CASSANDRA_REPLICATION_FACTOR), so whichever runs first the result is
# the same. The tables are created by each service at start-up (CREATE TABLE IF NOT EXISTS): the jar has
# no "schema" sub-command yet; once it has one, this step runs it instead and creates every table before
# any service starts (see docs/deployment.md).
#
# Reads the store's own variables (docs/configuration.md):
#   CASSANDRA_HOST (comma-separated contact points, the first that answers is used), CASSANDRA_PORT,
#   CASSANDRA_KEYSPACE, CASSANDRA_REPLICATION_FACTOR, CASSANDRA_USERNAME, CASSANDRA_PASSWORD, CASSANDRA_SSL
# and SCHEMA_WAIT_SECONDS (how long to wait for Cassandra, default 600).
set -eu

hosts=${CASSANDRA_HOST:-cassandra}
port=${CASSANDRA_PORT:-9042}
keyspace=${CASSANDRA_KEYSPACE:-store}
rf=${CASSANDRA_REPLICATION_FACTOR:-1}
wait_seconds=${SCHEMA_WAIT_SECONDS:-600}

die() {
    echo "store-schema: $*" >&2
    exit 1
}
printf '%s\n' "$keyspace" | grep -Eq '^[A-Za-z][A-Za-z0-9_]{0,47}$' || die "CASSANDRA_KEYSPACE='$keyspace' is not a keyspace name"
printf '%s\n' "$rf" | grep -Eq '^[1-9][0-9]?$' || die "CASSANDRA_REPLICATION_FACTOR='$rf' is not a number"
printf '%s\n' "$port" | grep -Eq '^[0-9]{1,5}$' || die "CASSANDRA_PORT='$port' is not a port"

# cqlsh's options: credentials and TLS as the services use them
set --
if [ -n "${CASSANDRA_USERNAME:-}" ]; then
    set -- "$@" -u "$CASSANDRA_USERNAME" -p "${CASSANDRA_PASSWORD:-}"
fi
if [ "${CASSANDRA_SSL:-false}" = true ]; then
    set -- "$@" --ssl
fi

statement="CREATE KEYSPACE IF NOT EXISTS $keyspace WITH replication = {'class': 'SimpleStrategy', 'replication_factor': $rf}"
deadline=$(($(date +%s) + wait_seconds))
while :; do
    for host in $(printf '%s' "$hosts" | tr ',' ' '); do
        if cqlsh "$@" --request-timeout=30 -e "$statement" "$host" "$port"; then
            cqlsh "$@" -e "DESCRIBE KEYSPACE $keyspace" "$host" "$port" | head -n 3
            echo "store-schema: keyspace $keyspace ready on $host:$port (replication factor $rf)"
            exit 0
        fi
    done
    [ "$(date +%s)" -lt "$deadline" ] || die "Cassandra at $hosts:$port did not answer within ${wait_seconds}s"
    echo "store-schema: waiting for Cassandra at $hosts:$port ..." >&2
    sleep 5
done
