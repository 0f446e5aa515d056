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

/* Fills m's marks from the cache: every origin with w > 0 (whole), or
 * those changed since gen `since`, gone ones (w 0) included (delta). */
static int
sync_marks_fill(const struct sync_hub *h, int delta, uint64_t since,
    Sd__Mark **v, Sd__Mark ***p, size_t *n)
{
	size_t i;

	*v = NULL;
	*p = NULL;
	*n = 0;
	if (h->n == 0)
		return 0;
	if ((*v = calloc(h->n, sizeof(**v))) == NULL ||
	    (*p = calloc(h->n, sizeof(**p))) == NULL)
		return -ENOMEM;
	for (i = 0; i < h->n; i++) {
		const struct sync_entry *e = &h->v[i];
		Sd__Mark *mk = &(*v)[*n];
		if (delta ? e->gen <= since : e->w == 0)
			continue;
		sd__mark__init(mk);
		mk->origin.data = (uint8_t *)e->origin;
		mk->origin.len = KEY_PUBLIC_BYTES;
		mk->w = e->w;
		/* The root's entry says what is held, gaps or not; a node
		 * origin's how many of its records up to w are held. */
		mk->has_held = 1;
		mk->held = e->held;
		(*p)[(*n)++] = mk;
	}
	return 0;
}

/* Encodes the whole digest for peers without SYNC_CAP_DELTA into
 * h->digest, unless the cache is unchanged since the last time. */
static int
sync_digest_encode(struct sync_hub *h)
{
	Sd__Mark *v, **p;
	Sd__Digest d;
	Sd__PeerMsg m;
	size_t n, len;
	uint8_t *buf;
	int rc;

	if (h->digest != NULL && h->digest_gen == h->gen)
		return 0;
	if ((rc = sync_marks_fill(h, 0, 0, &v, &p, &n)) != 0)
		goto out;
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

/* A digest for a peer with SYNC_CAP_DELTA: what changed since the last
 * one (all, the first time or when asked), and the fingerprint; when
 * nothing changed, just the fingerprint (a dozen bytes). */
static int
sync_digest_delta(struct sync_session *s)
{
	struct sync_hub *h = s->hub;
	Sd__Mark *v, **p;
	Sd__Digest d;
	Sd__PeerMsg m;
	size_t n;
	int rc, whole = s->full_next;

	if ((rc = sync_marks_fill(h, !whole, s->told_gen, &v, &p, &n)) != 0)
		goto out;
	sd__digest__init(&d);
	d.marks = p;
	d.n_marks = n;
	d.has_delta = !whole;
	d.delta = !whole;
	d.has_fingerprint = 1;
	d.fingerprint = h->fp;
	d.has_resend = d.resend = s->ask_resend;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_DIGEST;
	m.digest = &d;
	if ((rc = sync_send(s, &m)) == 0) {
		s->told_gen = h->gen;
		s->full_next = 0;
		s->ask_resend = 0;
	}
out:
	free(v);
	free(p);
	return rc;
}

int
sync_digest_send(struct sync_session *s)
{
	int rc;

	if (s->caps & SYNC_CAP_DELTA)
		return sync_digest_delta(s);
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
sync_want_send(struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t after)
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

/* Whether the peer's entry k shows records of its origin this node
 * lacks, given this node's entry e (NULL: none held): 1 with *after set
 * for the Want (this node's watermark; or 0 when the peer holds more
 * records at the same watermark, so this store lost some), or 0. */
static int
sync_behind(struct sync_session *s, const struct sync_mark *k,
    const struct sync_entry *e, uint64_t *after)
{
	uint64_t mine = e != NULL ? e->w : 0;
	char o[HEX_SHORT + 1];

	*after = mine;
	if (k->dw > mine)
		return 1;
	if (k->dw < mine || !k->has_dheld || mine == 0 || e->held >= k->dheld ||
	    !sync_repair_due(s, k->origin))
		return 0;
	hex_short(k->origin, o);
	sync_log(s->hub, SDLOG_WARN,
	    "origin %.8s: a peer holds %llu records up to seq %llu, this "
	    "store %llu: records were lost here; fetching the origin again",
	    o, (unsigned long long)k->dheld, (unsigned long long)mine,
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

/* Whether another session of the hub has a Want of origin in flight:
 * its answer will move the watermark; asking twice would fetch the same
 * records twice. */
static int
sync_want_elsewhere(struct sync_session *s, const uint8_t *origin)
{
	struct sync_session *o;
	uint64_t now = sync_now(s->hub);
	struct sync_want *w;

	for (o = s->hub->sessions; o != NULL; o = o->next)
		if (o != s && (w = sync_want_find(o, origin)) != NULL &&
		    now - w->at_ms < SYNC_WANT_TIMEOUT_MS)
			return 1;
	return 0;
}

/* Takes the marks of d into the peer's vector (replacing it unless d is
 * a delta), keeping its fingerprint. */
static int
sync_digest_take(struct sync_session *s, const Sd__Digest *d)
{
	struct sync_mark *k;
	size_t i;

	for (i = 0; i < d->n_marks; i++)
		if (d->marks[i]->origin.len != KEY_PUBLIC_BYTES)
			return SD_EPROTO;
	if (!(d->has_delta && d->delta)) {
		for (i = 0; i < s->nknown; i++) {
			k = &s->known[i];
			k->w = k->dw = k->dheld = 0;
			k->has_dheld = 0;
		}
		s->pfp = 0;
	}
	for (i = 0; i < d->n_marks; i++) {
		const Sd__Mark *mk = d->marks[i];
		if ((k = sync_known_get(s, mk->origin.data)) == NULL)
			return -ENOMEM;
		if (k->dw > 0)
			s->pfp ^= sync_fp(k->origin, k->dw, k->dheld);
		k->w = k->dw = mk->w;
		k->has_dheld = mk->has_held;
		k->dheld = mk->has_held ? mk->held : 0;
		if (k->dw > 0)
			s->pfp ^= sync_fp(k->origin, k->dw, k->dheld);
	}
	s->has_digest = 1;
	return 0;
}

/* Wants for one entry of the peer's vector; 1 if it shows records of a
 * node origin this node lacks. *wants counts the Wants sent. */
static int
sync_wants_for(struct sync_session *s, const struct sync_mark *k, size_t *wants)
{
	struct sync_hub *h = s->hub;
	const struct sync_entry *e = sync_entry_find(h, k->origin);
	struct sync_want *ws;
	uint64_t after = 0;
	int is_root = sync_is_root(h, k->origin);
	int own = sync_is_self(h, k->origin), lagging, rc;

	/* The peer holds records of a node origin this node lacks: its lag
	 * in status (the root's set and our own origin left out, as
	 * there). */
	lagging = !is_root && !own && k->dw > (e != NULL ? e->w : 0);
	/* Our own records: the peer may hold more of them than this store
	 * (restored from an older backup): publish after them and fetch
	 * them back. */
	if (own && !sync_behind(s, k, e, &after))
		return lagging;
	/* Asked already, here or on another connection: the answer is on
	 * its way. */
	ws = sync_want_find(s, k->origin);
	if ((ws != NULL && sync_now(h) - ws->at_ms < SYNC_WANT_TIMEOUT_MS) ||
	    sync_want_elsewhere(s, k->origin))
		return lagging;
	if (is_root) {
		/* A set, not a watermark: ask for all of it when the peer
		 * holds more or newer. */
		if (k->dw == 0 ||
		    (e != NULL && k->dw <= e->w &&
		        !(k->has_dheld && k->dheld > e->held)))
			return lagging;
		after = 0;
	} else if (!own) {
		int revoked = 0;
		if (!sync_behind(s, k, e, &after))
			return lagging;
		/* Only origins whose certificate is held: their records could
		 * not be stored otherwise (and a peer cannot make us track
		 * made-up origins). */
		if (store_cert(h->ctx.st, k->origin, sync_nop_cb, NULL,
		        &revoked) != 0 ||
		    revoked)
			return lagging;
	}
	if (*wants == SYNC_DIGEST_WANTS)
		return 1; /* the rest at the next digest */
	if ((rc = sync_want_send(s, k->origin, after)) != 0)
		return rc;
	(*wants)++;
	return lagging;
}

int
sync_on_digest(struct sync_session *s, const Sd__Digest *d)
{
	struct sync_hub *h = s->hub;
	const struct sync_mark *k;
	size_t i, pass, wants = 0;
	int rc, lagging = 0;

	if ((rc = sync_digest_take(s, d)) != 0)
		return rc;
	if (s->caps & SYNC_CAP_DELTA) {
		/* Drift (a bug, a lost message): both sides start again from
		 * whole digests. */
		if (d->has_resend && d->resend)
			s->full_next = 1;
		if (d->has_fingerprint && d->fingerprint != s->pfp)
			s->ask_resend = 1;
		if ((s->full_next || s->ask_resend) &&
		    (rc = sync_digest_send(s)) != 0)
			return rc;
	}
	/* What the federation holds of our own records, before anything
	 * this node publishes from now on is numbered. */
	if (h->ctx.seq_learn != NULL)
		h->ctx.seq_learn(h->ctx.arg,
		    (k = sync_known(s, h->ctx.self)) != NULL ? k->dw : 0);
	/* Root records first: certificates decide what else is accepted.
	 * The whole vector, not only what this digest changed: a Want
	 * skipped earlier (no certificate yet, asked elsewhere) is asked
	 * now. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < s->nknown; i++) {
			k = &s->known[i];
			if ((pass == 0) != sync_is_root(h, k->origin))
				continue;
			if ((rc = sync_wants_for(s, k, &wants)) < 0)
				return rc;
			lagging |= rc;
		}
	return lagging;
}
