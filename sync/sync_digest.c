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
 * those changed since gen `since`, gone ones (w 0) included (delta); for
 * a peer with SYNC_CAP_LATER (later) the whole hold, else (kw, kheld). */
static int
sync_marks_fill(const struct sync_hub *h, int later, int delta, uint64_t since,
    Sd__Mark **v, Sd__Mark ***p, size_t *n)
{
	size_t i;

	*v = NULL;
	*p = NULL;
	*n = 0;
	/* Nothing changed since: nothing to look at (an idle tick). */
	if (h->n == 0 || (delta && since == h->gen))
		return 0;
	if ((*v = calloc(h->n, sizeof(**v))) == NULL ||
	    (*p = calloc(h->n, sizeof(**p))) == NULL)
		return -ENOMEM;
	for (i = 0; i < h->n; i++) {
		const struct sync_entry *e = &h->v[i];
		Sd__Mark *mk = &(*v)[*n];
		uint64_t w = later ? e->w : e->kw;
		if (delta ? e->gen <= since : w == 0)
			continue;
		sd__mark__init(mk);
		mk->origin.data = (uint8_t *)e->origin;
		mk->origin.len = KEY_PUBLIC_BYTES;
		mk->w = w;
		/* The root's entry says what is held, gaps or not; a node
		 * origin's how many of its records up to w are held. */
		mk->has_held = 1;
		mk->held = later ? e->held : e->kheld;
		(*p)[(*n)++] = mk;
	}
	return 0;
}

/* Encodes the whole digest for peers without SYNC_CAP_DELTA into
 * h->digest (for peers with SYNC_CAP_LATER if later), unless the cache is
 * unchanged since the last time. */
static int
sync_digest_encode(struct sync_hub *h, int later)
{
	Sd__Mark *v, **p;
	Sd__Digest d;
	Sd__PeerMsg m;
	size_t n, len;
	uint8_t *buf;
	int rc;

	if (h->digest != NULL && h->digest_gen == h->gen &&
	    h->digest_later == later)
		return 0;
	if ((rc = sync_marks_fill(h, later, 0, 0, &v, &p, &n)) != 0)
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
	h->digest_later = later;
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
	int rc, whole = s->full_next, later = (s->caps & SYNC_CAP_LATER) != 0;

	if ((rc = sync_marks_fill(h, later, !whole, s->told_gen, &v, &p, &n)) !=
	    0)
		goto out;
	sd__digest__init(&d);
	d.marks = p;
	d.n_marks = n;
	d.has_delta = !whole;
	d.delta = !whole;
	d.has_fingerprint = 1;
	d.fingerprint = later ? h->fp : h->kfp;
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
	if ((rc = sync_digest_encode(
	         s->hub, (s->caps & SYNC_CAP_LATER) != 0)) != 0)
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

struct held_map {
	uint8_t *v;
	size_t len;
	uint64_t after;
};

static int
sync_held_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct held_map *hm = arg;
	Sd__SignedRecord *sr;
	uint64_t i;

	if ((sr = sd__signed_record__unpack(NULL, len, rec)) == NULL)
		return SD_ESTORE;
	i = sr->seq - hm->after - 1;
	sd__signed_record__free_unpacked(sr, NULL);
	if (i / 8 >= SYNC_HELD_MAX)
		return 1; /* the rest is sent whole */
	if (i / 8 >= hm->len) {
		size_t nlen = i / 8 + 1;
		uint8_t *nv = realloc(hm->v, nlen);
		if (nv == NULL)
			return -ENOMEM;
		memset(nv + hm->len, 0, nlen - hm->len);
		hm->v = nv;
		hm->len = nlen;
	}
	hm->v[i / 8] |= (uint8_t)(1u << (i % 8));
	return 0;
}

int
sync_want_send(struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t after)
{
	struct sync_want *w = sync_want_find(s, origin), *nv;
	struct held_map hm = { NULL, 0, after };
	Sd__PeerMsg m;
	Sd__Want want;
	int rc;

	sd__want__init(&want);
	want.origin.data = (uint8_t *)origin;
	want.origin.len = KEY_PUBLIC_BYTES;
	want.after = after;
	/* The root's set: what is held above after is not sent again. */
	if (sync_is_root(s->hub, origin)) {
		if ((rc = store_range(s->hub->ctx.st, origin, after, UINT64_MAX,
		         sync_held_cb, &hm)) < 0)
			goto out;
		want.has_held = hm.len > 0;
		want.held.data = hm.v;
		want.held.len = hm.len;
	}
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_WANT;
	m.want = &want;
	if (w == NULL) {
		nv = realloc(s->wants, (s->nwants + 1) * sizeof(*nv));
		if (nv == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		s->wants = nv;
		w = &s->wants[s->nwants++];
		memcpy(w->origin, origin, KEY_PUBLIC_BYTES);
	}
	/* Its answer starts at after. */
	w->next = after;
	w->at_ms = sync_now(s->hub);
	w->repair = !sync_is_root(s->hub, origin) &&
	    after < sync_hub_mark(s->hub, origin);
	if ((rc = sync_send(s, &m)) != 0)
		sync_want_clear(s, origin);
out:
	free(hm.v);
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
	uint64_t mine = e != NULL ? e->w : 0, cw = sync_mine_w(s, e),
	         held = sync_mine_held(s, e);
	char o[HEX_SHORT + 1];

	*after = mine;
	if (k->dw > mine)
		return 1;
	/* At the same watermark (over the kinds the peer keeps), it holds
	 * more. */
	if (k->dw != cw || !k->has_dheld || cw == 0 || held >= k->dheld ||
	    !sync_repair_due(s, k->origin))
		return 0;
	hex_short(k->origin, o);
	sync_log(s->hub, SDLOG_WARN,
	    "origin %.8s: a peer holds %llu records up to seq %llu, this "
	    "store %llu: records were lost here; fetching the origin again",
	    o, (unsigned long long)k->dheld, (unsigned long long)mine,
	    (unsigned long long)held);
	*after = 0;
	return 1;
}

/* Whether another session of the hub has a Want of origin in flight
 * that made progress lately: its answer will move the watermark; asking
 * twice would fetch the same records twice. (One that stalls, a slow
 * peer, no longer holds the others back.) */
static int
sync_want_elsewhere(struct sync_session *s, const uint8_t *origin)
{
	struct sync_session *o;
	uint64_t now = sync_now(s->hub);
	struct sync_want *w;

	for (o = s->hub->sessions; o != NULL; o = o->next)
		if (o != s && (w = sync_want_find(o, origin)) != NULL &&
		    now - w->at_ms < SYNC_WANT_ELSEWHERE_MS)
			return 1;
	return 0;
}

/*
 * Whether another peer is expected to push origin's records here at once
 * (SYNC_CAP_LAZY): the origin's own node, unless asked not to, or the
 * peer this node asked to push them. A note (a digest) of a change from
 * a third peer then waits a little for the push rather than fetch the
 * same records twice.
 */
static int
sync_push_expected(struct sync_session *s, const uint8_t *origin)
{
	struct sync_session *o;
	const struct sync_mark *k;

	for (o = s->hub->sessions; o != NULL; o = o->next) {
		if (o == s || !o->certified || !(o->caps & SYNC_CAP_LAZY))
			continue;
		k = sync_known(o, origin);
		if (memcmp(o->peer, origin, KEY_PUBLIC_BYTES) == 0
		        ? k == NULL || k->asked >= 0
		        : k != NULL && k->asked > 0)
			return 1;
	}
	return 0;
}

/* One mark of a digest into k, keeping the fingerprint. */
static void
sync_mark_take(struct sync_session *s, struct sync_mark *k, const Sd__Mark *mk)
{
	if (k->dw > 0)
		s->pfp ^= sync_fp(k->origin, k->dw, k->dheld);
	if (mk->w > k->dw)
		k->dw_at = sync_now(s->hub);
	k->w = k->dw = mk->w;
	k->has_dheld = mk->has_held;
	k->dheld = mk->has_held ? mk->held : 0;
	if (k->dw > 0)
		s->pfp ^= sync_fp(k->origin, k->dw, k->dheld);
}

static int
sync_mark_cmp(const void *a, const void *b)
{
	const Sd__Mark *const *x = a, *const *y = b;

	return memcmp((*x)->origin.data, (*y)->origin.data, KEY_PUBLIC_BYTES);
}

/*
 * Takes the marks of d into the peer's vector (replacing it unless d is
 * a delta), keeping its fingerprint. Many marks are sorted and merged
 * with the vector in one pass (a peer's order is not trusted: inserting
 * marks in random order one by one would cost the square of their
 * number). A whole digest drops the origins it does not name (but what
 * the peer asked by Mode). The vector is bounded (SYNC_KNOWN_MAX).
 */
static int
sync_digest_take(struct sync_session *s, const Sd__Digest *d)
{
	int whole = !(d->has_delta && d->delta), rc = 0;
	const Sd__Mark **v = NULL;
	struct sync_mark *out = NULL, *k;
	size_t i, j, n = 0, m = d->n_marks, cap = s->nknown + m + 1;

	if (m > SYNC_KNOWN_MAX)
		return SD_EPROTO;
	for (i = 0; i < m; i++)
		if (d->marks[i]->origin.len != KEY_PUBLIC_BYTES)
			return SD_EPROTO;
	if (!whole && m <= 16) {
		for (i = 0; i < m; i++) {
			if (sync_known(s, d->marks[i]->origin.data) == NULL &&
			    s->nknown >= SYNC_KNOWN_MAX)
				return SD_EPROTO;
			k = sync_known_get(s, d->marks[i]->origin.data);
			if (k == NULL)
				return -ENOMEM;
			sync_mark_take(s, k, d->marks[i]);
		}
		goto done;
	}
	if ((v = malloc((m ? m : 1) * sizeof(*v))) == NULL ||
	    (out = calloc(cap, sizeof(*out))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(v, d->marks, m * sizeof(*v));
	qsort(v, m, sizeof(*v), sync_mark_cmp);
	for (i = 1; i < m; i++)
		if (sync_mark_cmp(&v[i - 1], &v[i]) == 0) {
			rc = SD_EPROTO; /* an origin named twice */
			goto out;
		}
	if (whole)
		s->pfp = 0;
	for (i = 0, j = 0; i < s->nknown || j < m;) {
		int c = 1;
		if (j == m)
			c = -1;
		else if (i < s->nknown)
			c = memcmp(s->known[i].origin, v[j]->origin.data,
			    KEY_PUBLIC_BYTES);
		if (c <= 0) {
			k = &out[n];
			*k = s->known[i++];
			if (whole) {
				k->w = k->dw = k->dheld = 0;
				k->has_dheld = 0;
			}
			if (c < 0 && whole && k->mode == 0 && k->asked == 0)
				continue; /* no longer in the peer's vector */
		} else {
			k = &out[n];
			memset(k, 0, sizeof(*k));
			memcpy(k->origin, v[j]->origin.data, KEY_PUBLIC_BYTES);
		}
		if (c >= 0)
			sync_mark_take(s, k, v[j++]);
		n++;
	}
	if (n > SYNC_KNOWN_MAX) {
		rc = SD_EPROTO;
		goto out;
	}
	free(s->known);
	s->known = out;
	s->nknown = n;
	s->capknown = cap;
	out = NULL;
	/* Those dropped no longer count. */
	s->nbehind = s->nlag = 0;
	for (i = 0; i < s->nknown; i++) {
		s->nbehind += (size_t)s->known[i].behind;
		s->nlag += (size_t)s->known[i].lag;
	}
done:
	s->has_digest = 1;
out:
	free(v);
	free(out);
	return rc;
}

/* Wants for one entry of the peer's vector; 1 if it shows records of a
 * node origin this node lacks. *wants counts the Wants sent. */
static int
sync_wants_for(struct sync_session *s, struct sync_mark *k,
    struct sync_entry *e, int is_root, size_t *wants)
{
	struct sync_hub *h = s->hub;
	struct sync_want *ws;
	uint64_t after = 0, mine = e != NULL ? e->w : 0;
	/* What the peer's (dw, dheld) compare with: a peer without
	 * SYNC_CAP_LATER keeps only the kinds of 0.1.0. */
	uint64_t cw = sync_mine_w(s, e), held = sync_mine_held(s, e);
	int own = sync_is_self(h, k->origin), lagging, behind, rc;

	/* The peer holds more of the origin: above this node's watermark,
	 * or more records at the same one (lost here; for the root's set,
	 * records in gaps). */
	behind = k->dw > mine ||
	    (k->dw == cw && k->dw > 0 && k->has_dheld && k->dheld > held);
	/* Only origins whose certificate is in force: their records could
	 * not be stored otherwise, and a peer cannot make this node track
	 * made-up origins (looked at again when the root set changes). */
	k->behind = k->lag = 0;
	if (behind && !is_root && !own &&
	    (rc = sync_cert_in_force(h, e, k->origin)) <= 0)
		return rc;
	k->behind = behind;
	/* Records of a node origin this node lacks: its lag in status (the
	 * root's set and our own origin left out, as there). */
	k->lag = lagging = !is_root && !own && k->dw > mine;
	if (!k->behind)
		return 0;
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
		/* A set, not a watermark: ask when the peer holds newer
		 * records (those above this store's root watermark) or more
		 * (all of it: the difference lies in gaps below). */
		after = 0;
		if (k->dw > mine &&
		    (rc = store_mark(h->ctx.st, k->origin, &after)) != 0)
			return rc;
	} else if (!own) {
		if (!sync_behind(s, k, e, &after))
			return lagging;
		/* A push of it is on its way, most likely: look again
		 * after a moment (sync_hub_poll). */
		if (after > 0 && sync_now(h) - k->dw_at < SYNC_PUSH_WAIT_MS &&
		    sync_push_expected(s, k->origin)) {
			uint64_t at = k->dw_at + SYNC_PUSH_WAIT_MS;
			if (s->recheck_at == 0 || at < s->recheck_at)
				s->recheck_at = at;
			return lagging;
		}
	}
	if (*wants == SYNC_DIGEST_WANTS) {
		s->look_behind = 1; /* the rest at the next look */
		return lagging;
	}
	if ((rc = sync_want_send(s, k->origin, after)) != 0)
		return rc;
	(*wants)++;
	return lagging;
}

/* Looks at one entry of the peer's vector; keeps the counts. */
static int
sync_eval(struct sync_session *s, struct sync_mark *k, struct sync_entry *e,
    size_t *wants)
{
	int was_behind = k->behind, was_lag = k->lag, rc;

	rc = sync_wants_for(s, k, e, sync_is_root(s->hub, k->origin), wants);
	/* The flags were set before any error: the counts follow them. */
	s->nbehind += (size_t)k->behind - (size_t)was_behind;
	s->nlag += (size_t)k->lag - (size_t)was_lag;
	return rc < 0 ? rc : 0;
}

/* The entry of origin in the peer's vector, looked at, if there is one. */
static int
sync_eval_origin(struct sync_session *s, const uint8_t *origin, size_t *wants)
{
	struct sync_mark *k = sync_known(s, origin);

	if (k == NULL)
		return 0;
	return sync_eval(s, k, sync_entry_find(s->hub, origin), wants);
}

/* Every entry, the peer's vector and this node's cache side by side
 * (both in origin order); the root's first. */
static int
sync_eval_all(struct sync_session *s, size_t *wants)
{
	struct sync_hub *h = s->hub;
	size_t i, j;
	int rc;

	if ((rc = sync_eval_origin(s, h->ctx.root, wants)) < 0)
		return rc;
	for (i = 0, j = 0; i < s->nknown; i++) {
		struct sync_mark *k = &s->known[i];
		struct sync_entry *e = NULL;
		int c = 1;
		while (j < h->n &&
		    (c = memcmp(h->v[j].origin, k->origin, KEY_PUBLIC_BYTES)) <
		        0)
			j++;
		if (j < h->n && c == 0)
			e = &h->v[j];
		if (!sync_is_root(h, k->origin) &&
		    (rc = sync_eval(s, k, e, wants)) < 0)
			return rc;
	}
	return 0;
}

int
sync_wants_pass(struct sync_session *s, const Sd__Digest *d)
{
	struct sync_hub *h = s->hub;
	uint64_t first, c, now = sync_now(h);
	size_t i, wants = 0;
	int rc = 0, due;

	/* The origins behind, unchanged since the last look, are looked at
	 * again only when one of them may be asked now: a time it waited
	 * for has come, or Wants were left for later. Those that changed
	 * here or in d are looked at below in any case. (At 1 000 nodes a
	 * session may have hundreds behind and a look every message.) */
	due = !s->passed || s->look_behind ||
	    (s->recheck_at != 0 && now >= s->recheck_at);
	s->look_behind = 0;
	if (due)
		s->recheck_at = 0;
	first = h->nring > SYNC_RING ? h->nring - SYNC_RING : 0;
	/* A first look, a whole digest, new certificates (origins skipped
	 * for want of one may be asked now), or more changes than kept:
	 * everything. Else what changed here, in d, and what was behind. */
	if (!s->passed || (d != NULL && !(d->has_delta && d->delta)) ||
	    h->root_gen > s->pass_gen ||
	    (h->nring > 0 &&
	        h->ring[first % SYNC_RING].gen > s->pass_gen + 1)) {
		rc = sync_eval_all(s, &wants);
	} else {
		if ((rc = sync_eval_origin(s, h->ctx.root, &wants)) < 0)
			goto out;
		for (i = 0; due && s->nbehind > 0 && i < s->nknown; i++)
			if (s->known[i].behind &&
			    (rc = sync_eval(s, &s->known[i],
			         sync_entry_find(h, s->known[i].origin),
			         &wants)) < 0)
				goto out;
		for (i = 0; d != NULL && i < d->n_marks; i++)
			if ((rc = sync_eval_origin(
			         s, d->marks[i]->origin.data, &wants)) < 0)
				goto out;
		for (c = first; c < h->nring; c++)
			if (h->ring[c % SYNC_RING].gen > s->pass_gen &&
			    (rc = sync_eval_origin(
			         s, h->ring[c % SYNC_RING].origin, &wants)) < 0)
				goto out;
	}
out:
	if (rc < 0)
		return rc;
	s->passed = 1;
	s->pass_gen = h->gen;
	/* Behind and not all asked (in flight, a repair not due yet): look
	 * again in a second whatever happens. */
	if (s->nbehind > 0 && s->recheck_at == 0)
		s->recheck_at = now + 1000;
	return s->nlag > 0;
}

int
sync_on_digest(struct sync_session *s, const Sd__Digest *d)
{
	struct sync_hub *h = s->hub;
	const struct sync_mark *k;
	int rc;

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
	k = sync_known(s, h->ctx.self);
	if (h->ctx.seq_learn != NULL &&
	    (!s->self_told || (k != NULL ? k->dw : 0) != s->self_w)) {
		/* Only when it changed: the node takes its write lock. */
		s->self_told = 1;
		s->self_w = k != NULL ? k->dw : 0;
		h->ctx.seq_learn(h->ctx.arg, s->self_w);
	}
	/* Only what changed on either side, and what was behind. */
	if (d->has_delta && d->delta && d->n_marks == 0 &&
	    s->pass_gen == h->gen &&
	    (s->recheck_at == 0 || sync_now(h) < s->recheck_at))
		return s->nlag > 0;
	return sync_wants_pass(s, d);
}
