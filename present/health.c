#include "health.h"

#include <string.h>

#include "key.h"
#include "record.h"

void
health_view(const Sd__Status *s, struct health_view *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < s->n_peers; i++) {
		const Sd__PeerInfo *pi = s->peers[i];
		if (pi->has_synced_ms && pi->synced_ms > v->last_sync_ms)
			v->last_sync_ms = pi->synced_ms;
		if (strcmp(pi->state, "certified") != 0) {
			if (strcmp(pi->state, "down") == 0)
				v->down++;
			else if (strcmp(pi->state, "retired") != 0)
				v->other++;
			continue;
		}
		v->certified++;
		if (!pi->has_lag) {
			v->unknown++;
		} else if (v->behind == NULL || pi->lag > v->lag) {
			v->lag = pi->lag;
			v->behind = pi->address;
		}
	}
}

int
health_in_sync(const struct health_view *v)
{
	return v->certified > 0 && v->unknown == 0 && v->lag == 0;
}

int
health_certified(const struct codes *codes, const Sd__Status *s)
{
	struct record r = { 0 };
	char err[256];
	uint64_t now = record_now_ms();
	int ok = 0;

	if (s->has_cert && codes != NULL &&
	    record_open(codes, s->cert.data, s->cert.len, now, &r, err,
	        sizeof(err)) == 0 &&
	    r.body->kind_case == SD__RECORD_BODY__KIND_NODE_CERT)
		ok = r.body->node_cert->not_after_ms >= now;
	record_close(&r);
	return ok;
}

/* o[name] = an unsigned count; 0 or -1 (out of memory). */
static int
health_set_u64(json_t *o, const char *name, uint64_t v)
{
	return json_object_set_new(o, name, json_integer((json_int_t)v));
}

json_t *
health_status_json(const struct codes *codes, const Sd__Status *s)
{
	struct health_view v;
	json_t *o = json_object(), *rej = json_object();
	char hex[65];
	size_t i;
	int bad = o == NULL || rej == NULL;

	health_view(s, &v);
	if (s->node_key.len == 32)
		key_public_hex(s->node_key.data, hex);
	else
		hex[0] = '\0';
	bad |= json_object_set_new(o, "node_key", json_string(hex));
	/* The daemon's release and sync protocol (null from a daemon before
	 * 0.2.0). */
	bad |= json_object_set_new(o, "version",
	    s->version != NULL ? json_string(s->version) : json_null());
	bad |= json_object_set_new(o, "sync_protocol",
	    s->has_sync_protocol ? json_integer((json_int_t)s->sync_protocol)
	                         : json_null());
	bad |= health_set_u64(o, "own_seq", s->own_seq);
	bad |= health_set_u64(o, "members", s->members);
	bad |= health_set_u64(o, "own_members", s->own_members);
	bad |= health_set_u64(o, "records", s->records);
	bad |= json_object_set_new(
	    o, "certified", json_boolean(health_certified(codes, s)));
	bad |= health_set_u64(o, "peers_certified", v.certified);
	bad |= health_set_u64(o, "peers_down", v.down);
	bad |= health_set_u64(o, "lag", v.lag);
	bad |=
	    json_object_set_new(o, "in_sync", json_boolean(health_in_sync(&v)));
	bad |= json_object_set_new(o, "last_sync_ms",
	    v.last_sync_ms ? json_integer((json_int_t)v.last_sync_ms)
	                   : json_null());
	for (i = 0; rej != NULL && i < s->n_rejected; i++)
		bad |= health_set_u64(
		    rej, s->rejected[i]->reason, s->rejected[i]->count);
	bad |= json_object_set_new(o, "rejected", rej);
	if (s->last_rejected_reason != NULL && s->has_last_rejected_peer &&
	    s->last_rejected_peer.len == 32) {
		json_t *l = json_object();
		key_public_hex(s->last_rejected_peer.data, hex);
		bad |= l == NULL;
		bad |= json_object_set_new(
		    l, "reason", json_string(s->last_rejected_reason));
		bad |= json_object_set_new(l, "peer", json_string(hex));
		bad |= health_set_u64(l, "at_ms", s->last_rejected_ms);
		bad |= json_object_set_new(o, "last_rejected", l);
	}
	bad |= health_set_u64(o, "handshakes_failed", s->handshakes_failed);
	bad |= health_set_u64(o, "handshakes_shed", s->handshakes_shed);
	bad |= health_set_u64(o, "records_received", s->records_received);
	bad |= health_set_u64(o, "records_duplicate", s->records_duplicate);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

const char *
health_digests(const Sd__PeerInfo *pi)
{
	if (!pi->has_caps || strcmp(pi->state, "certified") != 0)
		return "-";
	/* SYNC_CAP_DELTA (sync/sync.h): what changed, with a fingerprint. */
	return pi->caps & 1 ? "delta" : "whole";
}

json_t *
health_origins_json(const Sd__Status *s)
{
	json_t *o = json_object(), *a = json_array(), *m;
	char hex[65];
	size_t i;
	int bad = o == NULL || a == NULL;

	for (i = 0; !bad && i < s->n_origins; i++) {
		const Sd__OriginMark *om = s->origins[i];
		if (om->origin.len != 32)
			continue;
		key_public_hex(om->origin.data, hex);
		bad |= (m = json_object()) == NULL;
		bad |= json_object_set_new(m, "origin", json_string(hex));
		bad |= health_set_u64(m, "w", om->w);
		bad |= json_object_set_new(m, "self",
		    json_boolean(s->node_key.len == 32 &&
		        memcmp(om->origin.data, s->node_key.data, 32) == 0));
		bad |= json_array_append_new(a, m);
	}
	bad |= json_object_set_new(o, "origins", a);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
health_peer_json(const Sd__PeerInfo *pi)
{
	json_t *o = json_object();
	char hex[65] = "";
	int bad = o == NULL;

	if (pi->has_key && pi->key.len == 32)
		key_public_hex(pi->key.data, hex);
	bad |= json_object_set_new(o, "key", json_string(hex));
	bad |= json_object_set_new(o, "address", json_string(pi->address));
	bad |= json_object_set_new(o, "outbound", json_boolean(pi->outbound));
	bad |= json_object_set_new(o, "learned", json_boolean(pi->learned));
	bad |= json_object_set_new(o, "state", json_string(pi->state));
	bad |= health_set_u64(o, "idle_ms", pi->idle_ms);
	bad |= json_object_set_new(o, "lag",
	    pi->has_lag ? json_integer((json_int_t)pi->lag) : json_null());
	bad |= json_object_set_new(o, "peer_lag",
	    pi->has_peer_lag ? json_integer((json_int_t)pi->peer_lag)
	                     : json_null());
	bad |= json_object_set_new(o, "synced_ms",
	    pi->has_synced_ms ? json_integer((json_int_t)pi->synced_ms)
	                      : json_null());
	bad |= health_set_u64(o, "records_in", pi->records_in);
	bad |= health_set_u64(o, "records_out", pi->records_out);
	bad |= health_set_u64(o, "bytes_in", pi->bytes_in);
	bad |= health_set_u64(o, "bytes_out", pi->bytes_out);
	bad |= json_object_set_new(o, "digests",
	    strcmp(health_digests(pi), "-") != 0
	        ? json_string(health_digests(pi))
	        : json_null());
	bad |= health_set_u64(o, "records_dup", pi->records_dup);
	bad |= json_object_set_new(o, "software",
	    pi->software != NULL ? json_string(pi->software) : json_null());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
