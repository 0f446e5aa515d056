#!/usr/bin/env bash
# A node's cost must not grow with the number of nodes: two federations
# of real daemons set up as a new user would (tests/scale.sh: one node per
# NUTS-2 region, two earlier nodes as peers, defaults otherwise), of 12
# and of 24 nodes, each converges; in sync, the bytes a node sends a
# second on all its links are no more at 24 nodes than at 12 (delta
# digests: a fingerprint a tick a link, whatever the number of origins);
# records received twice stay under half of those received. Compared, not
# timed (bench/scale.sh measures).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scale.sh"

M=20
# Each node dials 4 (not the default 8): a node's links, and so its idle
# traffic, grow with K only until every node has as many as it dials and
# is dialled (about twice max_outbound); with 4, both federations are past
# that, and the comparison shows what K itself costs.
SCALE_MAX_OUTBOUND=4
sd_root
declare -A IDLE

run() { # run PREFIX K
	local n
	scale_up "$1" "$2" "$M"
	wait "${SCALE_IMPORTS[@]}"
	if scale_converged $(($2 * M)) 180; then ok; else
		fail "$2 nodes did not converge on $(($2 * M)) members"
		for n in "${SCALE_NODES[@]}"; do echo "$n: $(sdc "$n" status --json)" >&2; done
	fi
	sleep 3
	scale_idle 10
	IDLE[$2]=$SCALE_IDLE_BYTES
	echo "K=$2: idle $SCALE_IDLE_BYTES B/s a node (max $SCALE_IDLE_MAX), CPU $SCALE_IDLE_CPU cores in all; received twice: $(scale_dups)"
	read -r ratio _ < <(scale_dups)
	if python3 -c "import sys; sys.exit(0 if $ratio <= 0.5 else 1)"; then ok; else
		fail "K=$2: records received twice $ratio of those received"
	fi
	for n in "${SCALE_NODES[@]}"; do sd_stop "$n"; done
}
run a 12
run b 24
if python3 -c "import sys; sys.exit(0 if ${IDLE[24]} <= 1.2 * ${IDLE[12]} + 20 else 1)"; then ok; else
	fail "idle bytes a node grew from ${IDLE[12]} B/s at 12 nodes to ${IDLE[24]} at 24"
fi
finish
