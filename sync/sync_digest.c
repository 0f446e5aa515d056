/*
 * sync_digest: digests (what this node holds, one watermark per origin,
 * encoded from the hub's cache) and what a peer's digest makes this node
 * ask for (Wants, remembered while their answer is on its way; origins
 * fetched again from the start when a peer holds more of them at the
 * same watermark).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hex.h"
#include "sdlog.h"
#include "sync_int.h"

/* Wants one digest may cause; the rest waits for the next digest. */
#define SYNC_DIGEST_WANTS 256

/* Encodes the full digest into h->digest, unless the cache is unchanged
 * since the last time. */
static int
sync_digest_encode(struct sync_hub *h)
{
	Sd__Mark *v = NULL, **p = NULL;
	Sd__Digest d;
	Sd__PeerMsg m;
	size_t i, n = 0, len;
	uint8_t *buf;
	int rc = 0;

	if (h->digest != NULL && h->digest_gen == h->gen)
		return 0;
	if (h->n > 0 && ((v = calloc(h->n, sizeof(*v))) == NULL ||
	                    (p = calloc(h->n, sizeof(*p))) == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < h->n; i++) {
		const struct sync_entry *e = &h->v[i];
		if (e->w == 0)
			continue; /* dropped (a revoked origin) */
		sd__mark__init(&v[n]);
		v[n].origin.data = (uint8_t *)e->origin;
		v[n].origin.len = KEY_PUBLIC_BYTES;
		v[n].w = e->w;
		/* The root's entry says what is held, gaps or not; a node
		 * origin's how many of its records up to w are held. */
		v[n].has_held = 1;
		v[n].held = e->held;
		p[n] = &v[n];
		n++;
	}
	sd__digest__init(&d);
	d.marks = p;
	d.n_marks = n;
	sd__peer_msg__init(&m);
	m.version = SYNC_VERSION;
	m.m_case = SD__PEER_MSG__M_DIGEST;
	m.digest = &d;
	len = sd__peer_msg__get_packed_size(&m);
	if ((buf = malloc(len ? len : 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	sd__peer_msg__pack(&m, buf);
	free(h->digest);
	h->digest = buf;
	h->digest_len = len;
	h->digest_gen = h->gen;
out:
	free(v);
	free(p);
	return rc;
}

int
sync_digest_send(struct sync_session *s)
{
	int rc;

	if ((rc = sync_digest_encode(s->hub)) != 0)
		return rc;
	s->send(s->arg, s->hub->digest, s->hub->digest_len);
	return 0;
}

struct sync_want *
sync_want_find(struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES])
{
	size_t i;

	for (i = 0; i < s->nwants; i++)
		if (memcmp(s->wants[i].origin, origin, KEY_PUBLIC_BYTES) == 0)
			return &s->wants[i];
	return NULL;
}

void
sync_want_clear(struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES])
{
	struct sync_want *w = sync_want_find(s, origin);

	if (w != NULL)
		*w = s->wants[--s->nwants];
}

int
sync_want_send(
    struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES], uint64_t after)
{
	struct sync_want *w = sync_want_find(s, origin), *nv;
	Sd__PeerMsg m;
	Sd__Want want;
	int rc;

	sd__want__init(&want);
	want.origin.data = (uint8_t *)origin;
	want.origin.len = KEY_PUBLIC_BYTES;
	want.after = after;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_WANT;
	m.want = &want;
	if (w == NULL) {
		nv = realloc(s->wants, (s->nwants + 1) * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		s->wants = nv;
		w = &s->wants[s->nwants++];
		memcpy(w->origin, origin, KEY_PUBLIC_BYTES);
	}
	/* Its answer starts at after. */
	w->next = after;
	w->at_ms = sync_now(s->hub);
	if ((rc = sync_send(s, &m)) != 0)
		sync_want_clear(s, origin);
	return rc;
}

/* Whether origin may be fetched again from the start now (then it is
 * noted); 0 if it was within SYNC_REPAIR_MS on this session. */
static int
sync_repair_due(struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES])
{
	uint64_t now = sync_now(s->hub);
	struct sync_repair *nr;
	size_t i;

	for (i = 0; i < s->nrepairs; i++)
		if (memcmp(s->repairs[i].origin, origin, KEY_PUBLIC_BYTES) ==
		    0) {
			if (now - s->repairs[i].at_ms < SYNC_REPAIR_MS)
				return 0;
			s->repairs[i].at_ms = now;
			return 1;
		}
	nr = realloc(s->repairs, (s->nrepairs + 1) * sizeof(*nr));
	if (nr == NULL)
		return 0;
	s->repairs = nr;
	memcpy(s->repairs[s->nrepairs].origin, origin, KEY_PUBLIC_BYTES);
	s->repairs[s->nrepairs++].at_ms = now;
	return 1;
}

/* Whether the peer's mark mk shows records of its origin this node
 * lacks, given this node's entry e (NULL: none held): 1 with *after set
 * for the Want (this node's watermark; or 0 when the peer holds more
 * records at the same watermark, so this store lost some), or 0. */
static int
sync_behind(struct sync_session *s, const Sd__Mark *mk,
    const struct sync_entry *e, uint64_t *after)
{
	uint64_t mine = e != NULL ? e->w : 0;
	char o[HEX_SHORT + 1];

	*after = mine;
	if (mk->w > mine)
		return 1;
	if (mk->w < mine || !mk->has_held || mine == 0 ||
	    e->held >= mk->held || !sync_repair_due(s, mk->origin.data))
		return 0;
	hex_short(mk->origin.data, o);
	sync_log(s->hub, SDLOG_WARN,
	    "origin %.8s: a peer holds %llu records up to seq %llu, this "
	    "store %llu: records were lost here; fetching the origin again",
	    o, (unsigned long long)mk->held, (unsigned long long)mine,
	    (unsigned long long)e->held);
	*after = 0;
	return 1;
}

static int
sync_nop_cb(void *arg, const uint8_t *rec, size_t len)
{
	(void)arg;
	(void)rec;
	(void)len;
	return 0;
}

/* Replaces what this node knows the peer holds by its digest d. */
static int
sync_known_set(struct sync_session *s, const Sd__Digest *d)
{
	size_t i;

	for (i = 0; i < d->n_marks; i++)
		if (d->marks[i]->origin.len != KEY_PUBLIC_BYTES)
			return SD_EPROTO;
	s->nknown = 0;
	for (i = 0; i < d->n_marks; i++)
		sync_known_raise(s, d->marks[i]->origin.data, d->marks[i]->w);
	s->has_digest = 1;
	return 0;
}

int
sync_on_digest(struct sync_session *s, const Sd__Digest *d)
{
	struct sync_hub *h = s->hub;
	const struct sync_entry *root = sync_entry_find(h, h->ctx.root);
	struct sync_want *ws;
	uint64_t after = 0, own_w = 0, now = sync_now(h);
	size_t i, pass, wants = 0;
	int rc, lagging = 0;

	if ((rc = sync_known_set(s, d)) != 0)
		return rc;
	/* What the federation holds of our own records, before anything
	 * this node publishes from now on is numbered. */
	for (i = 0; i < d->n_marks; i++)
		if (sync_is_self(h, d->marks[i]->origin.data))
			own_w = d->marks[i]->w;
	if (h->ctx.seq_learn != NULL)
		h->ctx.seq_learn(h->ctx.arg, own_w);
	/* Root records first: certificates decide what else is accepted. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d->n_marks; i++) {
			const Sd__Mark *mk = d->marks[i];
			const struct sync_entry *e;
			int is_root = sync_is_root(h, mk->origin.data), own;
			if ((pass == 0) != is_root)
				continue;
			own = sync_is_self(h, mk->origin.data);
			e = sync_entry_find(h, mk->origin.data);
			/* The peer holds records of a node origin this node
			 * lacks: its lag in status (the root's set and our own
			 * origin left out, as there). */
			if (!is_root && !own && mk->w > (e ? e->w : 0))
				lagging = 1;
			/* Our own records: the peer may hold more of them
			 * than this store (restored from an older backup):
			 * publish after them and fetch them back. */
			if (own && !sync_behind(s, mk, e, &after))
				continue;
			/* Asked already; the answer is on its way. */
			ws = sync_want_find(s, mk->origin.data);
			if (ws != NULL && now - ws->at_ms < SYNC_WANT_TIMEOUT_MS)
				continue;
			if (is_root) {
				/* A set, not a watermark: ask for all of it
				 * when the peer holds more or newer. */
				if (root != NULL && mk->w <= root->w &&
				    !(mk->has_held && mk->held > root->held))
					continue;
				after = 0;
			} else if (!own) {
				int revoked = 0;
				if (!sync_behind(s, mk, e, &after))
					continue;
				/* Only origins whose certificate is held: their
				 * records could not be stored otherwise (and a
				 * peer cannot make us track made-up origins). */
				if (store_cert(h->ctx.st, mk->origin.data,
				        sync_nop_cb, NULL, &revoked) != 0 ||
				    revoked)
					continue;
			}
			if (wants == SYNC_DIGEST_WANTS)
				return 1; /* the rest at the next digest */
			if ((rc = sync_want_send(s, mk->origin.data, after)) != 0)
				return rc;
			wants++;
		}
	return lagging;
}
