#include "sync.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gossip.pb-c.h"
#include "record.h"

static int
sync_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

void
sync_out_free(struct sync_out *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->msg[i]);
	o->n = 0;
	o->advanced = 0;
}

/* Encodes m (its version set here) onto out. */
static int
sync_push(struct sync_out *out, Sd__PeerMsg *m)
{
	size_t len;
	uint8_t *buf;

	if (out->n == SYNC_OUT_MAX)
		return SD_ETOOBIG;
	m->version = SYNC_VERSION;
	len = sd__peer_msg__get_packed_size(m);
	if ((buf = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	sd__peer_msg__pack(m, buf);
	out->msg[out->n] = buf;
	out->len[out->n++] = len;
	return 0;
}

int
sync_hello(struct node *n, struct sync_out *out)
{
	struct record own = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	Sd__PeerMsg m;
	int revoked = 0, rc;

	/* Only a certificate in force is worth presenting. */
	if ((rc = node_cert_of(n, n->key->pk, &own)) != 0)
		return rc;
	record_close(&own);
	if ((rc = node_cert_bytes(n, n->key->pk, &buf, &len, &revoked)) != 0)
		return rc;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_CERT;
	m.cert.data = buf;
	m.cert.len = len;
	rc = sync_push(out, &m);
	free(buf);
	return rc;
}

struct marks {
	Sd__Mark *v;
	Sd__Mark **p;
	uint8_t (*origins)[32];
	size_t n, cap;
};

static int
sync_mark_cb(void *arg, const uint8_t *origin, uint64_t w)
{
	struct marks *ms = arg;

	if (ms->n == ms->cap) {
		size_t ncap = ms->cap ? ms->cap * 2 : 64;
		void *a = realloc(ms->v, ncap * sizeof(*ms->v));
		if (a == NULL)
			return -ENOMEM;
		ms->v = a;
		a = realloc(ms->origins, ncap * sizeof(*ms->origins));
		if (a == NULL)
			return -ENOMEM;
		ms->origins = a;
		ms->cap = ncap;
	}
	memcpy(ms->origins[ms->n], origin, 32);
	sd__mark__init(&ms->v[ms->n]);
	ms->v[ms->n].w = w;
	ms->n++;
	return 0;
}

int
sync_digest(struct node *n, struct sync_out *out)
{
	struct marks ms = { 0 };
	Sd__PeerMsg m;
	Sd__Digest d;
	size_t i;
	int rc;

	if ((rc = store_marks(n->st, sync_mark_cb, &ms)) != 0)
		goto out;
	if (ms.n > 0 && (ms.p = calloc(ms.n, sizeof(*ms.p))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ms.n; i++) {
		ms.v[i].origin.data = ms.origins[i];
		ms.v[i].origin.len = 32;
		ms.p[i] = &ms.v[i];
	}
	sd__digest__init(&d);
	d.marks = ms.p;
	d.n_marks = ms.n;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_DIGEST;
	m.digest = &d;
	rc = sync_push(out, &m);
out:
	free(ms.v);
	free(ms.p);
	free(ms.origins);
	return rc;
}

/* The peer's certificate: signed by our root, for the peer's identity,
 * valid now, not revoked here. Stored, so its members can be accepted. */
static int
sync_peer_cert(struct node *n, const uint8_t peer[32], const uint8_t *rec,
    size_t len, char *err, size_t errlen)
{
	struct record r = { 0 }, known = { 0 };
	struct store_item item;
	char why[256];
	int rc;

	if ((rc = record_open(n->codes, rec, len, record_now_ms(), &r, why,
	         sizeof(why))) != 0)
		return sync_err(err, errlen, rc, "peer certificate: %s", why);
	if (memcmp(r.rec->origin.data, n->cfg->root_key, 32) != 0 ||
	    r.body->kind_case != SD__RECORD_BODY__KIND_NODE_CERT ||
	    memcmp(r.body->node_cert->node_key.data, peer, 32) != 0) {
		rc = sync_err(err, errlen, SD_ENOCERT,
		    "peer certificate is not our root's certificate for the "
		    "peer's key");
		goto out;
	}
	if (r.body->node_cert->not_after_ms < record_now_ms()) {
		rc = sync_err(
		    err, errlen, SD_ENOCERT, "peer certificate has expired");
		goto out;
	}
	memset(&item, 0, sizeof(item));
	item.bytes = rec;
	item.len = len;
	item.r = &r;
	if ((rc = store_apply(n->st, &item, 1, n->cfg->root_key, r.rec->seq - 1,
	         r.rec->seq)) != 0) {
		rc = sync_err(err, errlen, rc, "storing peer certificate: %s",
		    sd_strerror(rc));
		goto out;
	}
	/* Whatever we hold now decides: revoked, or superseded by a newer
	 * certificate that is what counts. */
	rc = node_cert_of(n, peer, &known);
	if (rc == SD_EREVOKED)
		sync_err(err, errlen, rc, "peer's certificate is revoked");
	else if (rc != 0)
		sync_err(err, errlen, rc, "peer has no valid certificate");
	record_close(&known);
out:
	record_close(&r);
	return rc;
}

static int
sync_on_digest(struct node *n, const Sd__Digest *d, struct sync_out *out)
{
	Sd__PeerMsg m;
	Sd__Want w;
	uint64_t mine;
	size_t i, pass;
	int rc;

	/* Root records first: certificates decide what else is accepted. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d->n_marks; i++) {
			const Sd__Mark *mk = d->marks[i];
			int is_root;
			if (mk->origin.len != 32)
				return SD_EPROTO;
			is_root =
			    memcmp(mk->origin.data, n->cfg->root_key, 32) == 0;
			if ((pass == 0) != is_root)
				continue;
			/* This node is the only source of its own records. */
			if (memcmp(mk->origin.data, n->key->pk, 32) == 0)
				continue;
			if ((rc = store_mark(n->st, mk->origin.data, &mine)) !=
			    0)
				return rc;
			if (mk->w <= mine)
				continue;
			sd__want__init(&w);
			w.origin = mk->origin;
			w.after = mine;
			sd__peer_msg__init(&m);
			m.m_case = SD__PEER_MSG__M_WANT;
			m.want = &w;
			if ((rc = sync_push(out, &m)) != 0)
				return rc == SD_ETOOBIG ? 0
				                        : rc; /* next digest */
		}
	return 0;
}

struct batch_fill {
	ProtobufCBinaryData *recs;
	size_t n, bytes;
	uint64_t last_seq;
	int full;
};

static int
sync_fill_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct batch_fill *f = arg;
	Sd__SignedRecord *sr;

	if (f->n == SYNC_BATCH_RECORDS ||
	    (f->n > 0 && f->bytes + len > SYNC_BATCH_BYTES)) {
		f->full = 1;
		return 1;
	}
	if ((sr = sd__signed_record__unpack(NULL, len, rec)) == NULL)
		return SD_ESTORE;
	f->last_seq = sr->seq;
	sd__signed_record__free_unpacked(sr, NULL);
	if ((f->recs[f->n].data = malloc(len)) == NULL)
		return -ENOMEM;
	memcpy(f->recs[f->n].data, rec, len);
	f->recs[f->n].len = len;
	f->n++;
	f->bytes += len;
	return 0;
}

static int
sync_on_want(struct node *n, const Sd__Want *w, struct sync_out *out)
{
	struct batch_fill f = { 0 };
	Sd__RecordBatch b;
	Sd__PeerMsg m;
	uint64_t mine;
	size_t i;
	int rc;

	if (w->origin.len != 32)
		return SD_EPROTO;
	if ((rc = store_mark(n->st, w->origin.data, &mine)) != 0)
		return rc;
	if (w->after >= mine)
		return 0;
	if ((f.recs = calloc(SYNC_BATCH_RECORDS, sizeof(*f.recs))) == NULL)
		return -ENOMEM;
	rc = store_range(
	    n->st, w->origin.data, w->after, mine, sync_fill_cb, &f);
	if (rc < 0)
		goto out;
	sd__record_batch__init(&b);
	b.origin = w->origin;
	b.from = w->after;
	/* Every live record in (from, to] is in the batch. */
	b.to = f.full ? f.last_seq : mine;
	b.records = f.recs;
	b.n_records = f.n;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_BATCH;
	m.batch = &b;
	rc = sync_push(out, &m);
out:
	for (i = 0; i < f.n; i++)
		free(f.recs[i].data);
	free(f.recs);
	return rc;
}

static int
sync_on_batch(struct node *n, const Sd__RecordBatch *b, struct sync_out *out,
    char *err, size_t errlen)
{
	struct record *rs = NULL, cert = { 0 };
	struct store_item *items = NULL;
	uint64_t prev, before, after;
	char why[256];
	size_t i, opened = 0;
	int rc = 0, is_root, have_cert = 0;

	if (b->origin.len != 32 || b->to < b->from ||
	    b->n_records > SYNC_BATCH_RECORDS)
		return sync_err(err, errlen, SD_EPROTO, "malformed batch");
	if (memcmp(b->origin.data, n->key->pk, 32) == 0)
		return 0; /* our own records come only from us */
	is_root = memcmp(b->origin.data, n->cfg->root_key, 32) == 0;
	if (!is_root && b->n_records > 0) {
		if ((rc = node_cert_of(n, b->origin.data, &cert)) != 0) {
			/* Not an offence: the certificate may not have reached
			 * us yet. Nothing is stored; the records come again. */
			return 0;
		}
		have_cert = 1;
	}
	if (b->n_records > 0 &&
	    ((rs = calloc(b->n_records, sizeof(*rs))) == NULL ||
	        (items = calloc(b->n_records, sizeof(*items))) == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	prev = b->from;
	for (i = 0; i < b->n_records; i++) {
		const ProtobufCBinaryData *d = &b->records[i];
		const Sd__RecordBody *body;
		if ((rc = record_open(n->codes, d->data, d->len,
		         record_now_ms(), &rs[i], why, sizeof(why))) != 0) {
			rc =
			    sync_err(err, errlen, rc, "record %zu: %s", i, why);
			goto out;
		}
		opened++;
		if (memcmp(rs[i].rec->origin.data, b->origin.data, 32) != 0 ||
		    rs[i].rec->seq <= prev || rs[i].rec->seq > b->to) {
			rc = sync_err(err, errlen, SD_EPROTO,
			    "record %zu: origin or seq outside the batch", i);
			goto out;
		}
		prev = rs[i].rec->seq;
		body = rs[i].body;
		if (is_root !=
		    (body->kind_case == SD__RECORD_BODY__KIND_NODE_CERT ||
		        body->kind_case == SD__RECORD_BODY__KIND_REVOCATION)) {
			rc = sync_err(err, errlen, SD_EPROTO,
			    "record %zu: a %s record from a %s origin", i,
			    is_root ? "node's" : "root's",
			    is_root ? "root" : "node");
			goto out;
		}
		if (have_cert &&
		    body->kind_case == SD__RECORD_BODY__KIND_MEMBER &&
		    (rc = record_scope_check(cert.body->node_cert, body->member,
		         why, sizeof(why))) != 0) {
			rc =
			    sync_err(err, errlen, rc, "record %zu: %s", i, why);
			goto out;
		}
		items[i].bytes = d->data;
		items[i].len = d->len;
		items[i].r = &rs[i];
	}
	if ((rc = store_mark(n->st, b->origin.data, &before)) != 0)
		goto out;
	if ((rc = store_apply(n->st, items, b->n_records, b->origin.data,
	         b->from, b->to)) != 0) {
		rc = sync_err(err, errlen, rc, "storing: %s", sd_strerror(rc));
		goto out;
	}
	if ((rc = store_mark(n->st, b->origin.data, &after)) != 0)
		goto out;
	if (after > before) {
		Sd__PeerMsg m;
		Sd__Want w;
		out->advanced = 1;
		/* Ask for more; a peer with nothing more stays silent. */
		sd__want__init(&w);
		w.origin = b->origin;
		w.after = after;
		sd__peer_msg__init(&m);
		m.m_case = SD__PEER_MSG__M_WANT;
		m.want = &w;
		rc = sync_push(out, &m);
	}
out:
	for (i = 0; i < opened; i++)
		record_close(&rs[i]);
	free(rs);
	free(items);
	record_close(&cert);
	return rc;
}

int
sync_handle(struct node *n, const uint8_t peer[32], int *certified,
    const uint8_t *in, size_t inlen, struct sync_out *out, char *err,
    size_t errlen)
{
	Sd__PeerMsg *m;
	int rc;

	if ((m = sd__peer_msg__unpack(NULL, inlen, in)) == NULL)
		return sync_err(err, errlen, SD_EDECODE, "malformed message");
	if (m->version != SYNC_VERSION) {
		rc = sync_err(err, errlen, SD_EVERSION,
		    "sync version %u is not spoken here", m->version);
		goto out;
	}
	if (!*certified) {
		if (m->m_case != SD__PEER_MSG__M_CERT) {
			rc = sync_err(err, errlen, SD_EPROTO,
			    "the first message must be a certificate");
			goto out;
		}
		if ((rc = sync_peer_cert(
		         n, peer, m->cert.data, m->cert.len, err, errlen)) != 0)
			goto out;
		*certified = 1;
		rc = sync_digest(n, out);
		goto out;
	}
	switch (m->m_case) {
	case SD__PEER_MSG__M_DIGEST:
		rc = sync_on_digest(n, m->digest, out);
		break;
	case SD__PEER_MSG__M_WANT: rc = sync_on_want(n, m->want, out); break;
	case SD__PEER_MSG__M_BATCH:
		rc = sync_on_batch(n, m->batch, out, err, errlen);
		break;
	default:
		rc = sync_err(err, errlen, SD_EPROTO, "unexpected message");
		break;
	}
	if (rc != 0 && err[0] == '\0')
		sync_err(err, errlen, rc, "%s", sd_strerror(rc));
out:
	sd__peer_msg__free_unpacked(m, NULL);
	return rc;
}
