/*
 * sdtest: record-building helpers of the tests, fuzz targets and
 * benchmarks (see sdtest.h).
 */
#include "sdtest.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

/* Entries of a description's list: up to the first NULL. */
static size_t
sdtest_list_len(const char *const *v)
{
	size_t n = 0;

	while (n < SDTEST_LIST_MAX && v[n] != NULL)
		n++;
	return n;
}

void
sdtest_member_body(Sd__RecordBody *b, Sd__Member *m, const uint8_t *id,
    const struct sdtest_member *s)
{
	sd__record_body__init(b);
	sd__member__init(m);
	m->id.data = (uint8_t *)id;
	m->id.len = MEMBER_ID_BYTES;
	m->name = (char *)s->name;
	m->kind = s->kind ? (Sd__MemberKind)s->kind : SD__MEMBER_KIND__KIND_SME;
	m->country = (char *)s->country;
	m->region = (char *)s->region;
	m->city = (char *)s->city;
	m->website = (char *)s->website;
	m->email = (char *)s->email;
	m->description = (char *)s->desc;
	m->sectors = (char **)s->sectors;
	m->n_sectors = sdtest_list_len(s->sectors);
	m->capabilities = (char **)s->caps;
	m->n_capabilities = sdtest_list_len(s->caps);
	m->offers = (char **)s->offers;
	m->n_offers = sdtest_list_len(s->offers);
	m->seeks = (char **)s->seeks;
	m->n_seeks = sdtest_list_len(s->seeks);
	m->languages = (char **)s->langs;
	m->n_languages = sdtest_list_len(s->langs);
	if (s->employees >= 0) {
		m->has_employees = 1;
		m->employees = (uint32_t)s->employees;
	}
	if (s->founded > 0) {
		m->has_founded = 1;
		m->founded = (uint32_t)s->founded;
	}
	if (s->rev2) {
		m->has_nace_rev = 1;
		m->nace_rev = SD__NACE_REV__NACE_REV2;
	}
	b->kind_case = SD__RECORD_BODY__KIND_MEMBER;
	b->member = m;
}

void
sdtest_tombstone_body(Sd__RecordBody *b, Sd__Tombstone *t, const uint8_t *id)
{
	sd__record_body__init(b);
	sd__tombstone__init(t);
	t->member_id.data = (uint8_t *)id;
	t->member_id.len = MEMBER_ID_BYTES;
	b->kind_case = SD__RECORD_BODY__KIND_TOMBSTONE;
	b->tombstone = t;
}

void
sdtest_cert_body(Sd__RecordBody *b, Sd__NodeCert *nc, const uint8_t *node,
    const struct sdtest_cert *c)
{
	sd__record_body__init(b);
	sd__node_cert__init(nc);
	nc->node_key.data = (uint8_t *)node;
	nc->node_key.len = KEY_PUBLIC_BYTES;
	nc->name = (char *)c->name;
	nc->countries = (char **)c->countries;
	nc->n_countries = sdtest_list_len(c->countries);
	nc->nuts_prefixes = (char **)c->nuts;
	nc->n_nuts_prefixes = sdtest_list_len(c->nuts);
	nc->addresses = (char **)c->addresses;
	nc->n_addresses = sdtest_list_len(c->addresses);
	nc->not_after_ms = c->not_after_ms;
	b->kind_case = SD__RECORD_BODY__KIND_NODE_CERT;
	b->node_cert = nc;
}

void
sdtest_revocation_body(Sd__RecordBody *b, Sd__Revocation *rv,
    const uint8_t *node, const char *reason)
{
	sd__record_body__init(b);
	sd__revocation__init(rv);
	rv->node_key.data = (uint8_t *)node;
	rv->node_key.len = KEY_PUBLIC_BYTES;
	rv->reason = (char *)reason;
	b->kind_case = SD__RECORD_BODY__KIND_REVOCATION;
	b->revocation = rv;
}

int
sdtest_body_pack(const Sd__RecordBody *b, uint8_t **out, size_t *len)
{
	*len = sd__record_body__get_packed_size(b);
	if ((*out = malloc(*len ? *len : 1)) == NULL)
		return -ENOMEM;
	sd__record_body__pack(b, *out);
	return 0;
}

void
sdtest_future_body(Sd__RecordBody *b, struct sdtest_future *f,
    const char *subject, const char *text)
{
	size_t n = strlen(text);

	sd__record_body__init(b);
	memset(f, 0, sizeof(*f));
	if (n >= sizeof(f->payload))
		n = sizeof(f->payload) - 1;
	/* A length-delimited field: an embedded message of the later
	 * release, here just bytes. protobuf-c keeps (and packs) an
	 * unknown field's bytes after its tag: the length varint (one
	 * byte, n < 128) and the payload. */
	f->payload[0] = (uint8_t)n;
	memcpy(f->payload + 1, text, n);
	f->field.tag = SDTEST_FUTURE_KIND;
	f->field.wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	f->field.len = n + 1;
	f->field.data = f->payload;
	b->base.n_unknown_fields = 1;
	b->base.unknown_fields = &f->field;
	if (subject != NULL) {
		b->has_subject = 1;
		b->subject.data = (uint8_t *)subject;
		b->subject.len = strlen(subject);
	}
}

void
sdtest_later_msg(Sd__PeerMsg *m, struct sdtest_later_msg *l)
{
	static const uint8_t kind[] = { 3, 'n', 'e', 'w' };

	sd__peer_msg__init(m);
	memcpy(l->kind, kind, sizeof(kind));
	l->answer[0] = 42;
	m->version = 99;
	l->f[0].tag = 15;
	l->f[0].wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	l->f[0].len = sizeof(l->kind);
	l->f[0].data = l->kind;
	l->f[1].tag = 40;
	l->f[1].wire_type = PROTOBUF_C_WIRE_TYPE_VARINT;
	l->f[1].len = sizeof(l->answer);
	l->f[1].data = l->answer;
	m->base.n_unknown_fields = 2;
	m->base.unknown_fields = l->f;
}

int
sdtest_record_sign(const struct key *k, uint64_t seq, Sd__RecordBody *b,
    uint64_t signed_at_ms, uint8_t **out, size_t *len)
{
	uint8_t *body;
	size_t blen;
	int rc;

	*out = NULL;
	b->signed_at_ms = signed_at_ms;
	if ((rc = sdtest_body_pack(b, &body, &blen)) != 0)
		return rc;
	if ((rc = record_sign(k, seq, body, blen, out, len)) != 0) {
		fprintf(stderr, "record_sign (seq %llu): %s\n",
		    (unsigned long long)seq, sd_strerror(rc));
		*out = NULL;
	}
	free(body);
	return rc;
}

int
sdtest_rec_make(struct sdtest_rec *t, const struct codes *codes,
    const struct key *k, uint64_t seq, Sd__RecordBody *b)
{
	char err[256] = "";
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = sdtest_record_sign(
	         k, seq, b, record_now_ms(), &t->bytes, &t->len)) != 0)
		return rc;
	rc = record_open(
	    codes, t->bytes, t->len, record_now_ms(), &t->r, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "record_open (seq %llu): %s (%s)\n",
		    (unsigned long long)seq, err, sd_strerror(rc));
		free(t->bytes);
		memset(t, 0, sizeof(*t));
	}
	return rc;
}

int
sdtest_rec_member(struct sdtest_rec *t, const struct codes *codes,
    const struct key *k, uint64_t seq, const uint8_t *id,
    const struct sdtest_member *s)
{
	Sd__RecordBody b;
	Sd__Member m;

	sdtest_member_body(&b, &m, id, s);
	return sdtest_rec_make(t, codes, k, seq, &b);
}

int
sdtest_rec_tombstone(struct sdtest_rec *t, const struct codes *codes,
    const struct key *k, uint64_t seq, const uint8_t *id)
{
	Sd__RecordBody b;
	Sd__Tombstone ts;

	sdtest_tombstone_body(&b, &ts, id);
	return sdtest_rec_make(t, codes, k, seq, &b);
}

int
sdtest_rec_cert(struct sdtest_rec *t, const struct codes *codes,
    const struct key *rootk, uint64_t seq, const uint8_t *node,
    const struct sdtest_cert *c)
{
	Sd__RecordBody b;
	Sd__NodeCert nc;

	sdtest_cert_body(&b, &nc, node, c);
	return sdtest_rec_make(t, codes, rootk, seq, &b);
}

int
sdtest_rec_revocation(struct sdtest_rec *t, const struct codes *codes,
    const struct key *rootk, uint64_t seq, const uint8_t *node,
    const char *reason)
{
	Sd__RecordBody b;
	Sd__Revocation rv;

	sdtest_revocation_body(&b, &rv, node, reason);
	return sdtest_rec_make(t, codes, rootk, seq, &b);
}

void
sdtest_rec_free(struct sdtest_rec *t)
{
	record_close(&t->r);
	free(t->bytes);
	memset(t, 0, sizeof(*t));
}

struct store_item
sdtest_rec_item(const struct sdtest_rec *t)
{
	struct store_item it;

	it.bytes = t->bytes;
	it.len = t->len;
	it.r = &t->r;
	it.result = SDTEST_RESULT_UNSET;
	return it;
}

int
sdtest_rec_apply(struct store *st, const struct sdtest_rec *t,
    const uint8_t *origin, uint64_t from, uint64_t to)
{
	struct store_item it = sdtest_rec_item(t);
	int rc;

	if ((rc = store_apply(st, &it, 1, origin, from, to)) != 0)
		return rc;
	return it.result;
}

int
sdtest_record_key(const uint8_t *rec, size_t len, uint8_t *key)
{
	struct record r;
	int rc;

	if ((rc = record_decode(rec, len, &r)) != 0)
		return rc;
	if (r.body->kind_case != SD__RECORD_BODY__KIND_MEMBER ||
	    r.rec->origin.len != KEY_PUBLIC_BYTES ||
	    r.body->member->id.len != MEMBER_ID_BYTES) {
		rc = SD_EDECODE;
	} else {
		memcpy(key, r.rec->origin.data, KEY_PUBLIC_BYTES);
		memcpy(key + KEY_PUBLIC_BYTES, r.body->member->id.data,
		    MEMBER_ID_BYTES);
	}
	record_close(&r);
	return rc;
}

int
sdtest_tmpdir(const char *tag, char *buf, size_t len)
{
	const char *base = getenv("TMPDIR");
	int n;

	n = snprintf(buf, len, "%s/%s.XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp", tag);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (mkdtemp(buf) == NULL)
		return -errno;
	return 0;
}

/* nftw's callback: one entry, children before their directory. */
static int
sdtest_rmtree_one(
    const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0) {
		fprintf(
		    stderr, "could not remove %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int
sdtest_rmtree(const char *path)
{
	int rc = nftw(path, sdtest_rmtree_one, 16, FTW_DEPTH | FTW_PHYS);

	if (rc == -1) {
		rc = -errno;
		fprintf(
		    stderr, "could not remove %s: %s\n", path, strerror(errno));
	}
	return rc;
}

int
sdtest_store_open(
    const char *dir, const struct codes *codes, int flags, struct store **out)
{
	int rc;

	if ((rc = store_open(dir, codes, 64, flags, out)) != 0)
		fprintf(stderr, "store_open(%s): %s\n", dir, sd_strerror(rc));
	return rc;
}
