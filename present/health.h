/*
 * health: what a node's Status says about its health, for people and
 * programs: the same picture in `stardust status`, `stardust peers`, the
 * HTTP API and the web page. Pure functions of a decoded Status.
 */
#ifndef SD_HEALTH_H
#define SD_HEALTH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "control.pb-c.h"

/* How the node stands with its peers, summed from a Status. */
struct health_view {
	size_t certified, down, other;
	uint64_t lag; /* the largest lag behind one certified peer */
	size_t unknown; /* certified peers that sent no digest yet */
	const char *behind; /* address of the peer with that lag */
	uint64_t last_sync_ms; /* latest synced_ms of a connection, 0: none */
};

/* health_view(s, v): sum s's peers into v. */
void health_view(const Sd__Status *s, struct health_view *v);

/* health_in_sync(v): at least one certified peer, each has sent a digest
 * and none holds anything this node lacks. */
int health_in_sync(const struct health_view *v);

/* health_certified(codes, s): 1 if s carries this node's certificate and
 * it is in force now (opened with codes), else 0. */
int health_certified(const struct codes *codes, const Sd__Status *s);

/* health_status_json(codes, s): a new object (caller decrefs; NULL when
 * out of memory) with node_key, own_seq, members, own_members, records,
 * certified, peers_certified, peers_down, lag, in_sync, last_sync_ms
 * (null before the first), rejected (by reason), last_rejected (once
 * there is one), handshakes_failed and handshakes_shed
 * (docs/FORMATS.md). */
json_t *health_status_json(const struct codes *codes, const Sd__Status *s);

/* health_digests(pi): how digests go to a certified peer: "delta" (what
 * changed, with a fingerprint), "whole" (a node of an earlier release),
 * or "-" (not certified). Static. */
const char *health_digests(const Sd__PeerInfo *pi);

/* health_origins_json(s): {"origins": [{"origin", "w", "self"}...]}
 * for every watermark in s (caller decrefs; NULL when out of memory). */
json_t *health_origins_json(const Sd__Status *s);

/* health_peer_json(pi): a new object for one peer connection: key (""
 * before it authenticated), address, outbound, learned, state, idle_ms,
 * lag, peer_lag (null before its first digest), synced_ms (null before
 * the first time in sync), records_in, records_out, bytes_in,
 * bytes_out. */
json_t *health_peer_json(const Sd__PeerInfo *pi);

#endif
