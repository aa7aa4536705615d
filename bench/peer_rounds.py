#!/usr/bin/env python3
"""Sums up rounds of ../shared/bench (bench/peer_bench.sh --rounds R).

    python3 bench/peer_rounds.py RESULTS_DIR...

Each directory is one round's results (hyperfine JSON per peer and phase).
Prints, per peer, the median over the rounds of its apply time (one timed
apply per round) and of its no-op median, then pg_migrate against psql -1 and
against the fastest other peer, the ratio taken within each round (the two
ran minutes apart at most, on the same disk weather).
"""
import json
import os
import statistics
import sys

BASELINES = ("psql-1tx", "psql-session")
# pg_migrate's own variants (through a pooler): compared with it and with
# psql -1, not counted among the other peers.
VARIANTS = ("pg_migrate-pooler",)


def phase_time(directory, peer, phase):
    path = os.path.join(directory, f"{peer}.{phase}.json")
    try:
        with open(path) as f:
            return json.load(f)["results"][0]["median"]
    except (OSError, KeyError, IndexError, ValueError):
        return None


def peers_in(directory):
    return sorted(name[: -len(".apply.json")] for name in os.listdir(directory) if name.endswith(".apply.json"))


def main(directories):
    rounds = [d for d in directories if os.path.isdir(d)]
    if not rounds:
        sys.exit("peer_rounds: no results directories")
    peers = sorted({p for d in rounds for p in peers_in(d)})
    apply = {p: [t for d in rounds if (t := phase_time(d, p, "apply")) is not None] for p in peers}
    noop = {p: [t for d in rounds if (t := phase_time(d, p, "noop")) is not None] for p in peers}

    print(f"{len(rounds)} rounds, one timed apply per peer each (seconds)")
    print(f"{'peer':<22}{'apply median':>13}{'noop median':>13}   apply per round")
    for p in sorted(peers, key=lambda p: statistics.median(apply[p]) if apply[p] else float("inf")):
        a = f"{statistics.median(apply[p]):.3f}" if apply[p] else "-"
        n = f"{statistics.median(noop[p]):.4f}" if noop[p] else "-"
        print(f"{p:<22}{a:>13}{n:>13}   " + " ".join(f"{t:.2f}" for t in apply[p]))

    if "pg_migrate" not in peers:
        return
    to_floor, to_best, noop_ratio = [], [], []
    fastest_rounds = 0
    for d in rounds:
        ours = phase_time(d, "pg_migrate", "apply")
        if ours is None:
            continue
        floor = phase_time(d, "psql-1tx", "apply")
        if floor:
            to_floor.append(ours / floor)
        others = [t for p in peers if p != "pg_migrate" and p not in BASELINES and p not in VARIANTS
                  if (t := phase_time(d, p, "apply")) is not None]
        if others:
            to_best.append(ours / min(others))
            fastest_rounds += ours < min(others)
        dbmate_noop, our_noop = phase_time(d, "dbmate", "noop"), phase_time(d, "pg_migrate", "noop")
        if dbmate_noop and our_noop:
            noop_ratio.append(our_noop / dbmate_noop)

    def summary(values):
        return f"median {statistics.median(values):.2f}x (rounds: " + " ".join(f"{v:.2f}" for v in values) + ")"

    print()
    if to_floor:
        print(f"pg_migrate / psql -1, within each round:          {summary(to_floor)}")
    if to_best:
        print(f"pg_migrate / fastest other peer, within each round: {summary(to_best)}")
        print(f"rounds in which pg_migrate was the fastest peer: {fastest_rounds} of {len(to_best)}")
    if noop_ratio:
        print(f"no-op: pg_migrate / dbmate, within each round:     {summary(noop_ratio)}")
    for variant in (v for v in VARIANTS if v in peers):
        pairs = [(phase_time(d, variant, "apply"), phase_time(d, "pg_migrate", "apply"), phase_time(d, "psql-1tx", "apply"))
                 for d in rounds]
        to_direct = [v / direct for v, direct, _ in pairs if v and direct]
        to_psql = [v / floor for v, _, floor in pairs if v and floor]
        if to_psql:
            print(f"{variant} / psql -1, within each round: {summary(to_psql)}")
        if to_direct:
            print(f"{variant} / pg_migrate, within each round: {summary(to_direct)}")


if __name__ == "__main__":
    main(sys.argv[1:])
