# Sourced by the benchmarks (after setting $root): start_throwaway_cluster
# [--fast] makes $work, a scratch directory, and starts a cluster of this
# run's own in it (scripts/pg-cluster.sh), with the PG* variables set; both
# go when the script exits.
start_throwaway_cluster() {
  work="$(mktemp -d)"
  state="$work/cluster.env"
  trap 'bash "$root/scripts/pg-cluster.sh" stop "$state" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  bash "$root/scripts/pg-cluster.sh" start "$state" "$@" >/dev/null
  # shellcheck disable=SC1090
  . "$state"
}
