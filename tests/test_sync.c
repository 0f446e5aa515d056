/*
 * test_sync: sync/ — the sync sessions of several nodes driven against
 * each other in one process (tests/simnet.c: real keys, stores, hubs and
 * messages; no sockets, no threads): certificates first, digest / want /
 * batch, pipelined batches, eager push and relay, replays, the root set
 * with gaps, lost records healed, a restored store learning its own
 * seq, revocations, hostile messages, and status figures.
 */
#include <lmdb.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "gossip.pb-c.h"
#include "record.h"
#include "sdtest.h"
#include "simnet.h"

/* What the nodes of each test announce: the whole suite runs twice, as
 * nodes of this release and as nodes of the earlier one (no caps). */
static unsigned g_caps = SYNC_CAPS;

static struct simnet *
net_new(void)
{
	struct simnet *net = NULL;

	if (simnet_new(&net) != 0) {
		fprintf(stderr, "simnet_new failed\n");
		exit(2);
	}
	simnet_caps(net, g_caps);
	return net;
}

/* A net with node a (FI) and node b (LT), not linked. */
static struct simnet *
net_pair(struct simnode **a, struct simnode **b)
{
	struct simnet *net = net_new();

	CHECK_INT(simnet_node_add(net, "a", "FI", a), 0);
	CHECK_INT(simnet_node_add(net, "b", "LT", b), 0);
	return net;
}

/* Delivers, ticks and delivers again until nothing moves. */
static void
settle(struct simnet *net)
{
	int i;

	for (i = 0; i < 4; i++) {
		simnet_pump(net, 0);
		CHECK_INT(simnet_tick(net), 0);
		simnet_pump(net, 0);
	}
}

static int
same_records(struct simnode *a, struct simnode *b)
{
	uint8_t x[32], y[32];

	if (simnet_records_digest(a, x) != 0 ||
	    simnet_records_digest(b, y) != 0)
		return 0;
	return memcmp(x, y, 32) == 0;
}

/* Two nodes: certificates, then each other's members by digest, want
 * and batch; status figures; a small change pushed without a digest. */
static void
test_pair(void)
{
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;
	struct simnet_count before, after, asked, asked2;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_publish(a, 100, 0), 0);
	CHECK_INT(simnet_publish(b, 50, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	CHECK(simnet_link_closed(l) == NULL);
	CHECK_INT(simnet_mark(b, a), 100);
	CHECK_INT(simnet_members(b, a), 100);
	CHECK_INT(simnet_mark(a, b), 50);
	CHECK_INT(simnet_members(a, b), 50);
	CHECK_INT(simnet_root_held(a), 2);
	CHECK_INT(simnet_root_held(b), 2);
	CHECK(same_records(a, b));
	CHECK_INT(sync_hub_mark(b->hub, a->key->pk), 100);
	/* Each record crossed once. */
	simnet_link_count(l, 1, &before);
	CHECK_INT(before.records, 100);
	simnet_link_count(l, 0, &before);
	CHECK_INT(before.records, 50);

	/* A change of 3 records reaches b at once, as a batch, without a
	 * digest or a Want. */
	simnet_link_count(l, 1, &before);
	simnet_link_count(l, 0, &asked);
	CHECK_INT(simnet_publish(a, 3, 100), 0);
	simnet_pump(net, 0);
	simnet_link_count(l, 1, &after);
	simnet_link_count(l, 0, &asked2);
	CHECK_INT(simnet_mark(b, a), 103);
	/* One batch of 3, and the empty batch that answers b's Want for
	 * more (a batch always ends with one). */
	CHECK_INT(after.batches - before.batches, 2);
	CHECK_INT(after.records - before.records, 3);
	CHECK_INT(after.digests - before.digests, 0);
	CHECK_INT(asked2.wants - asked.wants, 1);
	CHECK_INT(asked2.digests - asked.digests, 0);
	CHECK(simnet_link_closed(l) == NULL);

	/* New versions replace the old ones everywhere. */
	CHECK_INT(simnet_publish(a, 10, 0), 0);
	CHECK_INT(simnet_remove(a, 5), 0);
	settle(net);
	CHECK_INT(simnet_mark(b, a), 114);
	CHECK_INT(simnet_members(b, a), 102);
	CHECK(same_records(a, b));
	CHECK_INT(b->catch_ups >= 1, 1);
	CHECK_INT(a->learned, 114);
	CHECK_INT(
	    b->offences[SYNC_REJ_REPLAY] + b->offences[SYNC_REJ_MALFORMED], 0);
	simnet_free(net);
}

/* What a node knows of its peer, for status: lag both ways. */
static void
test_stats(void)
{
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;
	struct sync_stats st;
	struct sync_session *s;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	/* The sessions of a hub: a has one, with b. */
	s = simnet_link_session(l, 1);
	sync_session_stats(s, &st);
	CHECK_INT(st.certified, 1);
	CHECK_INT(st.has_lag, 1);
	CHECK_INT(st.lag, 0);
	CHECK_INT(st.peer_lag, 0);
	CHECK(st.synced_ms != 0);
	/* b publishes 200 (too many to push): until a digest, a's session
	 * with b knows nothing; after the digest, it is 200 behind. */
	CHECK_INT(simnet_publish(b, 200, 0), 0);
	sync_session_stats(simnet_link_session(l, 0), &st);
	CHECK_INT(st.peer_lag, 200);
	/* Too many to push: b tells a in a digest (the only message). */
	CHECK_INT(simnet_pump(net, 1), 1);
	sync_session_stats(s, &st);
	CHECK_INT(st.lag, 200);
	settle(net);
	sync_session_stats(s, &st);
	CHECK_INT(st.lag, 0);
	CHECK_INT(st.records_in, 200);
	simnet_free(net);
}

/* A line a - b - c: a's records reach c through b, each record crossing
 * each link once; a batch of 10 000 records is sent as pipelined
 * batches of at most 4 096. */
static void
test_relay(void)
{
	struct simnet *net;
	struct simnode *a, *b, *c;
	struct simlink *ab, *bc;
	struct simnet_count n;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_node_add(net, "c", "SE", &c), 0);
	CHECK_INT(simnet_link(net, a, b, &ab), 0);
	CHECK_INT(simnet_link(net, b, c, &bc), 0);
	settle(net);
	CHECK_INT(simnet_root_held(c), 3); /* a's certificate through b */
	CHECK_INT(simnet_publish(a, 5, 0), 0);
	simnet_pump(net, 0); /* pushed on both links, no digest */
	CHECK_INT(simnet_mark(c, a), 5);
	CHECK_INT(simnet_publish(a, 10000, 5), 0);
	settle(net);
	CHECK_INT(simnet_mark(c, a), 10005);
	CHECK_INT(simnet_members(c, a), 10005);
	CHECK(same_records(a, c));
	simnet_link_count(bc, 1, &n);
	/* a's 10 005 records, and the one root record c lacked (a's
	 * certificate): its Want's bitmap left out the two it held. */
	CHECK_INT(n.records, 10005 + 1);
	CHECK_INT(n.batches >= 3, 1);
	simnet_link_count(ab, 1, &n);
	CHECK_INT(n.records, 10005);
	CHECK(simnet_link_closed(ab) == NULL);
	CHECK(simnet_link_closed(bc) == NULL);
	simnet_free(net);
}

/* A batch sent again: at once it may have crossed a digest (ignored);
 * after the replay grace, when the peer has long been told, it is a
 * replay: refused, counted, the link closed. */
static void
test_replay(void)
{
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;
	uint8_t *batch;
	size_t len;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_publish(a, 20, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	CHECK_INT(simnet_capture(l, 1, SD__PEER_MSG__M_BATCH, &batch, &len), 0);
	CHECK_INT(simnet_inject(l, 1, batch, len), 0);
	simnet_pump(net, 0);
	CHECK(simnet_link_closed(l) == NULL);
	CHECK_INT(b->offences[SYNC_REJ_REPLAY], 0);
	simnet_advance(net, 6000);
	settle(net);
	CHECK_INT(simnet_inject(l, 1, batch, len), 0);
	simnet_pump(net, 0);
	CHECK(simnet_link_closed(l) != NULL);
	CHECK_CONTAINS(simnet_link_closed(l), "replay: a batch of origin");
	CHECK_CONTAINS(simnet_link_closed(l), "seqs (0, 20], all held here");
	CHECK_INT(b->offences[SYNC_REJ_REPLAY], 1);
	CHECK_INT(simnet_members(b, a), 20);
	free(batch);
	simnet_free(net);
}

/*
 * The root's records are a set: certificates reach nodes out of order,
 * so a node's root watermark may pass a seq it lacks. When that seq
 * arrives later it fills a gap, and is not a lost record put back (the
 * false "lost records restored" warning).
 */
static void
test_root_set(void)
{
	struct simnet *net;
	struct simnode *m, *s, *p, *t;
	struct simlink *l;

	net = net_new();
	CHECK_INT(simnet_node_add(net, "m", "EE", &m), 0); /* root seq 1 */
	CHECK_INT(simnet_node_add(net, "s", "FI", &s), 0); /* 2 */
	CHECK_INT(simnet_node_add(net, "p", "LT", &p), 0); /* 3 */
	CHECK_INT(simnet_node_add(net, "t", "SE", &t), 0); /* 4 */
	CHECK_INT(simnet_root_give(net, s, 4), 0);
	CHECK_INT(simnet_link(net, p, s, &l), 0);
	settle(net);
	/* p's root watermark is past seq 1, which nobody gave it. */
	CHECK_INT(simnet_root_held(p), 3);
	CHECK_INT(simnet_root_give(net, s, 1), 0);
	settle(net);
	CHECK_INT(simnet_root_held(p), 4);
	CHECK_INT(simnet_root_held(s), 4);
	CHECK(same_records(p, s));
	CHECK(!simnet_logged(p, "lost records restored"));
	CHECK(!simnet_logged(s, "lost records restored"));
	CHECK(simnet_link_closed(l) == NULL);
	simnet_free(net);
}

/* Deletes records (origin, seq) from a closed node's store with LMDB, as
 * an accident behind the daemon's back would. */
static int
lmdb_delete(
    const char *dir, const uint8_t *origin, const uint64_t *seqs, size_t n)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t key[40];
	MDB_val k = { sizeof(key), key };
	size_t i;
	int b, rc;

	if ((rc = mdb_env_create(&env)) != 0)
		return rc;
	mdb_env_set_maxdbs(env, 16);
	mdb_env_set_mapsize(env, 256u << 20);
	if ((rc = mdb_env_open(env, dir, 0, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		goto out;
	if ((rc = mdb_dbi_open(txn, "records", 0, &dbi)) != 0) {
		mdb_txn_abort(txn);
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++) {
		memcpy(key, origin, 32);
		for (b = 0; b < 8; b++)
			key[32 + b] = (uint8_t)(seqs[i] >> (56 - 8 * b));
		rc = mdb_del(txn, dbi, &k, NULL);
	}
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
out:
	mdb_env_close(env);
	return rc;
}

/* Records lost from a store (deleted behind its back) are noticed from a
 * peer's held count at the same watermark and fetched again. */
static void
test_heal(void)
{
	static const uint64_t lost[] = { 10, 20, 30 };
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_publish(a, 50, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	CHECK(same_records(a, b));
	simnet_unlink(l);
	simnet_node_close(b);
	CHECK_INT(lmdb_delete(b->dir, a->key->pk, lost, 3), 0);
	CHECK_INT(simnet_node_reopen(b), 0);
	CHECK(!same_records(a, b));
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	CHECK(simnet_logged(b,
	    "records were lost here; fetching the origin "
	    "again"));
	CHECK(simnet_logged(b, "3 lost records restored from a peer"));
	CHECK(same_records(a, b));
	CHECK_INT(simnet_members(b, a), 50);
	CHECK(simnet_link_closed(l) == NULL);
	simnet_free(net);
}

/* Lost records beyond what one Want's answer carries (8 batches of at
 * most 4 096 records or 768 KiB): the repair goes on from where each
 * answer ended. */
static void
test_heal_far(void)
{
	static const uint64_t lost[] = { 10, 33900 };
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;

	if (!(g_caps & SYNC_CAP_DELTA))
		return; /* the same without caps: once is enough (34 000 signs) */
	net = net_pair(&a, &b);
	CHECK_INT(simnet_publish(a, 34000, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	CHECK_INT(simnet_members(b, a), 34000);
	simnet_unlink(l);
	simnet_node_close(b);
	CHECK_INT(lmdb_delete(b->dir, a->key->pk, lost, 2), 0);
	CHECK_INT(simnet_node_reopen(b), 0);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	CHECK(simnet_logged(b, "2 lost records restored from a peer") ||
	    (simnet_logged(b, "1 lost records restored from a peer")));
	CHECK_INT(simnet_members(b, a), 34000);
	CHECK(same_records(a, b));
	simnet_free(net);
}

/* Copies a closed node's data.mdb to or from path. */
static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	int rc = 0;

	if (in == NULL || out == NULL)
		rc = -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	return rc;
}

/* A store restored from an older backup: a peer's digest says which seq
 * the federation holds of its own records (the node must publish after
 * it), and the records after the backup are fetched back. */
static void
test_restored(void)
{
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;
	char live[600], backup[600];
	uint64_t last = 0;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_publish(a, 10, 0), 0);
	snprintf(live, sizeof(live), "%s/data.mdb", a->dir);
	snprintf(backup, sizeof(backup), "%s/backup.mdb", a->dir);
	simnet_node_close(a);
	CHECK_INT(copy_file(live, backup), 0);
	CHECK_INT(simnet_node_reopen(a), 0);
	CHECK_INT(simnet_publish(a, 10, 10), 0);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	CHECK_INT(simnet_mark(b, a), 20);
	simnet_unlink(l);
	simnet_node_close(a);
	CHECK_INT(copy_file(backup, live), 0);
	remove(backup);
	CHECK_INT(simnet_node_reopen(a), 0);
	CHECK_INT(a->seq, 10);
	a->learned = 0;
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	CHECK_INT(a->learned, 20);
	CHECK_INT(store_last_seq(a->st, a->key->pk, &last), 0);
	CHECK_INT(last, 20);
	CHECK_INT(simnet_mark(a, a), 20);
	CHECK(same_records(a, b));
	simnet_free(net);
}

/* A revocation from the root removes a node's records everywhere. */
static void
test_revocation(void)
{
	struct simnet *net;
	struct simnode *a, *b, *c;
	struct simlink *ab, *ac;
	uint64_t seq;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_node_add(net, "c", "SE", &c), 0);
	CHECK_INT(simnet_publish(b, 30, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &ab), 0);
	CHECK_INT(simnet_link(net, a, c, &ac), 0);
	settle(net);
	CHECK_INT(simnet_members(c, b), 30);
	CHECK_INT(simnet_revoke(net, b, &seq), 0);
	CHECK_INT(simnet_root_give(net, a, seq), 0);
	CHECK_INT(simnet_members(a, b), 0);
	CHECK_INT(sync_hub_mark(a->hub, b->key->pk), 0);
	settle(net);
	CHECK_INT(simnet_members(c, b), 0);
	CHECK_INT(simnet_root_held(c), 4);
	simnet_free(net);
}

/* One hostile message on a fresh link between certified nodes; returns
 * why the link closed ("" if it did not). */
static const char *
hostile(struct simnet *net, struct simnode *a, struct simnode *b,
    const uint8_t *msg, size_t len, struct simlink **lp)
{
	CHECK_INT(simnet_link(net, a, b, lp), 0);
	settle(net);
	CHECK_INT(simnet_inject(*lp, 1, msg, len), 0);
	simnet_pump(net, 0);
	return simnet_link_closed(*lp) ? simnet_link_closed(*lp) : "";
}

/* A batch message of one record of a, taken from a link. */
static int
one_batch(struct simlink *l, uint8_t **msg, size_t *len)
{
	return simnet_capture(l, 1, SD__PEER_MSG__M_BATCH, msg, len);
}

/* Bad bytes, an unknown version, a forged signature: refused with a
 * message, counted as offences, nothing stored. */
static void
test_hostile(void)
{
	static const uint8_t junk[] = { 0xff, 0x01, 0x02, 0x03 };
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;
	Sd__PeerMsg m, *pm;
	uint8_t buf[64], *batch, *copy;
	size_t len, blen;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_publish(a, 1, 0), 0);

	CHECK_CONTAINS(
	    hostile(net, a, b, junk, sizeof(junk), &l), "malformed message");
	CHECK_INT(b->offences[SYNC_REJ_MALFORMED], 1);
	CHECK_INT(one_batch(l, &batch, &blen), 0);
	simnet_unlink(l);

	sd__peer_msg__init(&m);
	m.version = 0;
	m.m_case = SD__PEER_MSG__M_CERT;
	len = sd__peer_msg__pack(&m, buf);
	CHECK_CONTAINS(hostile(net, a, b, buf, len, &l),
	    "sync version 0 is not spoken here");
	CHECK_INT(b->offences[SYNC_REJ_VERSION], 1);
	simnet_unlink(l);

	/* A message of a later release: a higher version number, a message
	 * kind this build cannot name (field 15 of the oneof's range) and a
	 * field it does not know. Ignored: the link kept, no offence. */
	{
		struct sdtest_later_msg lm;
		sdtest_later_msg(&m, &lm);
		len = sd__peer_msg__pack(&m, buf);
		CHECK_STR(hostile(net, a, b, buf, len, &l), "");
		CHECK_INT(b->offences[SYNC_REJ_VERSION], 1);
		CHECK_INT(b->offences[SYNC_REJ_MALFORMED], 1);
		simnet_unlink(l);
	}

	/* The batch again, claiming seqs (1, 2]: its record is outside. */
	pm = sd__peer_msg__unpack(NULL, blen, batch);
	CHECK(pm != NULL && pm->batch->n_records == 1);
	if (pm != NULL && pm->batch->n_records == 1) {
		ProtobufCBinaryData *r = &pm->batch->records[0];
		pm->batch->from = 1;
		pm->batch->to = 2;
		len = sd__peer_msg__get_packed_size(pm);
		copy = malloc(len);
		sd__peer_msg__pack(pm, copy);
		CHECK_CONTAINS(hostile(net, a, b, copy, len, &l),
		    "origin or seq outside the batch");
		CHECK_INT(b->offences[SYNC_REJ_MALFORMED], 2);
		simnet_unlink(l);
		/* Its last signature byte flipped. */
		r->data[r->len - 1] ^= 1;
		pm->batch->from = 0;
		pm->batch->to = 1;
		len = sd__peer_msg__get_packed_size(pm);
		sd__peer_msg__pack(pm, copy);
		CHECK_CONTAINS(hostile(net, a, b, copy, len, &l),
		    "signature does not verify");
		CHECK_INT(b->offences[SYNC_REJ_SIGNATURE], 1);
		free(copy);
		sd__peer_msg__free_unpacked(pm, NULL);
	}
	CHECK_INT(simnet_members(b, a), 1);
	free(batch);
	simnet_free(net);
}

/* Bytes all links carried in both directions. */
static uint64_t
links_bytes(struct simlink **ls, size_t n)
{
	struct simnet_count c;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		simnet_link_count(ls[i], 1, &c);
		sum += c.bytes;
		simnet_link_count(ls[i], 0, &c);
		sum += c.bytes;
	}
	return sum;
}

/* A line of k nodes, each with 10 members, in sync: the bytes a link
 * carries per direction per gossip tick. */
static uint64_t
idle_bytes(size_t k)
{
	struct simnet *net = net_new();
	struct simnode *n[16];
	struct simlink *l[16];
	static const char *cc[] = { "FI", "LT", "SE", "EE", "LV", "PL", "DE",
		"DK", "NO", "IS", "NL", "BE", "FR", "ES", "PT", "IT" };
	char name[24];
	uint64_t before, after;
	size_t i;

	for (i = 0; i < k; i++) {
		snprintf(name, sizeof(name), "n%zu", i);
		CHECK_INT(simnet_node_add(net, name, cc[i], &n[i]), 0);
		CHECK_INT(simnet_publish(n[i], 10, 0), 0);
		if (i > 0)
			CHECK_INT(
			    simnet_link(net, n[i - 1], n[i], &l[i - 1]), 0);
	}
	for (i = 0; i < k; i++)
		settle(net);
	CHECK_INT(simnet_members(n[k - 1], n[0]), 10);
	before = links_bytes(l, k - 1);
	for (i = 0; i < 10; i++) {
		CHECK_INT(simnet_tick(net), 0);
		simnet_pump(net, 0);
	}
	after = links_bytes(l, k - 1);
	simnet_free(net);
	return (after - before) / (10 * 2 * (k - 1));
}

/* Digests of what changed: in sync, a link carries a fingerprint a tick,
 * whatever the number of origins; whole digests grow with it. */
static void
test_idle(void)
{
	uint64_t small = idle_bytes(3), big = idle_bytes(12);

	if (g_caps & SYNC_CAP_DELTA) {
		CHECK_INT(small, big);
		CHECK(big <= 20);
	} else {
		CHECK(big > 12 * 40);
		CHECK(big > 3 * small);
	}
}

/* A digest that makes the receiver's copy of the sender's vector wrong
 * (a bug, a lost message): the fingerprint shows it, a whole digest
 * repairs it, the connection stays. */
static void
test_drift(void)
{
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;
	struct sync_stats st;
	Sd__PeerMsg m;
	Sd__Digest d;
	Sd__Mark mk, *mp = &mk;
	uint8_t origin[KEY_PUBLIC_BYTES], buf[128];
	size_t len;

	if (!(g_caps & SYNC_CAP_DELTA))
		return;
	net = net_pair(&a, &b);
	CHECK_INT(simnet_publish(a, 5, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	/* a holds 5 of its own; the digest says 7. */
	memcpy(origin, a->key->pk, sizeof(origin));
	sd__mark__init(&mk);
	mk.origin.data = origin;
	mk.origin.len = sizeof(origin);
	mk.w = 7;
	sd__digest__init(&d);
	d.marks = &mp;
	d.n_marks = 1;
	d.has_delta = d.delta = 1;
	sd__peer_msg__init(&m);
	m.version = SYNC_VERSION;
	m.m_case = SD__PEER_MSG__M_DIGEST;
	m.digest = &d;
	len = sd__peer_msg__pack(&m, buf);
	CHECK_INT(simnet_inject(l, 1, buf, len), 0);
	simnet_pump(net, 0);
	sync_session_stats(simnet_link_session(l, 0), &st);
	CHECK_INT(st.lag, 2); /* b believes a holds 2 more than it does */
	settle(net);
	sync_session_stats(simnet_link_session(l, 0), &st);
	CHECK_INT(st.lag, 0);
	CHECK(simnet_link_closed(l) == NULL);
	CHECK_INT(simnet_members(b, a), 5);
	simnet_free(net);
}

static uint64_t
dups(struct simlink **ls, size_t n)
{
	struct sync_stats st;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		sync_session_stats(simnet_link_session(ls[i], 1), &st);
		sum += st.records_dup;
		sync_session_stats(simnet_link_session(ls[i], 0), &st);
		sum += st.records_dup;
	}
	return sum;
}

/* A triangle: single records pushed by a reach the others twice each
 * at first (directly and relayed); a duplicate push makes the receiver
 * ask that peer to stop pushing the origin, so later records cross each
 * link once. */
static void
test_lazy(void)
{
	struct simnet *net = net_new();
	struct simnode *a, *b, *c;
	struct simlink *l[3];
	size_t i;

	CHECK_INT(simnet_node_add(net, "a", "FI", &a), 0);
	CHECK_INT(simnet_node_add(net, "b", "LT", &b), 0);
	CHECK_INT(simnet_node_add(net, "c", "SE", &c), 0);
	CHECK_INT(simnet_link(net, a, b, &l[0]), 0);
	CHECK_INT(simnet_link(net, b, c, &l[1]), 0);
	CHECK_INT(simnet_link(net, a, c, &l[2]), 0);
	settle(net);
	for (i = 0; i < 20; i++) {
		CHECK_INT(simnet_publish(a, 1, i), 0);
		simnet_pump(net, 0);
	}
	settle(net);
	CHECK_INT(simnet_members(b, a), 20);
	CHECK_INT(simnet_members(c, a), 20);
	if (g_caps & SYNC_CAP_LAZY)
		CHECK(dups(l, 3) <= 3);
	else
		CHECK(dups(l, 3) >= 20);
	simnet_free(net);
}

/* A node joining three peers that hold the same records asks one of
 * them: each record arrives once. */
static void
test_join(void)
{
	struct simnet *net = net_new();
	struct simnode *a, *b, *c, *d;
	struct simlink *l[6];

	CHECK_INT(simnet_node_add(net, "a", "FI", &a), 0);
	CHECK_INT(simnet_node_add(net, "b", "LT", &b), 0);
	CHECK_INT(simnet_node_add(net, "c", "SE", &c), 0);
	CHECK_INT(simnet_node_add(net, "d", "EE", &d), 0);
	CHECK_INT(simnet_publish(a, 3000, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &l[0]), 0);
	CHECK_INT(simnet_link(net, a, c, &l[1]), 0);
	settle(net);
	CHECK_INT(simnet_members(c, a), 3000);
	CHECK_INT(simnet_link(net, d, a, &l[2]), 0);
	CHECK_INT(simnet_link(net, d, b, &l[3]), 0);
	CHECK_INT(simnet_link(net, d, c, &l[4]), 0);
	settle(net);
	CHECK_INT(simnet_members(d, a), 3000);
	CHECK_INT(dups(&l[2], 3), 0);
	simnet_free(net);
}

/* Nodes of this release and of the earlier one (no caps) in one
 * federation: each link speaks what both ends know; all converge. */
static void
test_mixed(void)
{
	struct simnet *net;
	struct simnode *a, *b, *c;
	struct simlink *ab, *bc, *ac;
	struct sync_stats st;

	if (g_caps == 0)
		return;
	net = net_new();
	CHECK_INT(simnet_node_add(net, "a", "FI", &a), 0);
	simnet_caps(net, 0);
	CHECK_INT(simnet_node_add(net, "b", "LT", &b), 0);
	simnet_caps(net, SYNC_CAPS);
	CHECK_INT(simnet_node_add(net, "c", "SE", &c), 0);
	CHECK_INT(simnet_publish(a, 30, 0), 0);
	CHECK_INT(simnet_publish(b, 30, 0), 0);
	CHECK_INT(simnet_publish(c, 30, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &ab), 0);
	CHECK_INT(simnet_link(net, b, c, &bc), 0);
	CHECK_INT(simnet_link(net, a, c, &ac), 0);
	settle(net);
	CHECK(same_records(a, b));
	CHECK(same_records(b, c));
	sync_session_stats(simnet_link_session(ab, 1), &st);
	CHECK_INT(st.caps, 0);
	sync_session_stats(simnet_link_session(bc, 0), &st);
	CHECK_INT(st.caps, 0);
	sync_session_stats(simnet_link_session(ac, 1), &st);
	CHECK_INT(st.caps, SYNC_CAPS);
	CHECK(simnet_link_closed(ab) == NULL &&
	    simnet_link_closed(bc) == NULL && simnet_link_closed(ac) == NULL);
	/* New records still reach everyone, pushed or told. */
	CHECK_INT(simnet_publish(b, 1, 30), 0);
	CHECK_INT(simnet_publish(c, 100, 30), 0);
	settle(net);
	CHECK_INT(simnet_members(a, b), 31);
	CHECK_INT(simnet_members(b, c), 130);
	simnet_free(net);
}
/* A digest of origins = n made-up origins (random order), whole or not. */
static size_t
made_up_digest(uint8_t **out, size_t n, int delta, unsigned salt)
{
	Sd__PeerMsg m;
	Sd__Digest d;
	Sd__Mark *mk = calloc(n, sizeof(*mk)), **mp = calloc(n, sizeof(*mp));
	uint8_t(*o)[KEY_PUBLIC_BYTES] = calloc(n, KEY_PUBLIC_BYTES);
	size_t i, len;

	CHECK(mk != NULL && mp != NULL && o != NULL);
	for (i = 0; i < n; i++) {
		randombytes_buf(o[i], KEY_PUBLIC_BYTES);
		o[i][0] = (uint8_t)salt;
		sd__mark__init(&mk[i]);
		mk[i].origin.data = o[i];
		mk[i].origin.len = KEY_PUBLIC_BYTES;
		mk[i].w = 1000 + i;
		mp[i] = &mk[i];
	}
	sd__digest__init(&d);
	d.marks = mp;
	d.n_marks = n;
	d.has_delta = d.delta = delta;
	sd__peer_msg__init(&m);
	m.version = SYNC_VERSION;
	m.m_case = SD__PEER_MSG__M_DIGEST;
	m.digest = &d;
	*out = malloc(sd__peer_msg__get_packed_size(&m));
	CHECK(*out != NULL);
	len = sd__peer_msg__pack(&m, *out);
	free(mk);
	free(mp);
	free(o);
	return len;
}

/*
 * A certified peer names origins nobody certified (a hostile one): they
 * are no lag and no Wants; a whole digest drops those it no longer
 * names; deltas cannot make the vector grow past SYNC_KNOWN_MAX. And an
 * empty batch of a made-up origin moves no watermark.
 */
static void
test_made_up(void)
{
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;
	struct sync_stats st;
	struct simnet_count c0, c1;
	Sd__PeerMsg m;
	Sd__RecordBatch rb;
	uint8_t *msg, origin[KEY_PUBLIC_BYTES], buf[128];
	uint64_t w;
	size_t len, i;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_publish(a, 5, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	simnet_link_count(l, 0, &c0);
	len = made_up_digest(&msg, 20000, 0, 1);
	CHECK_INT(simnet_inject(l, 1, msg, len), 0);
	free(msg);
	simnet_pump(net, 0);
	CHECK(simnet_link_closed(l) == NULL);
	sync_session_stats(simnet_link_session(l, 0), &st);
	CHECK(st.origins >= 20000);
	CHECK_INT(st.lag, 0);
	simnet_link_count(l, 0, &c1);
	CHECK_INT(c1.wants - c0.wants, 0);
	/* a's next whole digest (asked for by the fingerprint, or every
	 * tick for the earlier release) names a's vector only. */
	settle(net);
	sync_session_stats(simnet_link_session(l, 0), &st);
	CHECK(st.origins <= 4);
	CHECK(simnet_link_closed(l) == NULL);

	/* An empty batch of a made-up origin: nothing stored. */
	memset(origin, 0x77, sizeof(origin));
	sd__record_batch__init(&rb);
	rb.origin.data = origin;
	rb.origin.len = sizeof(origin);
	rb.from = 0;
	rb.to = 1000000;
	sd__peer_msg__init(&m);
	m.version = SYNC_VERSION;
	m.m_case = SD__PEER_MSG__M_BATCH;
	m.batch = &rb;
	len = sd__peer_msg__pack(&m, buf);
	CHECK_INT(simnet_inject(l, 1, buf, len), 0);
	simnet_pump(net, 0);
	CHECK_INT(sync_hub_mark(b->hub, origin), 0);
	w = 1;
	CHECK_INT(store_mark(b->st, origin, &w), 0);
	CHECK_INT(w, 0);

	/* Deltas adding made-up origins: refused past SYNC_KNOWN_MAX. */
	if (g_caps & SYNC_CAP_DELTA) {
		for (i = 0; i < 4 && simnet_link_closed(l) == NULL; i++) {
			len = made_up_digest(&msg, 20000, 1, 2 + (unsigned)i);
			CHECK_INT(simnet_inject(l, 1, msg, len), 0);
			free(msg);
			simnet_pump(net, 0);
		}
		CHECK_INT(i, 4);
		CHECK(simnet_link_closed(l) != NULL);
		CHECK_INT(b->offences[SYNC_REJ_MALFORMED], 1);
	}
	simnet_free(net);
}

/*
 * An origin whose certificate expired: a peer holding more of it is no
 * lag, and it is not asked for again and again (its records could not be
 * stored).
 */
static void
test_expired(void)
{
	struct simnet *net;
	struct simnode *a, *b, *c;
	struct simlink *l, *lc;
	struct sync_stats st;
	struct simnet_count c0, c1;
	int i;

	net = net_pair(&a, &b);
	simnet_cert_ms(net, 60000);
	CHECK_INT(simnet_node_add(net, "c", "EE", &c), 0);
	CHECK_INT(simnet_publish(c, 50, 0), 0);
	/* b gets 50 of c, a gets 100. */
	CHECK_INT(simnet_link(net, b, c, &lc), 0);
	settle(net);
	CHECK_INT(simnet_mark(b, c), 50);
	simnet_unlink(lc);
	CHECK_INT(simnet_publish(c, 50, 50), 0);
	CHECK_INT(simnet_link(net, a, c, &lc), 0);
	settle(net);
	CHECK_INT(simnet_mark(a, c), 100);
	simnet_unlink(lc);
	simnet_advance(net, 120000); /* c's certificate has expired */
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	simnet_link_count(l, 0, &c0);
	for (i = 0; i < 6; i++) {
		simnet_advance(net, 1000);
		settle(net);
	}
	simnet_link_count(l, 0, &c1);
	CHECK(c1.wants - c0.wants <= 1);
	CHECK_INT(simnet_mark(b, c), 50);
	sync_session_stats(simnet_link_session(l, 0), &st);
	CHECK_INT(st.lag, 0);
	CHECK(simnet_link_closed(l) == NULL);
	simnet_free(net);
}

/* A catch-up ends with the batch after which nothing is lacking, not at
 * the peer's next digest (seconds later from a delta peer in sync). */
static void
test_catch_up_end(void)
{
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;
	uint64_t n0;

	net = net_pair(&a, &b);
	CHECK_INT(simnet_publish(a, 10, 0), 0);
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	settle(net);
	simnet_unlink(l);
	CHECK_INT(simnet_publish(a, 200, 10), 0);
	n0 = b->catch_ups;
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	simnet_pump(net, 0); /* no tick: no digest after the first */
	CHECK_INT(simnet_mark(b, a), 210);
	CHECK_INT(b->catch_ups - n0, 1);
	simnet_free(net);
}

/* A record of a kind of a later release published at a: b (this
 * release) stores and relays it; c, a node without SYNC_CAP_LATER (of
 * 0.1.0, which would refuse it and drop the link), is neither sent it nor
 * told of it: its watermark stops at the newest record it keeps, it
 * syncs the rest, refuses nothing and thinks nothing lost. */
static void
test_later_kind(void)
{
	struct simnet *net;
	struct simnode *a, *b, *c;
	struct simlink *l;
	struct sdtest_future f;
	Sd__RecordBody fb;
	uint64_t w = 0, held = 0;
	size_t i;

	if (g_caps != SYNC_CAPS)
		return; /* a node of 0.1.0 would refuse a's record */
	net = net_new();
	CHECK_INT(simnet_node_add(net, "a", "FI", &a), 0);
	CHECK_INT(simnet_node_add(net, "b", "LT", &b), 0);
	simnet_caps(net, SYNC_CAP_DELTA | SYNC_CAP_LAZY);
	CHECK_INT(simnet_node_add(net, "c", "EE", &c), 0);
	CHECK_INT(simnet_publish(a, 3, 0), 0); /* seqs 1-3 */
	sdtest_future_body(&fb, &f, "9/opp-1", "call for partners");
	CHECK_INT(simnet_store_own(a, &fb, 1), 0); /* 4 */
	CHECK_INT(simnet_publish(a, 1, 3), 0); /* 5 */
	sdtest_future_body(&fb, &f, NULL, "a note");
	CHECK_INT(simnet_store_own(a, &fb, 1), 0); /* 6 */
	CHECK_INT(simnet_link(net, a, b, &l), 0);
	CHECK_INT(simnet_link(net, b, c, &l), 0);
	settle(net);
	settle(net);
	CHECK_INT(store_mark(b->st, a->key->pk, &w), 0);
	CHECK_INT(w, 6);
	CHECK_INT(store_held(b->st, a->key->pk, 6, &held), 0);
	CHECK_INT(held, 6);
	CHECK_INT(store_mark(c->st, a->key->pk, &w), 0);
	CHECK_INT(w, 5);
	CHECK_INT(store_held(c->st, a->key->pk, 5, &held), 0);
	CHECK_INT(held, 4);

	/* Both ways on: c's records reach a through b; a member after the
	 * later kinds moves c's watermark past them. */
	CHECK_INT(simnet_publish(c, 2, 0), 0);
	CHECK_INT(simnet_publish(a, 1, 4), 0); /* 7 */
	settle(net);
	settle(net);
	CHECK_INT(store_mark(a->st, c->key->pk, &w), 0);
	CHECK_INT(w, 2);
	CHECK_INT(store_mark(c->st, a->key->pk, &w), 0);
	CHECK_INT(w, 7);
	CHECK_INT(store_held(c->st, a->key->pk, 7, &held), 0);
	CHECK_INT(held, 5);
	CHECK_INT(store_held(b->st, a->key->pk, 7, &held), 0);
	CHECK_INT(held, 7);
	for (i = 0; i < SYNC_REJ_COUNT; i++)
		CHECK_INT(a->offences[i] + b->offences[i] + c->offences[i], 0);
	CHECK(!simnet_logged(b, "were lost"));
	CHECK(!simnet_logged(c, "were lost"));
	simnet_free(net);
}

static void
run_all(void)
{
	test_pair();
	test_stats();
	test_relay();
	test_replay();
	test_root_set();
	test_heal();
	test_heal_far();
	test_restored();
	test_revocation();
	test_hostile();
	test_idle();
	test_drift();
	test_made_up();
	test_expired();
	test_catch_up_end();
	test_lazy();
	test_join();
	test_mixed();
	test_later_kind();
}

int
main(void)
{
	run_all();
	/* Again as nodes of the earlier release. */
	g_caps = 0;
	run_all();
	return check_done("test_sync");
}
