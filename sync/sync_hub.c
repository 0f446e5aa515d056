/*
 * sync_hub: one node's side of the federation: the context, the cache
 * of this node's watermarks (read from the store once, refreshed per
 * origin after each write), what peers were told (replay detection),
 * the sessions, and announcing a moved watermark to them.
 */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sdlog.h"
#include "sync_int.h"

const char *
sync_reject_name(int reason)
{
	static const char *names[SYNC_REJ_COUNT] = { "signature", "scope",
		"equivocation", "malformed", "version", "replay" };

	return reason >= 0 && reason < SYNC_REJ_COUNT ? names[reason] : "?";
}

int
sync_reject_reason(int rc)
{
	switch (rc) {
	case SD_ESIG: return SYNC_REJ_SIGNATURE;
	case SD_ESCOPE: return SYNC_REJ_SCOPE;
	case SD_EEXIST: return SYNC_REJ_EQUIVOCATION;
	case SD_EVERSION: return SYNC_REJ_VERSION;
	case SD_EPROTO:
	case SD_EDECODE:
	case SD_EINVAL:
	case SD_ETOOBIG: return SYNC_REJ_MALFORMED;
	default: return -1;
	}
}

int
sync_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

void
sync_log(const struct sync_hub *h, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (h->ctx.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	h->ctx.log(h->ctx.arg, level, msg);
}

uint64_t
sync_now(struct sync_hub *h)
{
	uint64_t t = h->ctx.now_ms(h->ctx.arg);

	if (t > h->now_max)
		h->now_max = t;
	return h->now_max;
}

int
sync_is_root(const struct sync_hub *h, const uint8_t *o)
{
	return memcmp(o, h->ctx.root, KEY_PUBLIC_BYTES) == 0;
}

int
sync_is_self(const struct sync_hub *h, const uint8_t *o)
{
	return memcmp(o, h->ctx.self, KEY_PUBLIC_BYTES) == 0;
}

uint64_t
sync_replay_grace(const struct sync_hub *h)
{
	uint64_t g = (uint64_t)h->ctx.gossip_ms * 5u;

	return g > SYNC_REPLAY_GRACE_MS ? g : SYNC_REPLAY_GRACE_MS;
}

uint64_t
sync_fp(const uint8_t *origin, uint64_t w, uint64_t held)
{
	static const uint8_t key[crypto_shorthash_KEYBYTES] =
	    "stardust/dgst/v1";
	uint8_t in[KEY_PUBLIC_BYTES + 16], out[crypto_shorthash_BYTES];
	uint64_t v = 0;
	int i;

	memcpy(in, origin, KEY_PUBLIC_BYTES);
	for (i = 0; i < 8; i++) {
		in[KEY_PUBLIC_BYTES + i] = (uint8_t)(w >> (56 - 8 * i));
		in[KEY_PUBLIC_BYTES + 8 + i] = (uint8_t)(held >> (56 - 8 * i));
	}
	crypto_shorthash(out, in, sizeof(in), key);
	for (i = 0; i < 8; i++)
		v |= (uint64_t)out[i] << (8 * i);
	return v;
}

struct cert_copy {
	uint8_t *buf;
	size_t len;
};

static int
sync_cert_copy_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct cert_copy *c = arg;

	if ((c->buf = malloc(len)) == NULL)
		return -ENOMEM;
	memcpy(c->buf, rec, len);
	c->len = len;
	return 0;
}

int
sync_cert_bytes(struct store *st, const uint8_t who[KEY_PUBLIC_BYTES],
    uint8_t **buf, size_t *len, int *revoked)
{
	struct cert_copy cc = { NULL, 0 };
	int rc;

	*revoked = 0;
	if ((rc = store_cert(st, who, sync_cert_copy_cb, &cc, revoked)) != 0) {
		free(cc.buf);
		return rc == SD_ENOTFOUND ? SD_ENOCERT : rc;
	}
	*buf = cc.buf;
	*len = cc.len;
	return 0;
}

int
sync_record_open(const struct sync_ctx *ctx, const uint8_t *rec, size_t len,
    uint64_t now, struct record *out, char *err, size_t errlen)
{
	int rc;

	if (ctx->trust != NULL && ctx->trust(ctx->arg, rec, len, 0)) {
		if ((rc = record_decode(rec, len, out)) != 0)
			snprintf(err, errlen, "not a valid record");
		return rc;
	}
	rc = record_open(ctx->codes, rec, len, now, out, err, errlen);
	if (rc == 0 && ctx->trust != NULL)
		ctx->trust(ctx->arg, rec, len, 1);
	return rc;
}

int
sync_ctx_cert_of(const struct sync_ctx *ctx,
    const uint8_t who[KEY_PUBLIC_BYTES], uint64_t now, struct record *out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[256];
	int revoked = 0, rc;

	rc = sync_cert_bytes(ctx->st, who, &buf, &len, &revoked);
	if (rc == SD_ENOCERT && revoked)
		return SD_EREVOKED; /* revoked before any certificate was seen */
	if (rc != 0)
		return rc;
	if (revoked)
		rc = SD_EREVOKED;
	else
		rc =
		    sync_record_open(ctx, buf, len, now, out, err, sizeof(err));
	if (rc == 0 &&
	    (out->body->kind_case != SD__RECORD_BODY__KIND_NODE_CERT ||
	        out->body->node_cert->not_after_ms < now)) {
		record_close(out);
		rc = SD_EEXPIRED;
	}
	free(buf);
	return rc;
}

int
sync_cert_in_force(
    struct sync_hub *h, struct sync_entry *e, const uint8_t *origin)
{
	struct record cert = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	uint64_t now = sync_now(h);
	int revoked = 0, rc;

	if (e != NULL && e->cert_gen == h->root_gen + 1)
		return now <= e->cert_until;
	rc = sync_cert_bytes(h->ctx.st, origin, &buf, &len, &revoked);
	if (rc == SD_ENOCERT)
		return 0;
	if (rc != 0)
		return rc;
	rc = 0;
	if (!revoked && record_decode(buf, len, &cert) == 0) {
		if (cert.body->kind_case == SD__RECORD_BODY__KIND_NODE_CERT) {
			if (e != NULL) {
				e->cert_gen = h->root_gen + 1;
				e->cert_until =
				    cert.body->node_cert->not_after_ms;
			}
			rc = now <= cert.body->node_cert->not_after_ms;
		}
		record_close(&cert);
	}
	free(buf);
	return rc;
}

int
sync_cert_of(struct store *st, const struct codes *codes,
    const uint8_t who[KEY_PUBLIC_BYTES], uint64_t now_ms, struct record *out)
{
	struct sync_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.codes = codes;
	return sync_ctx_cert_of(&ctx, who, now_ms, out);
}

/* ---- the watermark cache ---- */

struct sync_entry *
sync_entry_find(
    const struct sync_hub *h, const uint8_t origin[KEY_PUBLIC_BYTES])
{
	size_t lo = 0, hi = h->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(h->v[mid].origin, origin, KEY_PUBLIC_BYTES);
		if (c == 0)
			return &h->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The entry of origin, inserted (zeroed) where it belongs if new. */
static struct sync_entry *
sync_entry_get(struct sync_hub *h, const uint8_t origin[KEY_PUBLIC_BYTES])
{
	struct sync_entry *e;
	size_t lo = 0, hi = h->n;

	if ((e = sync_entry_find(h, origin)) != NULL)
		return e;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(h->v[mid].origin, origin, KEY_PUBLIC_BYTES) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 64;
		struct sync_entry *nv = realloc(h->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		h->v = nv;
		h->cap = ncap;
	}
	memmove(&h->v[lo + 1], &h->v[lo], (h->n - lo) * sizeof(*h->v));
	h->n++;
	e = &h->v[lo];
	memset(e, 0, sizeof(*e));
	memcpy(e->origin, origin, KEY_PUBLIC_BYTES);
	return e;
}

struct root_sum {
	uint64_t max, held, kmax, kheld;
};

static int
sync_root_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct root_sum *rs = arg;
	struct record r;

	if (record_decode(rec, len, &r) != 0)
		return SD_ESTORE;
	if (r.rec->seq > rs->max)
		rs->max = r.rec->seq;
	rs->held++;
	if (record_kind_known(r.body)) {
		if (r.rec->seq > rs->kmax)
			rs->kmax = r.rec->seq;
		rs->kheld++;
	}
	record_close(&r);
	return 0;
}

/* origin's watermark and held count from the store into e->w, e->held
 * (and for peers without SYNC_CAP_LATER, e->kw, e->kheld). The root's
 * records are synced as a set (they reach nodes out of order, so its seqs
 * may have gaps): its "watermark" is the highest seq held. */
static int
sync_read(struct sync_hub *h, const uint8_t *origin, struct sync_entry *e)
{
	struct root_sum rs = { 0, 0, 0, 0 };
	int rc;

	if (sync_is_root(h, origin)) {
		rc = store_range(
		    h->ctx.st, origin, 0, UINT64_MAX, sync_root_cb, &rs);
		e->w = rs.max;
		e->held = rs.held;
		e->kw = rs.kmax;
		e->kheld = rs.kheld;
		return rc;
	}
	if ((rc = store_mark(h->ctx.st, origin, &e->w)) != 0 ||
	    (rc = store_held(h->ctx.st, origin, e->w, &e->held)) != 0)
		return rc;
	return store_held_v1(
	    h->ctx.st, origin, e->w, e->held, &e->kw, &e->kheld);
}

int
sync_hub_refresh(struct sync_hub *h, const uint8_t origin[KEY_PUBLIC_BYTES])
{
	struct sync_entry *e, now_e;
	uint64_t now;
	int rc;

	memset(&now_e, 0, sizeof(now_e));
	if ((rc = sync_read(h, origin, &now_e)) != 0)
		return rc;
	if ((e = sync_entry_find(h, origin)) == NULL) {
		if (now_e.w == 0 && now_e.held == 0)
			return 0;
		if ((e = sync_entry_get(h, origin)) == NULL)
			return -ENOMEM;
	}
	if (now_e.w != e->w) {
		/* Told from now on in digests; what was told before every
		 * peer had time to hear it is the replay bound. */
		now = sync_now(h);
		if (now - e->t_cur >= sync_replay_grace(h))
			e->w_old = e->w;
		e->t_cur = now;
	}
	if (now_e.w == e->w && now_e.held == e->held && now_e.kw == e->kw &&
	    now_e.kheld == e->kheld)
		return 0;
	if (e->w > 0)
		h->fp ^= sync_fp(e->origin, e->w, e->held);
	if (now_e.w > 0)
		h->fp ^= sync_fp(e->origin, now_e.w, now_e.held);
	if (e->kw > 0)
		h->kfp ^= sync_fp(e->origin, e->kw, e->kheld);
	if (now_e.kw > 0)
		h->kfp ^= sync_fp(e->origin, now_e.kw, now_e.kheld);
	e->w = now_e.w;
	e->held = now_e.held;
	e->kw = now_e.kw;
	e->kheld = now_e.kheld;
	e->gen = ++h->gen;
	h->ring[h->nring % SYNC_RING].gen = e->gen;
	memcpy(
	    h->ring[h->nring % SYNC_RING].origin, e->origin, KEY_PUBLIC_BYTES);
	h->nring++;
	if (sync_is_root(h, e->origin))
		h->root_gen = e->gen;
	return 0;
}

static int
sync_add_cb(void *arg, const uint8_t *origin, uint64_t w)
{
	(void)w;
	return sync_entry_get(arg, origin) != NULL ? 0 : -ENOMEM;
}

int
sync_hub_refresh_all(struct sync_hub *h)
{
	struct sync_session *s;
	uint64_t root_gen = h->root_gen;
	size_t i;
	int rc;

	/* Every origin with a watermark, the root, and those held before
	 * (a revoked origin's watermark is gone: it becomes 0). */
	if ((rc = store_marks(h->ctx.st, sync_add_cb, h)) != 0)
		return rc;
	if ((rc = sync_hub_refresh(h, h->ctx.root)) != 0)
		return rc;
	for (i = 0; i < h->n; i++)
		if (!sync_is_root(h, h->v[i].origin) &&
		    (rc = sync_hub_refresh(h, h->v[i].origin)) != 0)
			return rc;
	/* New root records (certificates, revocations) change which
	 * origins may be fetched: every session looks again now, without
	 * waiting for a peer's digest. */
	for (s = h->sessions; root_gen != h->root_gen && s != NULL; s = s->next)
		if (s->certified && s->passed &&
		    (rc = sync_wants_pass(s, NULL)) < 0)
			return rc;
	return 0;
}

uint64_t
sync_hub_fingerprint(const struct sync_hub *h, size_t *origins)
{
	size_t i, n = 0;

	for (i = 0; i < h->n; i++)
		n += h->v[i].w > 0;
	*origins = n;
	return h->fp;
}

void
sync_hub_totals(const struct sync_hub *h, uint64_t *in, uint64_t *dup)
{
	*in = h->records_in;
	*dup = h->records_dup;
}

uint64_t
sync_hub_mark(const struct sync_hub *h, const uint8_t origin[KEY_PUBLIC_BYTES])
{
	const struct sync_entry *e = sync_entry_find(h, origin);

	return e != NULL ? e->w : 0;
}

int
sync_hub_new(const struct sync_ctx *ctx, struct sync_hub **out)
{
	struct sync_hub *h;
	size_t i;
	int rc;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	h->ctx = *ctx;
	if ((rc = sync_hub_refresh_all(h)) != 0) {
		sync_hub_free(h);
		return rc;
	}
	/* Held since before the start: as told as can be. */
	for (i = 0; i < h->n; i++) {
		h->v[i].w_old = h->v[i].w;
		h->v[i].t_cur = 0;
	}
	*out = h;
	return 0;
}

void
sync_hub_free(struct sync_hub *h)
{
	if (h == NULL)
		return;
	while (h->sessions != NULL)
		sync_session_free(h->sessions);
	free(h->v);
	free(h->digest);
	free(h);
}

/* ---- telling the sessions ---- */

int
sync_hub_tick(struct sync_hub *h)
{
	struct sync_session *s;
	int rc;

	for (s = h->sessions; s != NULL; s = s->next) {
		if (!s->certified)
			continue;
		/* In sync with a delta peer and nothing changed: only every
		 * SYNC_IDLE_TICKS ticks (a keepalive, and the fingerprint that
		 * catches drift); a change is told at once anyway. */
		if ((s->caps & SYNC_CAP_DELTA) && s->told_gen == h->gen &&
		    !s->full_next && !s->ask_resend &&
		    ++s->idle_ticks < SYNC_IDLE_TICKS)
			continue;
		s->idle_ticks = 0;
		if ((rc = sync_digest_send(s)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Whether a change of origin is pushed to s's peer (else it is told in a
 * digest, and asks). A peer of an earlier release is pushed everything.
 * With SYNC_CAP_LAZY, a node pushes its own records unless the peer
 * asked not to, and relays others' only where the peer asked for them:
 * each node asks one peer per origin (the one it first had to fetch
 * from), so records flow along a tree and cross each link once, and
 * notes (delta digests) go everywhere else.
 */
static int
sync_pushes(const struct sync_session *s, const struct sync_mark *k,
    const uint8_t *origin)
{
	if (!(s->caps & SYNC_CAP_LAZY))
		return 1;
	if (k != NULL && k->mode != 0)
		return k->mode > 0;
	return sync_is_self(s->hub, origin);
}

uint64_t
sync_hub_poll(struct sync_hub *h)
{
	struct sync_session *s;
	uint64_t now = sync_now(h), next = 0;

	for (s = h->sessions; s != NULL; s = s->next) {
		if (!s->certified || s->recheck_at == 0)
			continue;
		if (s->recheck_at <= now && sync_wants_pass(s, NULL) < 0)
			continue; /* the next digest tries again */
		if (s->recheck_at != 0 && (next == 0 || s->recheck_at < next))
			next = s->recheck_at;
	}
	return next;
}

int
sync_hub_announce(struct sync_hub *h, const uint8_t *origin, uint64_t from,
    uint64_t to, struct sync_session *src)
{
	struct sync_session *s;
	uint8_t *push = NULL;
	size_t plen = 0, nrec = 0, nlater = 0;
	int pushable = -1, rc = 0;

	for (s = h->sessions; s != NULL; s = s->next) {
		struct sync_mark *k;
		uint64_t w;
		if (!s->certified || s == src)
			continue;
		k = sync_known(s, origin);
		/* No digest yet: what it holds is unknown, it will ask. */
		w = k != NULL ? k->w : s->has_digest ? 0 : UINT64_MAX;
		if (w != UINT64_MAX && w >= to)
			continue; /* it has them */
		if (w == from && from < to && sync_pushes(s, k, origin)) {
			if (pushable < 0 &&
			    (pushable = sync_push_encode(h, origin, from, to,
			         &push, &plen, &nrec, &nlater)) < 0) {
				rc = pushable;
				break;
			}
			/* A peer without SYNC_CAP_LATER gets no record of a
			 * later kind: told in a digest, it asks, and the
			 * answer leaves them out. */
			if (pushable == 1 &&
			    ((s->caps & SYNC_CAP_LATER) || nlater == 0)) {
				s->send(s->arg, push, plen);
				s->records_out += nrec;
				sync_known_raise(s, origin, to);
				continue;
			}
		}
		if ((rc = sync_digest_send(s)) != 0)
			break;
	}
	free(push);
	return rc;
}

int
sync_hub_moved(struct sync_hub *h, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t from, uint64_t to)
{
	uint64_t before = sync_hub_mark(h, origin);
	int rc;

	if ((rc = sync_is_root(h, origin) ? sync_hub_refresh_all(h)
	                                  : sync_hub_refresh(h, origin)) != 0)
		return rc;
	if (sync_is_root(h, origin)) {
		/* A root record added by hand: its set is asked for, not
		 * pushed. */
		from = before;
		to = sync_hub_mark(h, origin);
		if (to == from)
			return 0;
	}
	return sync_hub_announce(h, origin, from, to, NULL);
}
