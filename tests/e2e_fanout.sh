#!/usr/bin/env bash
# Bounded fan-out: a node keeps at most max_inbound certified inbound
# peers. One more is served a grace (long enough to receive the root's
# records, so every node's certificate and address), then told goodbye;
# the node that joined through it rests before dialling it again, finds
# another peer with room in those certificates and dials it. Here f keeps
# one; e and g both know only f; whichever f turns away connects to the
# other, and all three converge.
source "$(dirname "$0")/lib.sh"

sd_root
PF=$(free_port)
PE=$(free_port)
PG=$(free_port)
SD_MAX_OUTBOUND=8
sd_node f
sd_net f "$PF"
echo "max_inbound = 1" >> "$T/f/stardust.conf"
sd_node e
sd_net e "$PE" "$PF"
sd_node g
sd_net g "$PG" "$PF"
for n in f e g; do sd_start "$n"; done
sd_admit f --countries EE --address "127.0.0.1:$PF"
sd_admit e --countries LV --address "127.0.0.1:$PE"
sd_admit g --countries LT --address "127.0.0.1:$PG"
sdc e member add --name "Joiner East SIA" --kind sme --country LV >/dev/null
sdc g member add --name "Joiner West UAB" --kind sme --country LT >/dev/null
sdc f member add --name "Full Hub OU" --kind sme --country EE >/dev/null

# The one f turns away is told so in f's log, and connects to the other
# at the address in its certificate.
direct=no
deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ]; do
	if sdc e peers --json | grep -q "\"address\":\"127.0.0.1:$PG\",\"outbound\":true,\"learned\":true,\"state\":\"certified\"" ||
		sdc g peers --json | grep -q "\"address\":\"127.0.0.1:$PE\",\"outbound\":true,\"learned\":true,\"state\":\"certified\""; then
		direct=yes
		break
	fi
	sleep 0.2
done
expect_eq "e and g connect directly" "$direct" yes
expect_contains "f says it is full" "$(cat "$T/f.log")" "inbound peers full (max_inbound 1)"
if wait_converged 60 e f g; then ok; else fail "e, f and g did not converge"; fi
expect_eq "every node holds every member" "$(members g)" 3

# The node f turned away said goodbye and rests a minute before it dials
# f again (its other peer serves it meanwhile): from the close on, f
# holds one certified inbound peer.
closed=no
for i in $(seq 1 100); do
	grep -q "closed: inbound peers full (max_inbound)" "$T/f.log" && { closed=yes; break; }
	sleep 0.2
done
expect_eq "f closed the one over its cap" "$closed" yes
over=0
for i in $(seq 1 20); do
	c=$(sdc f peers --json | grep -c '"outbound":false,"learned":false,"state":"certified"' || true)
	[ "$c" -gt 1 ] && over=$((over + 1))
	sleep 0.5
done
expect_eq "samples in 10 s with more than one certified inbound peer at f" "$over" 0
expect_contains "the turned-away node was told" "$(cat "$T/e.log" "$T/g.log")" "peer said goodbye"

finish
