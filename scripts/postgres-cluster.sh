#!/usr/bin/env bash
# A sharded PostgreSQL cluster on loopback for Leian's distributed backend: a coordinator whose
# hash-partitioned tables are postgres_fdw foreign tables on two shards, and a streaming replica
# of each shard for reads and failover. The recipe is docs/SCALE-OUT.md of the shared docs.
#
#   scripts/postgres-cluster.sh up|down|status [DIR]
#   scripts/postgres-cluster.sh promote shard1|shard2 [DIR]
#
# User-facing messages are Chinese (the project's rule); comments say why, in English.
set -euo pipefail

usage() {
  cat <<'EOF'
用法：scripts/postgres-cluster.sh 命令 [目录]
      scripts/postgres-cluster.sh promote 分片 [目录]

在本机回环地址（127.0.0.1）上建立并管理 Leian 的分片 PostgreSQL 15 集群。

命令：
  up              安装缺少的软件包（PostgreSQL 15；pgvector 从 Debian 新版本的源码包编译），
                  初始化尚不存在的节点，启动全部节点，建库建表（可重复执行，数据保留）；
                  最后一行输出给 Leian 用的连接地址
  down            停止全部节点（pg_ctl stop -m fast），数据保留
  status          各节点的角色、端口、是否运行，分片的复制状态和行数
  promote 分片    把该分片（shard1 或 shard2）的副本提升为主节点：先停原主节点，
                  再 pg_ctl promote，并让协调节点改连新的主节点

节点（默认端口）：
  coordinator     协调节点 5433（分区表，分区是分片上的外部表）
  shard1, shard2  分片 5434、5435（文档表、全文索引、HNSW 向量索引）
  shard1-replica  shard1 的流复制副本 5436（只读）
  shard2-replica  shard2 的流复制副本 5437（只读）

目录：默认 ${LEIAN_PG_DIR:-$HOME/.local/share/leian/pg}；以 root 运行时默认
      ${LEIAN_PG_DIR:-/var/lib/leian/pg}（节点以 postgres 用户运行，它进不了 /root）。

环境变量：
  LEIAN_PG_DIR        集群目录
  LEIAN_PG_REPLICAS   副本个数，0 到 2，默认 2（每个分片一个副本）；1 时只有 shard1 有副本
  LEIAN_PG_PORT       协调节点端口，默认 5433；其余节点依次加一
  LEIAN_PG_BIN        PostgreSQL 程序目录，默认 /usr/lib/postgresql/15/bin
  LEIAN_PGVECTOR_SUITE  编译 pgvector 所用源码包的 Debian 版本，默认 trixie

本集群仅供本机开发测试：只监听 127.0.0.1，回环连接免密码（trust）。
EOF
}

readonly PG_MAJOR=15
PGBIN=${LEIAN_PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}
BASE_PORT=${LEIAN_PG_PORT:-5433}
REPLICAS=${LEIAN_PG_REPLICAS:-2}
PGVECTOR_SUITE=${LEIAN_PGVECTOR_SUITE:-trixie}
# Two shards: coordinator.sql's partitions are MODULUS 2, so the count is not a setting.
readonly SHARDS=2
readonly DB=leian
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SQL_DIR=$SCRIPT_DIR/postgres

# Notices such as "relation already exists, skipping" would bury the script's own messages.
export PGOPTIONS='-c client_min_messages=warning'
export DEBIAN_FRONTEND=noninteractive

say() { printf '%s\n' "$*"; }
die() { printf '错误：%s\n' "$*" >&2; exit 1; }

is_root() { [[ $EUID -eq 0 ]]; }

# Runs a command as root: directly, or with sudo where it needs no password (no stdin in CI).
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "需要 root 权限执行：$*（请以 root 运行本脚本，或先手动执行这一步）"
  fi
}

# PostgreSQL refuses to run as root, so as root the servers run as the `postgres` user that the
# Debian package creates; the cluster directory belongs to it. Commands run from inside DIR
# because postgres may not be allowed into the caller's working directory (/root, say).
as_pg() {
  if is_root; then
    (cd "$DIR" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# ---------------------------------------------------------------------------------------------
# Nodes. Ports follow the coordinator's: shard i at BASE+i, the replica of shard i at BASE+2+i.

node_port() {
  case $1 in
    coordinator) echo "$BASE_PORT" ;;
    shard[0-9]) echo $((BASE_PORT + ${1#shard})) ;;
    shard[0-9]-replica) local s=${1%-replica}; echo $((BASE_PORT + SHARDS + ${s#shard})) ;;
    *) die "未知节点 $1" ;;
  esac
}

# Every node this layout can have, in start order: primaries before the replicas that copy them.
all_nodes() {
  local i
  echo coordinator
  for ((i = 1; i <= SHARDS; i++)); do echo "shard$i"; done
  for ((i = 1; i <= SHARDS; i++)); do echo "shard$i-replica"; done
}

node_dir() { echo "$DIR/$1"; }
node_exists() { [[ -f $DIR/$1/PG_VERSION ]]; }
# Written by `promote`: the shard's replica has become its primary, the old primary is retired.
promoted() { [[ -f $DIR/$1.promoted ]]; }

# The node that takes the shard's writes now.
shard_primary() {
  if promoted "$1"; then echo "$1-replica"; else echo "$1"; fi
}

is_running() {
  node_exists "$1" && as_pg "$PGBIN/pg_ctl" status -D "$(node_dir "$1")" >/dev/null 2>&1
}

psql_at() {
  local port=$1 db=$2
  shift 2
  "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

# One value from a query, no headers.
query() { psql_at "$1" "$2" -At -c "$3"; }

# ---------------------------------------------------------------------------------------------
# Installation.

pkg_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true) == installed ]]
}

APT_UPDATED=0
apt_install() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  say "安装软件包：${missing[*]}"
  # A fresh machine has no package lists; update once before the first install.
  if ((APT_UPDATED == 0)); then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  # dpkg's progress is long; it is shown only when the install fails.
  local log
  log=$(mktemp)
  if ! as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    die "软件包安装失败：${missing[*]}"
  fi
  rm -f "$log"
}

pgvector_installed() {
  [[ -f /usr/share/postgresql/$PG_MAJOR/extension/vector.control &&
     -f /usr/lib/postgresql/$PG_MAJOR/lib/vector.so ]]
}

# The mirror and keyring of the system's Debian archive: the entry whose suite is this release's
# codename exactly (not -security or -updates, nor a third-party repository). Deriving it keeps
# whichever mirror the machine is configured with, and keeps host names out of this file.
# Prints "URI KEYRING" (KEYRING "-" when the entry names none as a file).
system_mirror() {
  local codename=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    # deb822 stanzas, separated by blank lines.
    awk -v suite="$codename" '
      function flush() {
        if (!found && uri != "" && isdeb && hassuite) { print uri, (key ~ /^\// ? key : "-"); found = 1 }
        uri = ""; key = ""; isdeb = 0; hassuite = 0
      }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]*#/ { next }
      tolower($1) == "types:"     { for (i = 2; i <= NF; i++) if ($i == "deb" || $i == "deb-src") isdeb = 1 }
      tolower($1) == "uris:"      { uri = $2 }
      tolower($1) == "suites:"    { for (i = 2; i <= NF; i++) if ($i == suite) hassuite = 1 }
      tolower($1) == "signed-by:" { key = $2 }
      END { flush() }
    ' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    # One-line format: deb [options] URI SUITE COMPONENTS…
    awk -v suite="$codename" '
      $1 != "deb" && $1 != "deb-src" { next }
      {
        key = "-"; i = 2
        if ($2 ~ /^\[/) {
          for (; i <= NF; i++) {
            if ($i ~ /^\[?signed-by=/) { key = $i; sub(/^\[?signed-by=/, "", key); sub(/\]$/, "", key) }
            if ($i ~ /\]$/) { i++; break }
          }
        }
        if ($(i + 1) == suite) { print $i, key; exit }
      }
    ' "$f"
  done
}

# pgvector is not packaged for bookworm; Debian's source package from the newer release builds
# against PostgreSQL 15. A private apt configuration in a temporary folder fetches it, so the
# system's sources, package lists and caches are left as they were.
install_pgvector() {
  local started=$SECONDS codename mirror uri key tmp
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | tr -d '"')
  [[ -n $codename ]] || die "无法从 /etc/os-release 得知 Debian 版本代号"
  mirror=$(system_mirror "$codename" | head -n 1)
  [[ -n $mirror ]] || die "在 /etc/apt/sources.list* 中找不到 $codename 的 Debian 软件源，无法推出镜像地址"
  read -r uri key <<<"$mirror"
  [[ $key != - ]] || key=/usr/share/keyrings/debian-archive-keyring.gpg
  say "编译安装 pgvector：取 $PGVECTOR_SUITE 的源码包（镜像沿用系统软件源中的 $codename 条目）"

  tmp=$(mktemp -d)
  # Removed however this function ends; the trap is dropped again at the end.
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  # apt fetches as the unprivileged _apt user where it can: let it into the folder.
  chmod 755 "$tmp"
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/src"
  if is_root && getent passwd _apt >/dev/null; then chown _apt "$tmp/src"; fi
  printf 'deb-src [signed-by=%s] %s %s main\n' "$key" "$uri" "$PGVECTOR_SUITE" >"$tmp/sources.list"
  local apt_opts=(
    -o "Dir::Etc::SourceList=$tmp/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$tmp/lists"
    -o "Dir::Cache=$tmp/cache"
  )
  as_root apt-get "${apt_opts[@]}" -qq update
  (cd "$tmp/src" && as_root apt-get "${apt_opts[@]}" -qq source --download-only pgvector)
  local dsc
  dsc=$(find "$tmp/src" -maxdepth 1 -name 'pgvector_*.dsc' | head -n 1)
  [[ -n $dsc ]] || die "没有下载到 pgvector 的源码包"
  # dpkg-source warns that it cannot check the .dsc's signature (Debian's developer keyring is not
  # installed); apt has already checked the files' hashes against the signed release file.
  (cd "$tmp/src" && dpkg-source -x "$(basename "$dsc")" pgvector >/dev/null)
  say "编译 $(basename "$dsc" .dsc)"
  # OPTFLAGS="" drops pgvector's -march=native: the library stays portable to other CPUs.
  # nice: a build should not steal the CPU from whatever else the machine is doing.
  nice -n 10 make -s -C "$tmp/src/pgvector" -j "$(nproc)" \
    PG_CONFIG="$PGBIN/pg_config" OPTFLAGS="" >/dev/null
  as_root make -s -C "$tmp/src/pgvector" PG_CONFIG="$PGBIN/pg_config" OPTFLAGS="" install >/dev/null
  rm -rf "$tmp"
  trap - EXIT
  pgvector_installed || die "pgvector 安装后仍找不到 vector 扩展"
  say "pgvector 已安装（用时 $((SECONDS - started)) 秒）"
}

ensure_software() {
  apt_install "postgresql-$PG_MAJOR"
  if ! pgvector_installed; then
    # Build dependencies only when there is something to build.
    apt_install "postgresql-server-dev-$PG_MAJOR" build-essential dpkg-dev
    install_pgvector
  fi
  [[ -x $PGBIN/initdb ]] || die "找不到 $PGBIN/initdb"
  if is_root; then
    getent passwd postgres >/dev/null || die "没有 postgres 用户（应由 PostgreSQL 软件包创建）"
    command -v runuser >/dev/null || die "找不到 runuser（util-linux）"
  fi
}

# ---------------------------------------------------------------------------------------------
# Configuration, rewritten at each `up` so a changed port takes effect.

write_config() {
  local node=$1 dir
  dir=$(node_dir "$node")
  as_pg tee "$dir/leian.conf" >/dev/null <<EOF
# Written by scripts/postgres-cluster.sh at each \`up\`; edits here are overwritten.
listen_addresses = '127.0.0.1'
port = $(node_port "$node")
# Names the node in ps and, for a replica, in its primary's pg_stat_replication.
cluster_name = '$node'
# TCP only: a socket path under a long DIR can pass the 107-byte limit, and a normal user may not
# write to /var/run/postgresql.
unix_socket_directories = ''
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
logging_collector = off
EOF
  # A local development cluster: the nodes listen on 127.0.0.1 only, and anyone on this machine
  # may connect as any role without a password (trust). Never expose it beyond loopback.
  as_pg tee "$dir/pg_hba.conf" >/dev/null <<'EOF'
# Written by scripts/postgres-cluster.sh: trust on loopback only, for a local development cluster.
host    all           all   127.0.0.1/32   trust
host    replication   all   127.0.0.1/32   trust
EOF
  if ! grep -q "^include_if_exists = 'leian.conf'" "$dir/postgresql.conf"; then
    printf "\ninclude_if_exists = 'leian.conf'\n" | as_pg tee -a "$dir/postgresql.conf" >/dev/null
  fi
}

init_primary() {
  local node=$1
  say "初始化 $node（端口 $(node_port "$node")）"
  as_pg "$PGBIN/initdb" -D "$(node_dir "$node")" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth=trust >/dev/null
  write_config "$node"
}

init_replica() {
  local node=$1 primary=${1%-replica} slot
  slot=${node//-/_}
  say "建立 $primary 的流复制副本 $node（端口 $(node_port "$node")）"
  # A physical slot keeps the WAL the replica still needs while it is stopped; a slot left by an
  # earlier replica of the same name (its folder deleted since) is dropped first.
  query "$(node_port "$primary")" postgres \
    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
     WHERE slot_name = '$slot' AND NOT active" >/dev/null
  as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$(node_port "$primary")" -U postgres \
    -D "$(node_dir "$node")" -R -X stream -C -S "$slot" -c fast
  write_config "$node"
}

start_node() {
  local node=$1
  if is_running "$node"; then
    say "$node 已在运行（端口 $(node_port "$node")）"
    return 0
  fi
  write_config "$node"
  # -w waits until the server accepts connections (a standby: read-only ones).
  if ! as_pg "$PGBIN/pg_ctl" start -w -t 120 -D "$(node_dir "$node")" \
      -l "$DIR/log/$node.log" >/dev/null; then
    tail -n 20 "$DIR/log/$node.log" >&2 || true
    die "$node 启动失败，日志：$DIR/log/$node.log"
  fi
  say "$node 已启动（端口 $(node_port "$node")）"
}

stop_node() {
  local node=$1
  if is_running "$node"; then
    as_pg "$PGBIN/pg_ctl" stop -m fast -w -D "$(node_dir "$node")" >/dev/null
    say "$node 已停止"
  fi
}

ensure_database() {
  local port=$1
  if [[ -z $(query "$port" postgres "SELECT 1 FROM pg_database WHERE datname = '$DB'") ]]; then
    query "$port" postgres "CREATE DATABASE $DB" >/dev/null
  fi
}

# The coordinator's link to each shard's current primary. ALTER after CREATE: the port changes
# when a replica is promoted or LEIAN_PG_PORT changes.
setup_coordinator() {
  local port i shard sport sql=""
  port=$(node_port coordinator)
  sql+="CREATE EXTENSION IF NOT EXISTS postgres_fdw;"
  # The partitioned tables have a vector column, and <=> is parsed here before it is shipped.
  sql+="CREATE EXTENSION IF NOT EXISTS vector;"
  # Dense searches run whole on each shard through dblink (postgres_fdw would fetch the vectors).
  sql+="CREATE EXTENSION IF NOT EXISTS dblink;"
  for ((i = 1; i <= SHARDS; i++)); do
    shard=shard$i
    sport=$(node_port "$(shard_primary "$shard")")
    sql+="CREATE SERVER IF NOT EXISTS $shard FOREIGN DATA WRAPPER postgres_fdw
            OPTIONS (host '127.0.0.1', port '$sport', dbname '$DB',
                     async_capable 'true', extensions 'vector',
                     batch_size '1000', fetch_size '1000');"
    sql+="ALTER SERVER $shard OPTIONS (SET host '127.0.0.1', SET port '$sport');"
    sql+="CREATE USER MAPPING IF NOT EXISTS FOR PUBLIC SERVER $shard OPTIONS (user 'postgres');"
  done
  psql_at "$port" "$DB" -c "$sql"
  psql_at "$port" "$DB" -f "$SQL_DIR/coordinator.sql"
}

# ---------------------------------------------------------------------------------------------
# Commands.

cmd_up() {
  local started=$SECONDS node i shard
  if ! [[ $REPLICAS =~ ^[0-9]+$ ]] || ((REPLICAS > SHARDS)); then
    die "LEIAN_PG_REPLICAS 应为 0 到 $SHARDS 的整数，现为 $REPLICAS"
  fi
  [[ -f $SQL_DIR/schema.sql && -f $SQL_DIR/coordinator.sql ]] || die "找不到 $SQL_DIR 下的 SQL 文件"
  ensure_software

  mkdir -p "$DIR/log"
  if is_root; then
    chown postgres: "$DIR" "$DIR/log"
    runuser -u postgres -- test -w "$DIR" -a -x "$DIR" 2>/dev/null ||
      die "postgres 用户进不了 $DIR（上级目录权限不够）；请用 LEIAN_PG_DIR 或参数另选目录"
  fi
  chmod 700 "$DIR"

  for node in coordinator $(seq -f 'shard%g' 1 "$SHARDS"); do
    if promoted "$node"; then
      say "$node 已由其副本接替（见 promote），原主节点不再启动"
      continue
    fi
    node_exists "$node" || init_primary "$node"
    start_node "$node"
  done

  ensure_database "$(node_port coordinator)"
  for ((i = 1; i <= SHARDS; i++)); do
    shard=shard$i
    if ! promoted "$shard"; then
      node_exists "$shard-replica" || ((i > REPLICAS)) || init_replica "$shard-replica"
    fi
    # A promoted replica was started above as a shard's primary would be; start it here either way.
    node_exists "$shard-replica" && start_node "$shard-replica"
    local pport
    pport=$(node_port "$(shard_primary "$shard")")
    ensure_database "$pport"
    psql_at "$pport" "$DB" -f "$SQL_DIR/schema.sql"
  done
  setup_coordinator

  local url
  url="postgres://postgres@127.0.0.1:$(node_port coordinator)/$DB"
  say ""
  say "集群已就绪（用时 $((SECONDS - started)) 秒），目录：$DIR"
  for ((i = 1; i <= SHARDS; i++)); do
    shard=shard$i
    if node_exists "$shard-replica" && ! promoted "$shard"; then
      say "提升 $shard 的副本：$0 promote $shard $DIR"
      say "  （即先停 $shard，再 pg_ctl promote -D $(node_dir "$shard-replica")，并让协调节点改连端口 $(node_port "$shard-replica")）"
    fi
  done
  say "给 Leian 的连接地址："
  say "$url"
}

cmd_down() {
  local node
  [[ -d $DIR ]] || { say "$DIR 下没有集群"; return 0; }
  # The coordinator first (its foreign scans would fail anyway), replicas before their primaries.
  stop_node coordinator
  for node in $(all_nodes | grep -- -replica); do stop_node "$node"; done
  for node in $(all_nodes | grep -v -e -replica -e coordinator); do stop_node "$node"; done
  say "全部节点已停止，数据保留在 $DIR"
}

role_of() {
  local node=$1 shard=${1%-replica}
  case $node in
    coordinator) echo "协调节点" ;;
    *-replica)
      if promoted "$shard"; then echo "$shard 主节点（由副本提升）"; else echo "$shard 副本"; fi ;;
    *)
      if promoted "$node"; then echo "$node 原主节点（已退役）"; else echo "$node 主节点"; fi ;;
  esac
}

cmd_status() {
  local node port state recovery rows
  [[ -d $DIR ]] || { say "$DIR 下没有集群"; return 0; }
  say "目录：$DIR"
  for node in $(all_nodes); do
    node_exists "$node" || continue
    port=$(node_port "$node")
    recovery="" rows=""
    if is_running "$node" && "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      state="运行中"
      if [[ $(query "$port" postgres "SELECT pg_is_in_recovery()" 2>/dev/null) == t ]]; then
        recovery="，只读"
      fi
      if [[ $node != coordinator ]] &&
         [[ $(query "$port" "$DB" "SELECT to_regclass('judgments') IS NOT NULL AND to_regclass('statutes') IS NOT NULL" 2>/dev/null) == t ]]; then
        rows=$(query "$port" "$DB" "SELECT '  行数 judgments ' || (SELECT count(*) FROM judgments) || ' / statutes ' || (SELECT count(*) FROM statutes)")
      fi
    elif is_running "$node"; then
      state="启动中"
    else
      state="已停止"
    fi
    # ASCII columns first so they line up; the Chinese ones follow.
    printf '%-15s 端口 %-5s  %s  %s%s%s\n' "$node" "$port" "$state" "$(role_of "$node")" "$recovery" "$rows"
  done

  local i shard pport
  for ((i = 1; i <= SHARDS; i++)); do
    shard=shard$i
    node=$(shard_primary "$shard")
    node_exists "$node" || continue
    pport=$(node_port "$node")
    say ""
    if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$pport"; then
      say "$shard 的复制状态：主节点 $node 未运行"
      continue
    fi
    local repl
    repl=$(query "$pport" postgres "SELECT application_name || ' ' || state || ' ' || sync_state
             || ' 已发送 ' || sent_lsn || ' 已重放 ' || coalesce(replay_lsn::text, '-')
             || ' 延迟 ' || coalesce(replay_lag::text, '0')
             FROM pg_stat_replication")
    if [[ -n $repl ]]; then
      say "$shard 的复制状态（主节点 $node，pg_stat_replication）："
      while IFS= read -r line; do say "  $line"; done <<<"$repl"
    else
      say "$shard 的复制状态（主节点 $node）：没有副本连接"
    fi
  done
}

cmd_promote() {
  local shard=$1 replica port
  if ! [[ $shard =~ ^shard[1-9][0-9]*$ ]] || ((${shard#shard} > SHARDS)); then
    die "promote 需要分片名 shard1 到 shard$SHARDS，收到的是 $shard"
  fi
  replica=$shard-replica
  promoted "$shard" && die "$shard 的副本已经提升过了"
  node_exists "$replica" || die "$shard 没有副本（LEIAN_PG_REPLICAS 设为多少？）"
  is_running "$replica" || start_node "$replica"
  # Fence the old primary first: two writable copies of one shard would diverge silently.
  stop_node "$shard"
  as_pg "$PGBIN/pg_ctl" promote -w -D "$(node_dir "$replica")" >/dev/null
  touch "$DIR/$shard.promoted"
  port=$(node_port "$replica")
  say "$replica 已提升为 $shard 的主节点（端口 $port）；原主节点 $shard 已停止，今后 up 不再启动它"
  if is_running coordinator; then
    psql_at "$(node_port coordinator)" "$DB" -c "ALTER SERVER $shard OPTIONS (SET port '$port')"
    say "协调节点的外部服务器 $shard 已改连端口 $port"
  else
    say "协调节点未运行；下次 up 时它会改连端口 $port"
  fi
}

# ---------------------------------------------------------------------------------------------

main() {
  local cmd=${1:-}
  case $cmd in
    -h|--help|help|"") usage; [[ -n $cmd ]] || exit 2; exit 0 ;;
  esac
  shift
  local shard=""
  if [[ $cmd == promote ]]; then
    (($#)) || die "promote 需要分片名，如 shard1"
    shard=$1
    shift
  fi
  (($# <= 1)) || { usage >&2; exit 2; }
  local default
  if is_root; then default=/var/lib/leian/pg; else default=${HOME:?}/.local/share/leian/pg; fi
  DIR=${1:-${LEIAN_PG_DIR:-$default}}
  DIR=$(realpath -m -- "$DIR")
  case $cmd in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    promote) cmd_promote "$shard" ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
