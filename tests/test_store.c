/*
 * test_store: store/ (store.c and its store_*.c family) — applying
 * members, tombstones, certificates and revocations; versions, equivocation, watermarks, atomic batches,
 * index consistency after many random operations, reopening, paging.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codes.h"
#include "err.h"
#include "key.h"
#include "query.h"
#include "record.h"
#include "sdtest.h"
#include "store.h"

static struct codes *codes;
static char *root; /* the temporary directory of this test */

/* ---- building records (the rest is tests/support/sdtest.h) ---- */

/* A certificate of node for FI and SE, valid for a day, signed by rootk
 * as record seq. */
static int
make_cert(struct sdtest_rec *t, const struct key *rootk, uint64_t seq,
    const uint8_t node[KEY_PUBLIC_BYTES], const char *name)
{
	struct sdtest_cert c = { .name = name,
		.countries = { "FI", "SE" },
		.not_after_ms = record_now_ms() + 86400000ull };

	return sdtest_rec_cert(t, codes, rootk, seq, node, &c);
}

/* Applies one record alone (no watermark); returns the item's result, or
 * the call's error if store_apply itself failed. */
static int
apply1(struct store *st, const struct sdtest_rec *t)
{
	return sdtest_rec_apply(st, t, NULL, 0, 0);
}

static void
make_id(uint8_t id[MEMBER_ID_BYTES], int origin, int n)
{
	memset(id, 0, MEMBER_ID_BYTES);
	id[0] = 0xa0;
	id[1] = (uint8_t)origin;
	id[14] = (uint8_t)(n >> 8);
	id[15] = (uint8_t)n;
}

static void
make_key(uint8_t key[STORE_KEY_BYTES], const uint8_t *origin,
    const uint8_t id[MEMBER_ID_BYTES])
{
	memcpy(key, origin, KEY_PUBLIC_BYTES);
	memcpy(key + KEY_PUBLIC_BYTES, id, MEMBER_ID_BYTES);
}

/* ---- reading back ---- */

struct blob {
	uint8_t *p;
	size_t len;
	int calls;
};

static int
blob_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct blob *b = arg;

	free(b->p);
	if ((b->p = malloc(len)) == NULL)
		return -ENOMEM;
	memcpy(b->p, rec, len);
	b->len = len;
	b->calls++;
	return 0;
}

static void
blob_free(struct blob *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int
blob_is(const struct blob *b, const struct sdtest_rec *t)
{
	return b->p != NULL && b->len == t->len &&
	    memcmp(b->p, t->bytes, t->len) == 0;
}

/* The live record bytes of (origin, id) equal t's. */
static int
member_is(struct store *st, const uint8_t *origin, const uint8_t *id,
    const struct sdtest_rec *t)
{
	struct blob b = { 0 };
	int rc, ok;

	rc = store_member_get(st, origin, id, blob_cb, &b);
	ok = rc == 0 && b.calls == 1 && blob_is(&b, t);
	blob_free(&b);
	return ok;
}

static int
member_absent(struct store *st, const uint8_t *origin, const uint8_t *id)
{
	struct blob b = { 0 };
	int rc;

	rc = store_member_get(st, origin, id, blob_cb, &b);
	blob_free(&b);
	return rc == SD_ENOTFOUND && b.calls == 0;
}

struct seqs {
	uint64_t v[256];
	size_t n;
	int bad;
};

static int
seqs_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct seqs *s = arg;
	Sd__SignedRecord *sr = sd__signed_record__unpack(NULL, len, rec);

	if (sr == NULL) {
		s->bad++;
		return 0;
	}
	if (s->n < sizeof(s->v) / sizeof(s->v[0]))
		s->v[s->n] = sr->seq;
	s->n++;
	sd__signed_record__free_unpacked(sr, NULL);
	return 0;
}

static size_t
range_count(struct store *st, const uint8_t *origin, uint64_t from, uint64_t to,
    struct seqs *out)
{
	struct seqs local;
	struct seqs *s = out ? out : &local;

	memset(s, 0, sizeof(*s));
	if (store_range(st, origin, from, to, seqs_cb, s) != 0)
		return (size_t)-1;
	return s->bad ? (size_t)-1 : s->n;
}

static uint64_t
df(struct store *st, int field, const char *term)
{
	uint64_t n = 999;

	if (store_df(st, field, term, strlen(term), &n) != 0)
		return 998;
	return n;
}

/* origin's live members, from the counter status reads. */
static uint64_t
live_of(struct store *st, const uint8_t *origin)
{
	struct store_counts c;

	if (store_counts(st, origin, &c) != 0)
		return 999;
	return c.origin_members;
}

static struct store_stats
stats(struct store *st)
{
	struct store_stats s;

	if (store_stats(st, &s) != 0)
		memset(&s, 0xff, sizeof(s));
	return s;
}

static uint64_t
mark(struct store *st, const uint8_t *origin)
{
	uint64_t w = 999;

	if (store_mark(st, origin, &w) != 0)
		return 998;
	return w;
}

/* Runs a query of one country and a text; returns the number of hits
 * (-1 on error) and whether key is among them. */
static long
query_find(struct store *st, const char *country, const char *text,
    const uint8_t *key, int *found)
{
	struct query q;
	struct query_result res;
	char *cs[1];
	char err[256] = "";
	size_t i;
	long n;

	query_init(&q);
	if (country != NULL) {
		cs[0] = (char *)country;
		q.countries = cs;
		q.n_countries = 1;
	}
	q.text = text;
	q.limit = QUERY_LIMIT_MAX;
	if (found)
		*found = 0;
	if (query_run(st, &q, &res, err, sizeof(err)) != 0) {
		fprintf(stderr, "query_run(%s, %s): %s\n",
		    country ? country : "-", text ? text : "-", err);
		return -1;
	}
	for (i = 0; i < res.n; i++)
		if (key != NULL && found != NULL &&
		    memcmp(res.hits[i].key, key, STORE_KEY_BYTES) == 0)
			*found = 1;
	n = (long)res.total;
	query_result_free(&res);
	return n;
}

static struct store *
open_store(const char *name, int flags)
{
	char path[512];
	struct store *st = NULL;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (sdtest_store_open(path, codes, flags, &st) != 0)
		return NULL;
	return st;
}

/* ---- the tests ---- */

static void
test_member_versions(void)
{
	struct store *st = open_store("versions", 0);
	struct key *k = NULL, *kb = NULL;
	struct sdtest_rec v1, v2, v3, stale, eq, tomb, old, revive, by;
	struct store_stats base, s0, s;
	uint8_t id[MEMBER_ID_BYTES], key[STORE_KEY_BYTES];
	struct sdtest_member m1 = { .name = "Lappi Laser Oy",
		.country = "FI",
		.region = "FI1D7",
		.city = "Rovaniemi",
		.desc = "Precision cutting for arctic industry",
		.caps = { "laser cutting", "sheet metal" },
		.sectors = { "25.62" },
		.employees = 8 };
	struct sdtest_member m2 = { .name = "Nordlaser Svenska AB",
		.country = "SE",
		.region = "SE110",
		.city = "Stockholm",
		.desc = "Robotised welding",
		.caps = { "robotic welding" },
		.sectors = { "28.22" },
		.employees = 120 };
	struct sdtest_member m3 = { .name = "Nordlaser Equivocal AB",
		.country = "SE",
		.employees = -1 };
	/* A bystander of another origin sharing only the capability words
	 * "sheet metal": what happens to the member must not touch it. */
	struct sdtest_member mb = { .name = "Bystander Fjord AS",
		.country = "NO",
		.caps = { "sheet metal" },
		.kind = SD__MEMBER_KIND__KIND_CLUSTER,
		.employees = -1 };
	uint8_t byid[MEMBER_ID_BYTES], bykey[STORE_KEY_BYTES];
	struct seqs sq;
	int found, live = -1;
	uint64_t seq = 0;

	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK_INT(key_generate(&k), 0);
	make_id(id, 1, 1);
	make_key(key, k->pk, id);
	s0 = stats(st);
	CHECK_INT(s0.members, 0);
	CHECK_INT(s0.postings, 0);
	CHECK_INT(key_generate(&kb), 0);
	make_id(byid, 7, 7);
	make_key(bykey, kb->pk, byid);
	CHECK_INT(sdtest_rec_member(&by, codes, kb, 1, byid, &mb), 0);
	CHECK_INT(apply1(st, &by), 0);
	base = stats(st);
	CHECK_INT(base.members, 1);
	CHECK_INT(base.records, 1);
	CHECK(base.postings > 3);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "sheet"), 1);

	/* v1 stored and returned byte for byte. */
	CHECK_INT(sdtest_rec_member(&v1, codes, k, 1, id, &m1), 0);
	CHECK_INT(apply1(st, &v1), 0);
	CHECK(member_is(st, k->pk, id, &v1));
	CHECK(member_is(st, NULL, id, &v1)); /* any origin */
	s = stats(st);
	CHECK_INT(s.members, base.members + 1);
	CHECK_INT(s.records, base.records + 1);
	CHECK(s.postings > base.postings + 10);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "sheet"), 2);
	CHECK_INT(store_member_state(st, k->pk, id, &seq, &live), 0);
	CHECK_INT(seq, 1);
	CHECK_INT(live, 1);
	CHECK_INT(df(st, STORE_F_NAME, "lappi"), 1);
	CHECK_INT(df(st, STORE_F_COUNTRY, "FI"), 1);
	CHECK_INT(df(st, STORE_F_REGION, "FI1"), 1);
	CHECK_INT(df(st, STORE_F_REGION, "FI1D"), 1);
	CHECK_INT(df(st, STORE_F_REGION, "FI1D7"), 1);
	CHECK_INT(df(st, STORE_F_SECTOR, "C"), 1);
	CHECK_INT(df(st, STORE_F_SECTOR, "25"), 1);
	CHECK_INT(df(st, STORE_F_SECTOR, "25.6"), 1);
	CHECK_INT(df(st, STORE_F_SECTOR, "25.62"), 1);
	CHECK_INT(df(st, STORE_F_SIZE, "micro"), 1);
	CHECK_INT(df(st, STORE_F_KIND, "sme"), 1);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "laser"), 1);
	CHECK_INT(df(st, STORE_F_CITY, "rovaniemi"), 1);
	CHECK_INT(query_find(st, "FI", "lappi", key, &found), 1);
	CHECK(found);

	/* v2 (other name, country, capabilities) replaces v1 entirely. */
	CHECK_INT(sdtest_rec_member(&v2, codes, k, 2, id, &m2), 0);
	CHECK_INT(apply1(st, &v2), 0);
	CHECK(member_is(st, k->pk, id, &v2));
	CHECK_INT(range_count(st, k->pk, 0, 2, &sq), 1);
	CHECK_INT(sq.v[0], 2);
	s = stats(st);
	CHECK_INT(s.members, base.members + 1);
	CHECK_INT(s.records, base.records + 1);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "sheet"), 1);
	CHECK_INT(df(st, STORE_F_NAME, "lappi"), 0);
	CHECK_INT(df(st, STORE_F_NAME, "nordlaser"), 1);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "cutting"), 0);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "robotic"), 1);
	CHECK_INT(df(st, STORE_F_COUNTRY, "FI"), 0);
	CHECK_INT(df(st, STORE_F_COUNTRY, "SE"), 1);
	CHECK_INT(df(st, STORE_F_REGION, "FI1D7"), 0);
	CHECK_INT(df(st, STORE_F_REGION, "FI1"), 0);
	CHECK_INT(df(st, STORE_F_SECTOR, "25"), 0);
	CHECK_INT(df(st, STORE_F_SECTOR, "28.22"), 1);
	CHECK_INT(df(st, STORE_F_SIZE, "micro"), 0);
	CHECK_INT(df(st, STORE_F_SIZE, "medium"), 1);
	CHECK_INT(df(st, STORE_F_CITY, "rovaniemi"), 0);
	CHECK_INT(query_find(st, "FI", NULL, NULL, NULL), 0);
	CHECK_INT(query_find(st, NULL, "lappi", NULL, NULL), 0);
	CHECK_INT(query_find(st, "SE", "nordlaser", key, &found), 1);
	CHECK(found);

	/* An older or equal seq is ignored and changes nothing. */
	s0 = stats(st);
	CHECK_INT(apply1(st, &v1), SD_ESTALE); /* older, bytes purged */
	CHECK_INT(apply1(st, &v2), SD_ESTALE); /* the same record again */
	CHECK(member_is(st, k->pk, id, &v2));
	CHECK_INT(sdtest_rec_member(&stale, codes, k, 1, id, &m1),
	    0); /* re-signed seq 1 */
	CHECK_INT(apply1(st, &stale), SD_ESTALE);
	s = stats(st);
	CHECK_INT(s.members, s0.members);
	CHECK_INT(s.records, s0.records);
	CHECK_INT(s.postings, s0.postings);
	CHECK_INT(df(st, STORE_F_NAME, "lappi"), 0);
	CHECK_INT(range_count(st, k->pk, 0, 10, NULL), 1);

	/* Same (origin, seq), other bytes: equivocation, the first stays. */
	CHECK_INT(sdtest_rec_member(&eq, codes, k, 2, id, &m3), 0);
	CHECK_INT(apply1(st, &eq), SD_EEXIST);
	CHECK(member_is(st, k->pk, id, &v2));
	CHECK_INT(df(st, STORE_F_NAME, "equivocal"), 0);
	s = stats(st);
	CHECK_INT(s.postings, s0.postings);
	CHECK_INT(s.records, s0.records);

	/* v3 at seq 3, then a tombstone at seq 5. */
	CHECK_INT(sdtest_rec_member(&v3, codes, k, 3, id, &m1), 0);
	CHECK_INT(apply1(st, &v3), 0);
	CHECK(member_is(st, k->pk, id, &v3));
	{
		/* The index is back to what it was before the member came. */
		CHECK_INT(sdtest_rec_tombstone(&tomb, codes, k, 5, id), 0);
		CHECK_INT(apply1(st, &tomb), 0);
		s = stats(st);
		CHECK_INT(s.members, base.members);
		CHECK_INT(s.postings, base.postings);
		CHECK_INT(s.terms, base.terms);
		CHECK_INT(s.records, base.records + 1); /* + the tombstone */
		CHECK_INT(df(st, STORE_F_CAPABILITY, "sheet"), 1);
		CHECK_INT(df(st, STORE_F_CAPABILITY, "metal"), 1);
		CHECK(member_is(st, kb->pk, byid, &by));
		CHECK_INT(
		    query_find(st, NULL, "sheet metal", bykey, &found), 1);
		CHECK(found);
		CHECK(member_absent(st, k->pk, id));
		CHECK(member_absent(st, NULL, id));
		CHECK_INT(df(st, STORE_F_NAME, "lappi"), 0);
		CHECK_INT(df(st, STORE_F_COUNTRY, "FI"), 0);
		CHECK_INT(df(st, STORE_F_REGION, "FI1D7"), 0);
		CHECK_INT(df(st, STORE_F_SECTOR, "C"), 0);
		CHECK_INT(df(st, STORE_F_CAPABILITY, "laser"), 0);
		CHECK_INT(df(st, STORE_F_KIND, "sme"), 0);
		CHECK_INT(range_count(st, k->pk, 0, 10, &sq), 1);
		CHECK_INT(sq.v[0], 5); /* old bytes gone, tombstone kept */
		CHECK_INT(store_member_state(st, k->pk, id, &seq, &live), 0);
		CHECK_INT(seq, 5);
		CHECK_INT(live, 0);
		CHECK_INT(query_find(st, "FI", "lappi", NULL, NULL), 0);
	}
	/* A member record older than the tombstone does not resurrect. */
	CHECK_INT(sdtest_rec_member(&old, codes, k, 4, id, &m1), 0);
	CHECK_INT(apply1(st, &old), SD_ESTALE);
	CHECK(member_absent(st, k->pk, id));
	CHECK_INT(stats(st).members, base.members);
	CHECK_INT(stats(st).postings, base.postings);
	CHECK_INT(apply1(st, &tomb), SD_ESTALE);
	/* A newer one does, and replaces the tombstone. */
	CHECK_INT(sdtest_rec_member(&revive, codes, k, 6, id, &m2), 0);
	CHECK_INT(apply1(st, &revive), 0);
	CHECK(member_is(st, k->pk, id, &revive));
	s = stats(st);
	CHECK_INT(s.members, base.members + 1);
	CHECK_INT(s.records, base.records + 1);
	CHECK_INT(range_count(st, k->pk, 0, 10, &sq), 1);
	CHECK_INT(sq.v[0], 6);
	CHECK_INT(df(st, STORE_F_NAME, "nordlaser"), 1);
	CHECK_INT(query_find(st, "SE", "nordlaser", key, &found), 1);
	CHECK(found);
	/* A tombstone for a member never seen is stored (it must win over a
	 * later-arriving older version) and counts no member. */
	{
		struct sdtest_rec t2, late;
		uint8_t id2[MEMBER_ID_BYTES];
		make_id(id2, 1, 2);
		CHECK_INT(sdtest_rec_tombstone(&t2, codes, k, 8, id2), 0);
		CHECK_INT(apply1(st, &t2), 0);
		CHECK_INT(stats(st).members, base.members + 1);
		CHECK_INT(sdtest_rec_member(&late, codes, k, 7, id2, &m1), 0);
		CHECK_INT(apply1(st, &late), SD_ESTALE);
		CHECK(member_absent(st, k->pk, id2));
		CHECK_INT(df(st, STORE_F_NAME, "lappi"), 0);
		sdtest_rec_free(&t2);
		sdtest_rec_free(&late);
	}

	sdtest_rec_free(&v1);
	sdtest_rec_free(&v2);
	sdtest_rec_free(&v3);
	sdtest_rec_free(&stale);
	sdtest_rec_free(&eq);
	sdtest_rec_free(&tomb);
	sdtest_rec_free(&old);
	sdtest_rec_free(&revive);
	sdtest_rec_free(&by);
	key_free(k);
	key_free(kb);
	store_close(st);
}

static void
test_watermark_and_batch(void)
{
	struct store *st = open_store("marks", 0);
	struct key *k = NULL, *k2 = NULL;
	struct sdtest_rec t[6], bad, good;
	struct store_item items[6];
	uint8_t id[MEMBER_ID_BYTES];
	struct sdtest_member m = {
		.name = "Batch Member Oy", .country = "FI", .employees = 3
	};
	size_t i;

	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK_INT(key_generate(&k), 0);
	CHECK_INT(key_generate(&k2), 0);
	CHECK_INT(mark(st, k->pk), 0);

	/* Several items in one call all land together. */
	for (i = 0; i < 6; i++) {
		make_id(id, 2, (int)i);
		CHECK_INT(sdtest_rec_member(&t[i], codes, k, i + 1, id, &m), 0);
		items[i] = sdtest_rec_item(&t[i]);
	}
	CHECK_INT(store_apply(st, items, 3, k->pk, 0, 3), 0);
	for (i = 0; i < 3; i++)
		CHECK_INT(items[i].result, 0);
	CHECK_INT(stats(st).members, 3);
	CHECK_INT(range_count(st, k->pk, 0, 3, NULL), 3);
	CHECK_INT(df(st, STORE_F_NAME, "batch"), 3);
	CHECK_INT(mark(st, k->pk), 3);
	CHECK_INT(mark(st, k2->pk), 0); /* other origins untouched */

	/* W moves to `to` only if it equals from; records held just above
	 * W extend it (nothing below them is missing), a gap stops it. */
	CHECK_INT(store_apply(st, items + 4, 1, k->pk, 1, 5), 0); /* seq 5 */
	CHECK_INT(items[4].result, 0);
	CHECK_INT(mark(st, k->pk), 3); /* 4 is missing */
	CHECK_INT(store_apply(st, items + 3, 1, k->pk, 3, 4), 0); /* seq 4 */
	CHECK_INT(items[3].result, 0);
	CHECK_INT(mark(st, k->pk), 5); /* 4, then the 5 already held */
	CHECK_INT(store_apply(st, items + 3, 1, k->pk, 3, 4), 0);
	CHECK_INT(items[3].result, SD_ESTALE);
	CHECK_INT(mark(st, k->pk), 5);
	CHECK_INT(store_apply(st, NULL, 0, k->pk, 6, 9), 0); /* W is 5 */
	CHECK_INT(mark(st, k->pk), 5);
	CHECK_INT(store_apply(st, NULL, 0, k->pk, 5, 5), 0); /* to == from */
	CHECK_INT(mark(st, k->pk), 5);
	CHECK_INT(store_apply(st, NULL, 0, k->pk, 5, 2), 0); /* backwards */
	CHECK_INT(mark(st, k->pk), 5);
	CHECK_INT(store_apply(st, items + 5, 1, k->pk, 5, 6), 0);
	CHECK_INT(mark(st, k->pk), 6);
	CHECK_INT(stats(st).members, 6);
	CHECK_INT(store_apply(st, NULL, 0, k2->pk, 0, 2), 0);
	CHECK_INT(mark(st, k2->pk), 2);
	CHECK_INT(mark(st, k->pk), 6);

	/* A batch with a hard failure in it writes nothing: neither its good
	 * items nor the watermark. The bad item is a record whose body holds
	 * no known kind (record_open would refuse it; store_apply must too). */
	{
		struct sdtest_member m2 = { .name = "Atomic Member Oy",
			.country = "FI",
			.employees = 3 };
		struct store_item bi[2];
		struct store_stats s0 = stats(st), s1;
		uint8_t id2[MEMBER_ID_BYTES];
		Sd__RecordBody__KindCase saved;
		int rc;

		make_id(id2, 2, 100);
		CHECK_INT(sdtest_rec_member(&bad, codes, k2, 3, id2, &m2), 0);
		make_id(id2, 2, 101);
		CHECK_INT(sdtest_rec_member(&good, codes, k2, 4, id2, &m2), 0);
		bi[0] = sdtest_rec_item(&good);
		bi[1] = sdtest_rec_item(&bad);
		saved = bad.r.body->kind_case;
		bad.r.body->kind_case = SD__RECORD_BODY__KIND__NOT_SET;
		rc = store_apply(st, bi, 2, k2->pk, 2, 4);
		bad.r.body->kind_case = saved;
		CHECK(rc < 0);
		s1 = stats(st);
		CHECK_INT(s1.members, s0.members);
		CHECK_INT(s1.records, s0.records);
		CHECK_INT(s1.postings, s0.postings);
		CHECK_INT(df(st, STORE_F_NAME, "atomic"), 0);
		CHECK_INT(mark(st, k2->pk), 2);
		CHECK_INT(range_count(st, k2->pk, 0, 10, NULL), 0);
		/* The same batch without the bad item goes through. */
		CHECK_INT(store_apply(st, bi, 1, k2->pk, 2, 4), 0);
		CHECK_INT(bi[0].result, 0);
		CHECK_INT(df(st, STORE_F_NAME, "atomic"), 1);
		CHECK_INT(mark(st, k2->pk), 4);
	}

	for (i = 0; i < 6; i++)
		sdtest_rec_free(&t[i]);
	sdtest_rec_free(&bad);
	sdtest_rec_free(&good);
	key_free(k);
	key_free(k2);
	store_close(st);
}

struct keylist {
	uint8_t k[64][STORE_KEY_BYTES];
	size_t n;
	int bad;
};

static int
keylist_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct keylist *kl = arg;

	if (kl->n >= 64 || sdtest_record_key(rec, len, kl->k[kl->n]) != 0)
		kl->bad++;
	else
		kl->n++;
	return 0;
}

static void
test_certs_and_revocation(void)
{
	struct store *st = open_store("certs", 0);
	struct key *rootk = NULL, *node = NULL, *other = NULL;
	struct sdtest_rec c1, c2, rev, rev2, mem[4], om;
	struct blob b = { 0 };
	struct store_stats s_before, s;
	struct keylist kl;
	uint8_t id[MEMBER_ID_BYTES], okey[STORE_KEY_BYTES];
	struct sdtest_member m = { .name = "Revokee Metsa Oy",
		.country = "FI",
		.region = "FI1B1",
		.caps = { "forestry robots" },
		.employees = 20 };
	struct sdtest_member mo = { .name = "Survivor Teollisuus Oy",
		.country = "FI",
		.region = "FI1B1",
		.caps = { "forestry robots" },
		.employees = 20 };
	int revoked = -1, found = 0;
	size_t i;

	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK_INT(key_generate(&rootk), 0);
	CHECK_INT(key_generate(&node), 0);
	CHECK_INT(key_generate(&other), 0);

	/* No certificate yet. */
	CHECK_INT(
	    store_cert(st, node->pk, blob_cb, &b, &revoked), SD_ENOTFOUND);
	CHECK_INT(revoked, 0);

	CHECK_INT(make_cert(&c1, rootk, 1, node->pk, "Lapland node"), 0);
	CHECK_INT(apply1(st, &c1), 0);
	CHECK_INT(store_cert(st, node->pk, blob_cb, &b, &revoked), 0);
	CHECK(blob_is(&b, &c1));
	CHECK_INT(revoked, 0);
	CHECK_INT(stats(st).members, 0);

	/* A newer cert replaces it; the old record is gone. */
	CHECK_INT(make_cert(&c2, rootk, 2, node->pk, "Lapland node v2"), 0);
	CHECK_INT(apply1(st, &c2), 0);
	CHECK_INT(store_cert(st, node->pk, blob_cb, &b, &revoked), 0);
	CHECK(blob_is(&b, &c2));
	CHECK_INT(revoked, 0);
	CHECK_INT(range_count(st, rootk->pk, 0, 1, NULL), 0);
	CHECK_INT(range_count(st, rootk->pk, 0, 10, NULL), 1);
	CHECK_INT(apply1(st, &c1), SD_ESTALE); /* the old one again */
	CHECK_INT(store_cert(st, node->pk, blob_cb, &b, &revoked), 0);
	CHECK(blob_is(&b, &c2));

	/* Another origin's member, which must survive the revocation. */
	make_id(id, 9, 1);
	make_key(okey, other->pk, id);
	CHECK_INT(sdtest_rec_member(&om, codes, other, 1, id, &mo), 0);
	CHECK_INT(apply1(st, &om), 0);
	s_before = stats(st);

	/* The node publishes three members and a tombstone; W = 4. */
	{
		struct store_item it[4];
		for (i = 0; i < 3; i++) {
			make_id(id, 3, (int)i);
			CHECK_INT(sdtest_rec_member(
			              &mem[i], codes, node, i + 1, id, &m),
			    0);
		}
		make_id(id, 3, 0);
		CHECK_INT(sdtest_rec_tombstone(&mem[3], codes, node, 4, id), 0);
		for (i = 0; i < 4; i++) {
			it[i] = sdtest_rec_item(&mem[i]);
		}
		CHECK_INT(store_apply(st, it, 4, node->pk, 0, 4), 0);
		for (i = 0; i < 4; i++)
			CHECK_INT(it[i].result, 0);
	}
	CHECK_INT(mark(st, node->pk), 4);
	s = stats(st);
	CHECK_INT(s.members, s_before.members + 2);
	CHECK_INT(live_of(st, node->pk), 2);
	CHECK_INT(live_of(st, other->pk), 1);
	CHECK_INT(df(st, STORE_F_NAME, "revokee"), 2);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "forestry"), 3);
	CHECK_INT(range_count(st, node->pk, 0, 10, NULL), 3);

	/* The revocation: node marked revoked, its origin purged. */
	CHECK_INT(sdtest_rec_revocation(
	              &rev, codes, rootk, 3, node->pk, "compromised"),
	    0);
	CHECK_INT(apply1(st, &rev), 0);
	CHECK_INT(store_cert(st, node->pk, blob_cb, &b, &revoked), 0);
	CHECK_INT(revoked, 1);
	CHECK(blob_is(&b, &c2));
	s = stats(st);
	CHECK_INT(s.members, s_before.members);
	CHECK_INT(s.postings, s_before.postings);
	CHECK_INT(s.terms, s_before.terms);
	CHECK_INT(s.records, s_before.records + 1); /* + the revocation */
	CHECK_INT(df(st, STORE_F_NAME, "revokee"), 0);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "forestry"), 1);
	CHECK_INT(range_count(st, node->pk, 0, UINT64_MAX, NULL), 0);
	CHECK_INT(mark(st, node->pk), 0);
	CHECK_INT(live_of(st, node->pk), 0);
	CHECK_INT(live_of(st, other->pk), 1);
	for (i = 0; i < 3; i++) {
		uint64_t seq;
		int live;
		make_id(id, 3, (int)i);
		CHECK(member_absent(st, node->pk, id));
		CHECK_INT(store_member_state(st, node->pk, id, &seq, &live),
		    SD_ENOTFOUND);
	}
	memset(&kl, 0, sizeof(kl));
	CHECK_INT(
	    store_members_walk(st, node->pk, NULL, 0, keylist_cb, &kl, NULL),
	    0);
	CHECK_INT(kl.n, 0);
	CHECK_INT(query_find(st, "FI", "forestry", okey, &found), 1);
	CHECK(found);
	/* The root's records: the current cert and the revocation. */
	CHECK_INT(range_count(st, rootk->pk, 0, 10, NULL), 2);
	/* Records of the revoked origin that arrive afterwards (raced with
	 * the revocation, or relayed late) are refused. */
	{
		struct sdtest_rec late;
		make_id(id, 3, 9);
		CHECK_INT(sdtest_rec_member(&late, codes, node, 9, id, &m), 0);
		CHECK_INT(apply1(st, &late), SD_EREVOKED);
		CHECK(member_absent(st, node->pk, id));
		CHECK_INT(stats(st).members, s_before.members);
		sdtest_rec_free(&late);
	}
	/* A second revocation of the same node is a no-op. */
	CHECK_INT(sdtest_rec_revocation(
	              &rev2, codes, rootk, 4, node->pk, "compromised"),
	    0);
	CHECK_INT(apply1(st, &rev2), SD_ESTALE);
	CHECK_INT(apply1(st, &rev), SD_ESTALE);
	CHECK_INT(stats(st).records, s.records);

	blob_free(&b);
	sdtest_rec_free(&c1);
	sdtest_rec_free(&c2);
	sdtest_rec_free(&rev);
	sdtest_rec_free(&rev2);
	sdtest_rec_free(&om);
	for (i = 0; i < 4; i++)
		sdtest_rec_free(&mem[i]);
	/* The root set arrives as a set: a watermark past a certificate the
	 * sender did not hold yet (seq 101 here) must not make that
	 * certificate "stale" when it arrives later. */
	{
		struct sdtest_rec c3, c4, c5;
		struct key *k3, *k4;
		struct store_item it[2];
		uint8_t b5[32];
		CHECK_INT(key_generate(&k3), 0);
		CHECK_INT(key_generate(&k4), 0);
		memset(b5, 0x55, sizeof(b5));
		CHECK_INT(make_cert(&c3, rootk, 100, k3->pk, "three"), 0);
		CHECK_INT(make_cert(&c4, rootk, 101, k4->pk, "four"), 0);
		CHECK_INT(make_cert(&c5, rootk, 102, b5, "five"), 0);
		memset(it, 0, sizeof(it));
		it[0] = sdtest_rec_item(&c3);
		it[1] = sdtest_rec_item(&c5);
		CHECK_INT(
		    store_apply(st, it, 2, rootk->pk, mark(st, rootk->pk), 102),
		    0);
		CHECK_INT(mark(st, rootk->pk), 102);
		CHECK_INT(store_cert(st, k4->pk, blob_cb, &b, &revoked),
		    SD_ENOTFOUND);
		CHECK_INT(apply1(st, &c4), 0);
		CHECK_INT(store_cert(st, k4->pk, blob_cb, &b, &revoked), 0);
		CHECK(blob_is(&b, &c4));
		CHECK_INT(apply1(st, &c4), SD_ESTALE); /* now a duplicate */
		blob_free(&b);
		sdtest_rec_free(&c3);
		sdtest_rec_free(&c4);
		sdtest_rec_free(&c5);
		key_free(k3);
		key_free(k4);
	}

	key_free(rootk);
	key_free(node);
	key_free(other);
	store_close(st);
}

/* ---- random operations against a model ---- */

#define R_ORIGINS 2
#define R_IDS 50
#define R_OPS 600

static const char *r_countries[][2] = {
	{ "FI", "FI1D7" },
	{ "SE", "SE110" },
	{ "LT", "LT011" },
	{ "NO", "NO081" },
	{ "PL", "PL911" },
};
static const char *r_words[] = { "alpha", "boreal", "cobalt", "delta",
	"ember" };

struct rmember {
	int ver; /* versions published (0: never) */
	int live;
	int country; /* index into r_countries */
	int word; /* shared name word */
	struct sdtest_rec last; /* the latest record (member or tombstone) */
};

static uint64_t r_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	/* xorshift64*: fixed seed, the same sequence on every run. */
	r_state ^= r_state >> 12;
	r_state ^= r_state << 25;
	r_state ^= r_state >> 27;
	return (uint32_t)((r_state * 2685821657736338717ull) >> 33) % n;
}

static void
r_token(char *buf, size_t len, int o, int i, int ver)
{
	snprintf(buf, len, "o%di%dv%d", o, i, ver);
}

static void
test_random_consistency(void)
{
	struct store *st = open_store("random", 0), *fresh = NULL;
	struct key *keys[R_ORIGINS] = { NULL };
	static struct rmember model[R_ORIGINS][R_IDS];
	uint64_t seq[R_ORIGINS] = { 0 };
	uint8_t id[MEMBER_ID_BYTES], key[STORE_KEY_BYTES];
	char tok[32], name[96];
	int o, i, op, v, bad_results = 0, bad_live = 0, bad_dead = 0,
	                 bad_old = 0, bad_query = 0, stale_ok = 0, n_tomb = 0,
	                 n_update = 0, n_late = 0;
	uint64_t live_count = 0;
	struct store_stats s, fs;

	CHECK(st != NULL);
	if (st == NULL)
		return;
	memset(model, 0, sizeof(model));
	for (o = 0; o < R_ORIGINS; o++)
		CHECK_INT(key_generate(&keys[o]), 0);
	for (op = 0; op < R_OPS; op++) {
		struct rmember *rm;
		struct sdtest_rec t;
		int kind = (int)rnd(10), rc;
		o = (int)rnd(R_ORIGINS);
		i = (int)rnd(R_IDS);
		rm = &model[o][i];
		make_id(id, o, i);
		if (kind == 0 && rm->ver > 0) {
			/* Re-deliver the latest record: a no-op. */
			rc = apply1(st, &rm->last);
			if (rc == SD_ESTALE)
				stale_ok++;
			else
				bad_results++;
			continue;
		}
		seq[o]++;
		if (kind <= 2 && rm->live) {
			rc = sdtest_rec_tombstone(
			    &t, codes, keys[o], seq[o], id);
			rm->live = 0;
			n_tomb++;
		} else {
			struct sdtest_member ms = { .name = name,
				.employees = -1 };
			if (rm->ver > 0)
				n_update++;
			rm->ver++;
			rm->live = 1;
			rm->country = (int)rnd(5);
			rm->word = (int)rnd(5);
			r_token(tok, sizeof(tok), o, i, rm->ver);
			snprintf(name, sizeof(name), "%s %s Oy",
			    r_words[rm->word], tok);
			ms.country = r_countries[rm->country][0];
			ms.region = r_countries[rm->country][1];
			ms.caps[0] = r_words[(rm->word + 1) % 5];
			ms.employees = (int)rnd(400);
			rc = sdtest_rec_member(
			    &t, codes, keys[o], seq[o], id, &ms);
		}
		CHECK_INT(rc, 0);
		if (rc != 0)
			continue;
		if (apply1(st, &t) != 0)
			bad_results++;
		/* Occasionally an out-of-date version arrives late. */
		if (rm->ver > 0 && rm->last.bytes != NULL && rnd(4) == 0) {
			n_late++;
			if (apply1(st, &rm->last) != SD_ESTALE)
				bad_results++;
		}
		sdtest_rec_free(&rm->last);
		rm->last = t;
	}
	CHECK_INT(bad_results, 0);
	/* The sequence exercises every kind of operation. */
	CHECK(stale_ok > 10);
	CHECK(n_tomb > 30);
	CHECK(n_update > 100);
	CHECK(n_late > 20);

	/* Every live member is found by country + its name token, has exactly
	 * its current tokens indexed; dead and old versions are gone. */
	for (o = 0; o < R_ORIGINS; o++)
		for (i = 0; i < R_IDS; i++) {
			struct rmember *rm = &model[o][i];
			int found = 0;
			make_id(id, o, i);
			make_key(key, keys[o]->pk, id);
			for (v = 1; v < rm->ver; v++) {
				r_token(tok, sizeof(tok), o, i, v);
				if (df(st, STORE_F_NAME, tok) != 0)
					bad_old++;
			}
			if (rm->ver == 0)
				continue;
			r_token(tok, sizeof(tok), o, i, rm->ver);
			if (rm->live) {
				live_count++;
				if (df(st, STORE_F_NAME, tok) != 1 ||
				    !member_is(st, keys[o]->pk, id, &rm->last))
					bad_live++;
				if (query_find(st, r_countries[rm->country][0],
				        tok, key, &found) != 1 ||
				    !found)
					bad_query++;
				if (query_find(st, NULL, r_words[rm->word], key,
				        &found) < 1 ||
				    !found)
					bad_query++;
				/* and not under another country */
				if (query_find(st,
				        r_countries[(rm->country + 1) % 5][0],
				        tok, NULL, NULL) != 0)
					bad_query++;
			} else {
				if (df(st, STORE_F_NAME, tok) != 0 ||
				    !member_absent(st, keys[o]->pk, id))
					bad_dead++;
				if (query_find(st, NULL, tok, key, &found) !=
				        0 ||
				    found)
					bad_query++;
			}
		}
	CHECK_INT(bad_live, 0);
	CHECK_INT(bad_dead, 0);
	CHECK_INT(bad_old, 0);
	CHECK_INT(bad_query, 0);
	s = stats(st);
	CHECK_INT(s.members, live_count);
	CHECK(live_count > 10);
	CHECK(live_count < R_ORIGINS * R_IDS);

	/* The index equals one rebuilt from the final records alone. */
	fresh = open_store("random-rebuilt", 0);
	CHECK(fresh != NULL);
	if (fresh != NULL) {
		int bad = 0;
		uint64_t n_records = 0;
		for (o = 0; o < R_ORIGINS; o++)
			for (i = 0; i < R_IDS; i++)
				if (model[o][i].ver > 0) {
					n_records++;
					if (apply1(fresh, &model[o][i].last) !=
					    0)
						bad++;
				}
		CHECK_INT(bad, 0);
		fs = stats(fresh);
		CHECK_INT(fs.members, s.members);
		CHECK_INT(fs.records, s.records);
		CHECK_INT(fs.postings, s.postings);
		CHECK_INT(fs.terms, s.terms);
		CHECK_INT(s.records, n_records);
		store_close(fresh);
	}

	for (o = 0; o < R_ORIGINS; o++) {
		for (i = 0; i < R_IDS; i++)
			sdtest_rec_free(&model[o][i].last);
		key_free(keys[o]);
	}
	store_close(st);
}

static void
test_reopen_and_walk(void)
{
	struct store *st = open_store("reopen", 0), *ro = NULL;
	struct key *k = NULL, *k2 = NULL;
	struct sdtest_rec t[7], other;
	struct store_item it[7];
	struct keylist all, page;
	uint8_t id[MEMBER_ID_BYTES], next[STORE_KEY_BYTES];
	struct sdtest_member m = {
		.name = "Walker Oy", .country = "FI", .employees = 5
	};
	struct store_stats s0;
	size_t i, j, pages;
	int rc, sorted = 1, dup = 0;

	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK_INT(key_generate(&k), 0);
	CHECK_INT(key_generate(&k2), 0);
	/* Five members; one of them tombstoned afterwards (seq 6), so the
	 * walk must skip it. */
	for (i = 0; i < 6; i++) {
		make_id(id, 4, (int)(10 - i)); /* inserted out of key order */
		CHECK_INT(sdtest_rec_member(&t[i], codes, k, i + 1, id, &m), 0);
	}
	make_id(id, 4, 10 - 2);
	CHECK_INT(sdtest_rec_tombstone(&t[6], codes, k, 7, id), 0);
	for (i = 0; i < 7; i++) {
		it[i] = sdtest_rec_item(&t[i]);
	}
	CHECK_INT(store_apply(st, it, 7, k->pk, 0, 7), 0);
	make_id(id, 5, 1);
	CHECK_INT(sdtest_rec_member(&other, codes, k2, 1, id, &m), 0);
	CHECK_INT(apply1(st, &other), 0);
	s0 = stats(st);
	CHECK_INT(s0.members, 6);

	/* Reopen: everything is still there. */
	store_close(st);
	st = open_store("reopen", 0);
	CHECK(st != NULL);
	if (st == NULL)
		goto out;
	{
		struct store_stats s1 = stats(st);
		CHECK_INT(s1.members, s0.members);
		CHECK_INT(s1.records, s0.records);
		CHECK_INT(s1.postings, s0.postings);
		CHECK_INT(s1.terms, s0.terms);
	}
	make_id(id, 4, 10);
	CHECK(member_is(st, k->pk, id, &t[0]));
	CHECK_INT(mark(st, k->pk), 7);

	/* Read-only: reads work, writes are refused. */
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/reopen", root);
		rc = store_open(path, codes, 64, STORE_RDONLY, &ro);
		CHECK_INT(rc, 0);
	}
	if (ro != NULL) {
		struct store_item wi = { other.bytes, other.len, &other.r, 0 };
		int found = 0;
		make_key(next, k->pk, id);
		CHECK(member_is(ro, k->pk, id, &t[0]));
		CHECK_INT(stats(ro).members, 6);
		CHECK_INT(mark(ro, k->pk), 7);
		CHECK_INT(query_find(ro, "FI", "walker", next, &found), 6);
		CHECK(found);
		CHECK(store_apply(ro, &wi, 1, NULL, 0, 0) != 0);
		/* A reader sees what the writer commits meanwhile. */
		{
			struct sdtest_rec extra, gone;
			uint8_t eid[MEMBER_ID_BYTES];
			make_id(eid, 5, 2);
			CHECK_INT(
			    sdtest_rec_member(&extra, codes, k2, 2, eid, &m),
			    0);
			CHECK_INT(apply1(st, &extra), 0);
			CHECK(member_is(ro, k2->pk, eid, &extra));
			CHECK_INT(stats(ro).members, 7);
			CHECK_INT(
			    sdtest_rec_tombstone(&gone, codes, k2, 3, eid), 0);
			CHECK_INT(apply1(st, &gone), 0);
			CHECK(member_absent(ro, k2->pk, eid));
			sdtest_rec_free(&extra);
			sdtest_rec_free(&gone);
		}
		store_close(ro);
	}
	CHECK_INT(stats(st).members, 6);

	/* Walk of one origin, all at once: 5 live members in key order. */
	memset(&all, 0, sizeof(all));
	CHECK_INT(
	    store_members_walk(st, k->pk, NULL, 0, keylist_cb, &all, NULL), 0);
	CHECK_INT(all.n, 5);
	CHECK_INT(all.bad, 0);
	for (i = 1; i < all.n; i++)
		if (memcmp(all.k[i - 1], all.k[i], STORE_KEY_BYTES) >= 0)
			sorted = 0;
	CHECK(sorted);
	for (i = 0; i < all.n; i++) {
		CHECK(memcmp(all.k[i], k->pk, KEY_PUBLIC_BYTES) == 0);
		make_id(id, 4, 10 - 2);
		CHECK(memcmp(all.k[i] + KEY_PUBLIC_BYTES, id,
		          MEMBER_ID_BYTES) != 0);
	}

	/* Paged by 2: 2, 2, 1 with `next` carrying on; same keys. */
	memset(&page, 0, sizeof(page));
	pages = 0;
	{
		const uint8_t *after = NULL;
		uint8_t cursor[STORE_KEY_BYTES];
		size_t sizes[8] = { 0 };
		for (;;) {
			size_t before = page.n;
			rc = store_members_walk(
			    st, k->pk, after, 2, keylist_cb, &page, next);
			CHECK(rc == 0 || rc == 1);
			if (pages < 8)
				sizes[pages] = page.n - before;
			pages++;
			if (rc != 1 || pages > 6)
				break;
			CHECK(memcmp(next, page.k[page.n - 1],
			          STORE_KEY_BYTES) == 0);
			memcpy(cursor, next, sizeof(cursor));
			after = cursor;
		}
		CHECK_INT(pages, 3);
		CHECK_INT(sizes[0], 2);
		CHECK_INT(sizes[1], 2);
		CHECK_INT(sizes[2], 1);
	}
	CHECK_INT(page.n, all.n);
	for (i = 0; i < page.n && i < all.n; i++)
		CHECK(memcmp(page.k[i], all.k[i], STORE_KEY_BYTES) == 0);
	/* Exactly a multiple of the limit: the last full page says done. */
	memset(&page, 0, sizeof(page));
	CHECK_INT(
	    store_members_walk(st, k->pk, NULL, 5, keylist_cb, &page, next), 0);
	CHECK_INT(page.n, 5);
	/* All origins: 6 members (k's five and k2's one). */
	memset(&page, 0, sizeof(page));
	CHECK_INT(
	    store_members_walk(st, NULL, NULL, 0, keylist_cb, &page, NULL), 0);
	CHECK_INT(page.n, 6);
	for (i = 0; i < page.n; i++)
		for (j = 0; j < i; j++)
			if (memcmp(page.k[i], page.k[j], STORE_KEY_BYTES) == 0)
				dup++;
	CHECK_INT(dup, 0);
	/* Paging over all origins by 4: 4 then 2. */
	memset(&page, 0, sizeof(page));
	CHECK_INT(
	    store_members_walk(st, NULL, NULL, 4, keylist_cb, &page, next), 1);
	CHECK_INT(page.n, 4);
	CHECK_INT(
	    store_members_walk(st, NULL, next, 4, keylist_cb, &page, next), 0);
	CHECK_INT(page.n, 6);
out:
	for (i = 0; i < 7; i++)
		sdtest_rec_free(&t[i]);
	sdtest_rec_free(&other);
	key_free(k);
	key_free(k2);
	store_close(st);
}

/*
 * Below the watermark, a seq whose record was superseded (its bytes
 * purged) cannot be used again: neither a replay of the old record nor a
 * different record under the same seq (equivocation after the fact).
 */
static void
test_replay_below_watermark(void)
{
	struct store *st = open_store("replay", 0);
	struct key *k = NULL;
	struct sdtest_rec v1, v2, other;
	struct store_item it;
	uint8_t id[MEMBER_ID_BYTES], id2[MEMBER_ID_BYTES];
	struct sdtest_member a = {
		.name = "Replay Target Oy", .country = "FI", .employees = -1
	};
	struct sdtest_member b = {
		.name = "Replay Forgery Oy", .country = "FI", .employees = -1
	};
	uint64_t seq;
	int live;

	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK_INT(key_generate(&k), 0);
	make_id(id, 7, 1);
	make_id(id2, 7, 2);
	CHECK_INT(sdtest_rec_member(&v1, codes, k, 1, id, &a), 0);
	a.name = "Replay Target Renamed Oy";
	CHECK_INT(sdtest_rec_member(&v2, codes, k, 2, id, &a), 0);
	CHECK_INT(sdtest_rec_member(&other, codes, k, 1, id2, &b), 0);
	memset(&it, 0, sizeof(it));
	it = sdtest_rec_item(&v1);
	CHECK_INT(store_apply(st, &it, 1, k->pk, 0, 1), 0);
	CHECK_INT(it.result, 0);
	it = sdtest_rec_item(&v2);
	CHECK_INT(store_apply(st, &it, 1, k->pk, 1, 2), 0);
	CHECK_INT(it.result, 0);
	CHECK_INT(mark(st, k->pk), 2);
	/* The replayed first version is stale, and stays purged. */
	it = sdtest_rec_item(&v1);
	CHECK_INT(store_apply(st, &it, 1, k->pk, 2, 2), 0);
	CHECK_INT(it.result, SD_ESTALE);
	CHECK_INT(range_count(st, k->pk, 0, 2, NULL), 1);
	/* Another record under seq 1 is refused: the new member never
	 * appears. */
	it = sdtest_rec_item(&other);
	CHECK_INT(store_apply(st, &it, 1, k->pk, 2, 2), 0);
	CHECK_INT(it.result, SD_ESTALE);
	CHECK_INT(
	    store_member_state(st, k->pk, id2, &seq, &live), SD_ENOTFOUND);
	CHECK_INT(df(st, STORE_F_NAME, "forgery"), 0);
	sdtest_rec_free(&v1);
	sdtest_rec_free(&v2);
	sdtest_rec_free(&other);
	key_free(k);
	store_close(st);
}

/* A schema-1 store (postings without frequencies, no token sums) is
 * reindexed when opened: the same members are found, ranked as in a store
 * written by this version. Schema 1 is made from a fresh store with
 * LMDB directly (as the old code left it: schema 1, other postings). */
static void
test_reindex_schema1(void)
{
	static const struct sdtest_member ms[3] = {
		{ "Recycling Robots Oy", "FI", "FI1D7", "Rovaniemi",
		    "Robots that sort recycled metals",
		    { "robotics", "metal recycling" }, { "28.99" }, 0, 30 },
		{ "Nordlaser AB", "SE", NULL, "Luleå", NULL,
		    { "laser cutting" }, { "25.62" }, 0, 8 },
		{ "Jyväskylä Recyclers", "FI", NULL, "Jyväskylä", NULL,
		    { "recycling" }, { 0 }, 0, -1 },
	};
	struct store *st;
	struct key *k = NULL;
	struct sdtest_rec t[3];
	struct store_stats before, after;
	uint8_t id[MEMBER_ID_BYTES];
	char path[512];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi meta, postings;
	size_t i;
	long n_before;

	if ((st = open_store("reindex", 0)) == NULL || key_generate(&k) != 0) {
		CHECK(0);
		store_close(st);
		return;
	}
	for (i = 0; i < 3; i++) {
		make_id(id, 7, (int)i);
		CHECK_INT(
		    sdtest_rec_member(&t[i], codes, k, i + 1, id, &ms[i]), 0);
		CHECK_INT(apply1(st, &t[i]), 0);
	}
	before = stats(st);
	n_before = query_find(st, NULL, "recycling", NULL, NULL);
	CHECK_INT(n_before, 2);
	store_close(st);

	/* Back to schema 1: no postings, no token sums. */
	snprintf(path, sizeof(path), "%s/reindex", root);
	CHECK_INT(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	CHECK_INT(mdb_env_open(env, path, 0, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	CHECK_INT(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	CHECK_INT(mdb_dbi_open(
	              txn, "postings", MDB_DUPSORT | MDB_DUPFIXED, &postings),
	    0);
	{
		uint8_t one[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
		MDB_val sk = { 6, "schema" }, sv = { 8, one };
		const char *f;
		uint8_t lk[4 + KEY_PUBLIC_BYTES];
		MDB_val lkv = { sizeof(lk), lk };
		CHECK_INT(mdb_put(txn, meta, &sk, &sv, 0), 0);
		CHECK_INT(mdb_drop(txn, postings, 0), 0);
		memcpy(lk, "live", 4);
		memcpy(lk + 4, k->pk, KEY_PUBLIC_BYTES);
		CHECK_INT(mdb_del(txn, meta, &lkv, NULL), 0);
		for (f = STORE_TEXT_FIELDS; *f; f++) {
			char name[16];
			MDB_val tk;
			snprintf(name, sizeof(name), "tokens_%c", *f);
			tk.mv_size = strlen(name);
			tk.mv_data = name;
			mdb_del(txn, meta, &tk, NULL);
		}
	}
	CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	/* A reader cannot upgrade: it refuses the old schema. */
	st = open_store("reindex", STORE_RDONLY);
	CHECK(st == NULL);
	store_close(st);

	if ((st = open_store("reindex", 0)) == NULL) {
		CHECK(0);
	} else {
		after = stats(st);
		CHECK_INT(after.postings, before.postings);
		CHECK_INT(after.terms, before.terms);
		CHECK_INT(after.members, before.members);
		CHECK_INT(live_of(st, k->pk), 3);
		CHECK_INT(
		    query_find(st, NULL, "recycling", NULL, NULL), n_before);
		CHECK_INT(query_find(st, "SE", "lasers", NULL, NULL), 1);
		CHECK_INT(df(st, STORE_F_CAPABILITY, "robotics"), 1);
		store_close(st);
	}
	/* The upgrade is one way: the schema-1 store was copied first, as
	 * it was (schema 1, no postings), beside it. */
	{
		char bpath[600];
		MDB_dbi bmeta, bpost;
		MDB_stat ps;
		MDB_val sk = { 6, "schema" }, sv;
		snprintf(
		    bpath, sizeof(bpath), "%s/reindex.schema1-backup", root);
		env = NULL;
		CHECK_INT(mdb_env_create(&env), 0);
		mdb_env_set_maxdbs(env, 16);
		CHECK_INT(mdb_env_open(env, bpath, MDB_RDONLY, 0600), 0);
		CHECK_INT(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
		CHECK_INT(mdb_dbi_open(txn, "meta", 0, &bmeta), 0);
		CHECK_INT(mdb_get(txn, bmeta, &sk, &sv), 0);
		CHECK(sv.mv_size == 8 && ((uint8_t *)sv.mv_data)[7] == 1);
		CHECK_INT(mdb_dbi_open(txn, "postings", 0, &bpost), 0);
		CHECK_INT(mdb_stat(txn, bpost, &ps), 0);
		CHECK_INT(ps.ms_entries, 0);
		mdb_txn_abort(txn);
		mdb_env_close(env);
	}
	/* A store of a later schema (a downgrade): refused, clearly, by a
	 * writer and a reader alike, and left as it is. */
	env = NULL;
	CHECK_INT(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	CHECK_INT(mdb_env_open(env, path, 0, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	CHECK_INT(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	{
		uint8_t four[8] = { 0, 0, 0, 0, 0, 0, 0, STORE_SCHEMA + 1 };
		MDB_val sk = { 6, "schema" }, sv = { 8, four };
		CHECK_INT(mdb_put(txn, meta, &sk, &sv, 0), 0);
	}
	CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	{
		char path2[600];
		snprintf(path2, sizeof(path2), "%s/reindex", root);
		st = NULL;
		CHECK_INT(store_open(path2, codes, 64, 0, &st), SD_ESCHEMA);
		CHECK_INT(store_open(path2, codes, 64, STORE_RDONLY, &st),
		    SD_ESCHEMA);
		CHECK(st == NULL);
		CHECK_CONTAINS(sd_strerror(SD_ESCHEMA), "downgrade refused");
	}
	for (i = 0; i < 3; i++)
		sdtest_rec_free(&t[i]);
	key_free(k);
}

/* Filter terms are chunks of doc numbers: an array of offsets while
 * sparse, a bitmap from 256 docs, an array again when members leave, and
 * gone when the last one does. Counts and searches agree throughout. */
static void
test_filter_chunks(void)
{
	struct store *st = open_store("chunks", 0);
	struct key *k = NULL;
	struct sdtest_member m = {
		.name = "Chunk Oy", .country = "EE", .employees = 20
	};
	enum { N = 300 };
	struct sdtest_rec *t = calloc(2 * N, sizeof(*t));
	struct store_item *it = calloc(N, sizeof(*it));
	uint8_t id[MEMBER_ID_BYTES];
	size_t i;

	if (st == NULL || t == NULL || it == NULL || key_generate(&k) != 0) {
		CHECK(0);
		goto out;
	}
	for (i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "Chunk %zu Oy", i);
		m.name = name;
		make_id(id, 11, (int)i);
		CHECK_INT(sdtest_rec_member(&t[i], codes, k, i + 1, id, &m), 0);
		it[i] = sdtest_rec_item(&t[i]);
	}
	/* 10 first (an array), then the other 290 (a bitmap). */
	CHECK_INT(store_apply(st, it, 10, k->pk, 0, 10), 0);
	CHECK_INT(df(st, STORE_F_COUNTRY, "EE"), 10);
	CHECK_INT(query_find(st, "EE", NULL, NULL, NULL), 10);
	CHECK_INT(store_apply(st, it + 10, N - 10, k->pk, 10, N), 0);
	CHECK_INT(df(st, STORE_F_COUNTRY, "EE"), N);
	CHECK_INT(df(st, STORE_F_SIZE, "small"), N);
	CHECK_INT(query_find(st, "EE", NULL, NULL, NULL), N);
	/* 250 leave: back to an array of 50. */
	for (i = 0; i < 250; i++) {
		make_id(id, 11, (int)i);
		CHECK_INT(
		    sdtest_rec_tombstone(&t[N + i], codes, k, N + i + 1, id),
		    0);
		it[i] = sdtest_rec_item(&t[N + i]);
	}
	CHECK_INT(store_apply(st, it, 250, k->pk, N, N + 250), 0);
	CHECK_INT(df(st, STORE_F_COUNTRY, "EE"), 50);
	CHECK_INT(query_find(st, "EE", NULL, NULL, NULL), 50);
	CHECK_INT(query_find(st, "EE", "chunk", NULL, NULL), 50);
	{
		uint8_t key[STORE_KEY_BYTES];
		int found = 0;
		memcpy(key, k->pk, KEY_PUBLIC_BYTES);
		make_id(key + KEY_PUBLIC_BYTES, 11, 3); /* removed */
		query_find(st, "EE", NULL, key, &found);
		CHECK(!found);
		make_id(key + KEY_PUBLIC_BYTES, 11, 299); /* kept */
		query_find(st, "EE", NULL, key, &found);
		CHECK(found);
	}
	CHECK_INT(stats(st).members, 50);
	CHECK_INT(live_of(st, k->pk), 50);
	/* The rest leave: the chunk is gone. */
	for (i = 250; i < N; i++) {
		make_id(id, 11, (int)i);
		CHECK_INT(
		    sdtest_rec_tombstone(&t[N + i], codes, k, N + i + 1, id),
		    0);
		it[i - 250] = sdtest_rec_item(&t[N + i]);
	}
	CHECK_INT(store_apply(st, it, 50, k->pk, N + 250, 2 * N), 0);
	CHECK_INT(df(st, STORE_F_COUNTRY, "EE"), 0);
	CHECK_INT(query_find(st, "EE", NULL, NULL, NULL), 0);
	CHECK_INT(stats(st).postings, 0);
	CHECK_INT(stats(st).terms, 0);
	CHECK_INT(live_of(st, k->pk), 0);
out:
	for (i = 0; t != NULL && i < 2 * N; i++)
		sdtest_rec_free(&t[i]);
	free(t);
	free(it);
	key_free(k);
	store_close(st);
}

/* A member's postings go when it changes even if one was written with
 * another frequency (by an older tokeniser, say): removal is by doc. */
static void
test_stale_posting(void)
{
	static const struct sdtest_member ms = { "Stale Robotics Oy", "FI",
		NULL, "Oulu", NULL, { "robotics" }, { 0 }, 0, -1 };
	struct store *st = open_store("stale", 0);
	struct key *k = NULL;
	struct sdtest_rec t, tomb;
	uint8_t id[MEMBER_ID_BYTES];
	char path[512];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi postings;

	memset(&t, 0, sizeof(t));
	memset(&tomb, 0, sizeof(tomb));
	if (st == NULL || key_generate(&k) != 0) {
		CHECK(0);
		store_close(st);
		return;
	}
	make_id(id, 12, 1);
	CHECK_INT(sdtest_rec_member(&t, codes, k, 1, id, &ms), 0);
	CHECK_INT(apply1(st, &t), 0);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "robotics"), 1);
	store_close(st);
	/* A second entry for doc 1 under the same key, frequency 9. */
	snprintf(path, sizeof(path), "%s/stale", root);
	CHECK_INT(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	CHECK_INT(mdb_env_open(env, path, 0, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	CHECK_INT(mdb_dbi_open(
	              txn, "postings", MDB_DUPSORT | MDB_DUPFIXED, &postings),
	    0);
	{
		uint8_t val[STORE_POSTING_VAL] = { 0, 0, 0, 0, 0, 0, 0, 1, 9,
			1 };
		char kb[] = "arobot";
		MDB_val pk = { strlen(kb), kb }, pv = { sizeof(val), val };
		CHECK_INT(mdb_put(txn, postings, &pk, &pv, 0), 0);
	}
	CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	if ((st = open_store("stale", 0)) == NULL) {
		CHECK(0);
		goto out;
	}
	CHECK_INT(df(st, STORE_F_CAPABILITY, "robotics"), 2);
	CHECK_INT(sdtest_rec_tombstone(&tomb, codes, k, 2, id), 0);
	CHECK_INT(apply1(st, &tomb), 0);
	CHECK_INT(df(st, STORE_F_CAPABILITY, "robotics"), 0);
	CHECK_INT(query_find(st, NULL, "robotics", NULL, NULL), 0);
	store_close(st);
out:
	sdtest_rec_free(&t);
	sdtest_rec_free(&tomb);
	key_free(k);
}

struct fsck_log {
	char text[4096];
	size_t used;
};

static void
fsck_log_cb(void *arg, const char *problem)
{
	struct fsck_log *l = arg;
	int n = snprintf(
	    l->text + l->used, sizeof(l->text) - l->used, "%s\n", problem);

	if (n > 0 && (size_t)n < sizeof(l->text) - l->used)
		l->used += (size_t)n;
}

/* Runs store_fsck on store name; returns the number of problems. */
static uint64_t
fsck_run(const char *name, struct fsck_log *l)
{
	struct store *st = open_store(name, STORE_RDONLY);
	struct store_fsck_stats fs;

	memset(l, 0, sizeof(*l));
	if (st == NULL || store_fsck(st, 1, fsck_log_cb, l, &fs) != 0) {
		store_close(st);
		return 999;
	}
	store_close(st);
	return fs.problems;
}

/* A store altered behind the daemon's back, one change at a time, with
 * the LMDB API: fsck names each change. */
static void
test_fsck(void)
{
	static const struct sdtest_member ms[3] = {
		{ "Fsck Laser Oy", "FI", "FI1D7", "Rovaniemi", "Lasers",
		    { "laser cutting" }, { "25.62" }, 0, 8 },
		{ "Fsck Robots AB", "SE", NULL, "Luleå", NULL, { "robotics" },
		    { 0 }, 0, 30 },
		{ "Fsck Waste Sp", "PL", NULL, NULL, NULL, { "recycling" },
		    { 0 }, 0, -1 },
	};
	struct store *st = open_store("fsck", 0);
	struct key *k = NULL;
	struct sdtest_rec t[4];
	struct store_item it[4];
	struct fsck_log log;
	uint8_t id[MEMBER_ID_BYTES];
	char path[512];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi records, postings, marks;
	size_t i;

	memset(t, 0, sizeof(t));
	if (st == NULL || key_generate(&k) != 0) {
		CHECK(0);
		store_close(st);
		return;
	}
	for (i = 0; i < 3; i++) {
		make_id(id, 13, (int)i);
		CHECK_INT(
		    sdtest_rec_member(&t[i], codes, k, i + 1, id, &ms[i]), 0);
	}
	make_id(id, 13, 2);
	CHECK_INT(sdtest_rec_tombstone(&t[3], codes, k, 4, id), 0);
	for (i = 0; i < 4; i++) {
		it[i] = sdtest_rec_item(&t[i]);
	}
	CHECK_INT(store_apply(st, it, 4, k->pk, 0, 4), 0);
	store_close(st);
	CHECK_INT(fsck_run("fsck", &log), 0);
	CHECK_STR(log.text, "");

	snprintf(path, sizeof(path), "%s/fsck", root);
	CHECK_INT(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	CHECK_INT(mdb_env_open(env, path, 0, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	CHECK_INT(mdb_dbi_open(txn, "records", 0, &records), 0);
	CHECK_INT(mdb_dbi_open(
	              txn, "postings", MDB_DUPSORT | MDB_DUPFIXED, &postings),
	    0);
	CHECK_INT(mdb_dbi_open(txn, "marks", 0, &marks), 0);
	{
		/* One posting of member 2 ("robot" in its capabilities) goes;
		 * one for a doc nobody has appears. */
		char kb[] = "arobot", kx[] = "aghost";
		uint8_t val[STORE_POSTING_VAL] = { 0, 0, 0, 0, 0, 0, 0, 77, 1,
			1 };
		MDB_val pk = { strlen(kb), kb }, xk = { strlen(kx), kx },
		        xv = { sizeof(val), val };
		CHECK_INT(mdb_del(txn, postings, &pk, NULL), 0);
		CHECK_INT(mdb_put(txn, postings, &xk, &xv, 0), 0);
	}
	CHECK_INT(mdb_txn_commit(txn), 0);
	CHECK_INT(fsck_run("fsck", &log), 2);
	CHECK_CONTAINS(log.text, "index entry 'a:robot' missing for doc 2");
	CHECK_CONTAINS(log.text, "1 entries that no live member implies");

	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	{
		/* Member 1's record; and a watermark far ahead. */
		uint8_t rk[KEY_PUBLIC_BYTES + 8],
		    w[8] = { 0, 0, 0, 0, 0, 0, 0, 99 };
		MDB_val rkv = { sizeof(rk), rk },
		        mk = { KEY_PUBLIC_BYTES, k->pk }, mv = { 8, w };
		memcpy(rk, k->pk, KEY_PUBLIC_BYTES);
		memset(rk + KEY_PUBLIC_BYTES, 0, 8);
		rk[KEY_PUBLIC_BYTES + 7] = 1;
		CHECK_INT(mdb_del(txn, records, &rkv, NULL), 0);
		CHECK_INT(mdb_put(txn, marks, &mk, &mv, 0), 0);
	}
	CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	CHECK(fsck_run("fsck", &log) >= 4);
	CHECK_CONTAINS(log.text, "latest record (seq 1) is missing");
	CHECK_CONTAINS(log.text, "watermark (99) is above");
	for (i = 0; i < 4; i++)
		sdtest_rec_free(&t[i]);
	key_free(k);
}

/* A store written by an earlier version holds a "peers" sub-database
 * (reserved, never used; this version does not open it): it opens, read
 * and write, works and checks clean, and the sub-database is left. */
static void
test_old_peers_db(void)
{
	static const struct sdtest_member ms = { "Peers Laser Oy", "FI", NULL,
		"Oulu", NULL, { "laser cutting" }, { "25.62" }, 0, 8 };
	struct store *st = open_store("peers", 0);
	struct key *k = NULL;
	struct sdtest_rec t;
	struct fsck_log log;
	uint8_t id[MEMBER_ID_BYTES];
	char path[512];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi peers;
	MDB_val pk = { 14, "127.0.0.1:7400" }, pv = { 1, "x" };

	memset(&t, 0, sizeof(t));
	if (st == NULL || key_generate(&k) != 0) {
		CHECK(0);
		store_close(st);
		return;
	}
	make_id(id, 17, 0);
	CHECK_INT(sdtest_rec_member(&t, codes, k, 1, id, &ms), 0);
	CHECK_INT(apply1(st, &t), 0);
	store_close(st);

	snprintf(path, sizeof(path), "%s/peers", root);
	CHECK_INT(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	CHECK_INT(mdb_env_open(env, path, 0, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	CHECK_INT(mdb_dbi_open(txn, "peers", MDB_CREATE, &peers), 0);
	CHECK_INT(mdb_put(txn, peers, &pk, &pv, 0), 0);
	CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	if ((st = open_store("peers", STORE_RDONLY)) == NULL) {
		CHECK(0);
	} else {
		CHECK_INT(query_find(st, "FI", "laser", NULL, NULL), 1);
		store_close(st);
	}
	if ((st = open_store("peers", 0)) == NULL) {
		CHECK(0);
	} else {
		CHECK_INT(query_find(st, NULL, "cutting", NULL, NULL), 1);
		store_close(st);
	}
	CHECK_INT(fsck_run("peers", &log), 0);

	env = NULL;
	CHECK_INT(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	CHECK_INT(mdb_env_open(env, path, MDB_RDONLY, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	CHECK_INT(mdb_dbi_open(txn, "peers", 0, &peers), 0);
	CHECK_INT(mdb_get(txn, peers, &pk, &pv), 0);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	sdtest_rec_free(&t);
	key_free(k);
}

/* A later kind's record signed now as seq of k: subject (or NULL) and
 * payload text. */
static int
make_future(struct sdtest_rec *t, const struct key *k, uint64_t seq,
    const char *subject, const char *text)
{
	Sd__RecordBody b;
	struct sdtest_future f;

	sdtest_future_body(&b, &f, subject, text);
	return sdtest_rec_make(t, codes, k, seq, &b);
}

/* Records of a kind of a later release: stored and served in ranges (so
 * relayed), never indexed; a later one of the same subject replaces the
 * older; the watermark and revocation rules of their origin apply; fsck
 * counts them and is clean. */
static void
test_later_kinds(void)
{
	static const struct sdtest_member ms = { "Future Laser Oy", "FI", NULL,
		"Oulu", NULL, { "laser cutting" }, { "25.62" }, 0, 8 };
	struct store *st = open_store("later", 0);
	struct key *rootk = NULL, *node = NULL;
	struct sdtest_rec cert, mem, a1, a2, b1, eq, rf, rev;
	struct store_stats s0, s;
	struct store_fsck_stats fs;
	struct fsck_log log;
	struct seqs seqs;
	struct store_item it[2];
	uint8_t id[MEMBER_ID_BYTES];

	memset(&log, 0, sizeof(log));
	if (st == NULL || key_generate(&rootk) != 0 ||
	    key_generate(&node) != 0) {
		CHECK(0);
		store_close(st);
		return;
	}
	CHECK_INT(make_cert(&cert, rootk, 1, node->pk, "Future node"), 0);
	CHECK_INT(apply1(st, &cert), 0);
	make_id(id, 21, 0);
	CHECK_INT(sdtest_rec_member(&mem, codes, node, 1, id, &ms), 0);
	CHECK_INT(
	    make_future(&a1, node, 2, "\x09opp-1", "call for partners"), 0);
	CHECK_INT(make_future(&b1, node, 3, NULL, "a note with no subject"), 0);
	CHECK_INT(make_future(&a2, node, 4, "\x09opp-1", "call, amended"), 0);
	CHECK_INT(
	    make_future(&eq, node, 4, "\x09opp-2", "another at seq 4"), 0);
	CHECK_INT(make_future(&rf, rootk, 5, "\x0aroot-1", "a root notice"), 0);
	CHECK(!record_kind_known(a1.r.body));

	/* A member and the first later-kind record, as one batch (0, 2]. */
	it[0] = sdtest_rec_item(&mem);
	it[1] = sdtest_rec_item(&a1);
	s0 = stats(st);
	CHECK_INT(store_apply(st, it, 2, node->pk, 0, 2), 0);
	CHECK_INT(it[0].result, 0);
	CHECK_INT(it[1].result, 0);
	CHECK_INT(mark(st, node->pk), 2);
	s = stats(st);
	CHECK_INT(s.members, s0.members + 1);
	CHECK_INT(live_of(st, node->pk), 1);
	/* Served to peers: the range holds both. */
	CHECK_INT(range_count(st, node->pk, 0, 10, &seqs), 2);
	CHECK_INT(seqs.v[1], 2);
	CHECK_INT(query_find(st, "FI", "laser", NULL, NULL), 1);
	CHECK_INT(query_find(st, NULL, "partners", NULL, NULL), 0);
	CHECK_INT(apply1(st, &a1), SD_ESTALE); /* a duplicate */

	/* Without a subject: kept; a later one of a subject replaces it. */
	CHECK_INT(sdtest_rec_apply(st, &b1, node->pk, 2, 3), 0);
	CHECK_INT(sdtest_rec_apply(st, &a2, node->pk, 3, 4), 0);
	CHECK_INT(mark(st, node->pk), 4);
	CHECK_INT(range_count(st, node->pk, 0, 10, &seqs), 3);
	CHECK_INT(seqs.v[0], 1);
	CHECK_INT(seqs.v[1], 3);
	CHECK_INT(seqs.v[2], 4);
	/* The superseded one, replayed below the watermark: refused. */
	CHECK_INT(apply1(st, &a1), SD_ESTALE);
	CHECK_INT(range_count(st, node->pk, 0, 10, NULL), 3);
	/* Another record under a seq in use: equivocation, the first kept. */
	CHECK_INT(apply1(st, &eq), SD_EEXIST);
	/* The root may publish a later kind too (no certificate needed). */
	CHECK_INT(apply1(st, &rf), 0);
	CHECK_INT(range_count(st, rootk->pk, 0, 10, NULL), 2);
	store_close(st);

	if ((st = open_store("later", STORE_RDONLY)) == NULL) {
		CHECK(0);
	} else {
		memset(&log, 0, sizeof(log));
		CHECK_INT(store_fsck(st, 1, fsck_log_cb, &log, &fs), 0);
		CHECK_INT(fs.problems, 0);
		CHECK_INT(fs.others, 3);
		CHECK_INT(fs.live, 1);
		store_close(st);
	}
	if (log.used)
		fprintf(stderr, "%s", log.text);

	/* A revocation purges the node's later-kind records too. */
	if ((st = open_store("later", 0)) == NULL) {
		CHECK(0);
		goto out;
	}
	CHECK_INT(
	    sdtest_rec_revocation(&rev, codes, rootk, 6, node->pk, "gone"), 0);
	CHECK_INT(apply1(st, &rev), 0);
	CHECK_INT(range_count(st, node->pk, 0, 10, NULL), 0);
	CHECK_INT(apply1(st, &a2), SD_EREVOKED);
	store_close(st);
	CHECK_INT(fsck_run("later", &log), 0);
	if (log.used)
		fprintf(stderr, "%s", log.text);
	sdtest_rec_free(&rev);
out:
	sdtest_rec_free(&cert);
	sdtest_rec_free(&mem);
	sdtest_rec_free(&a1);
	sdtest_rec_free(&a2);
	sdtest_rec_free(&b1);
	sdtest_rec_free(&eq);
	sdtest_rec_free(&rf);
	key_free(rootk);
	key_free(node);
}

int
main(void)
{
	int rc;

	if (codes_new(&codes) != 0) {
		fprintf(stderr, "codes_new failed\n");
		return 2;
	}
	if ((root = strdup(check_tmpdir())) == NULL)
		return 2;
	test_member_versions();
	test_watermark_and_batch();
	test_certs_and_revocation();
	test_random_consistency();
	test_reopen_and_walk();
	test_replay_below_watermark();
	test_reindex_schema1();
	test_filter_chunks();
	test_stale_posting();
	test_fsck();
	test_old_peers_db();
	test_later_kinds();
	rc = check_done("test_store");
	sdtest_rmtree(root);
	free(root);
	codes_free(codes);
	return rc;
}
