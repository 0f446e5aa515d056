#include "simnet.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "gossip.pb-c.h"
#include "record.h"

#define SIMNET_NODES_MAX 20000
#define SIMNET_ROOT_MAX 40000

struct simmsg {
	uint8_t *data;
	size_t len;
};

/* One direction of a link: what is queued, and what was ever sent. */
struct simdir {
	struct simmsg *q; /* queue: q[head, n) */
	size_t head, n, cap;
	struct simmsg *hist;
	size_t nhist, caphist;
	struct simnet_count count;
};

struct simend {
	struct simlink *l;
	int from_a;
};

struct simlink {
	struct simnet *net;
	struct simlink *next;
	struct simnode *a, *b;
	struct sync_session *sa, *sb;
	struct simend ea, eb; /* the send callbacks' arguments */
	struct simdir ab, ba;
	int closed;
	char why[320]; /* a node's name and its error */
};

struct simnet {
	struct codes *codes;
	struct key *root;
	uint64_t now;
	uint64_t root_seq;
	struct simmsg *issued; /* root records by seq - 1 */
	struct simnode **nodes;
	size_t nnodes;
	struct simlink *links;
	unsigned caps; /* for nodes added from now on */
	uint64_t cert_ms; /* their certificates' validity */
	int store_flags; /* store_open's, for every node */
	int seeded; /* keys from seed (simnet_seed), not random */
	uint64_t seed;
	uint64_t nkeys; /* keys made so far */
};

static void simnet_rmtree(const char *dir);

/* The net's next key: random, or from its seed and the keys made so far. */
static int
simnet_key(struct simnet *net, struct key **out)
{
	uint8_t in[16], seed[32];
	int i;

	if (!net->seeded)
		return key_generate(out);
	for (i = 0; i < 8; i++) {
		in[i] = (uint8_t)(net->seed >> (56 - 8 * i));
		in[8 + i] = (uint8_t)(net->nkeys >> (56 - 8 * i));
	}
	net->nkeys++;
	crypto_generichash(
	    seed, sizeof(seed), in, sizeof(in), (const uint8_t *)"sdsim", 5);
	return key_from_seed(seed, out);
}

/* ---- the nodes' context ---- */

static uint64_t
simnet_ctx_now(void *arg)
{
	struct simnode *n = arg;

	return n->net->now;
}

static void
simnet_ctx_log(void *arg, int level, const char *msg)
{
	struct simnode *n = arg;
	size_t len = strlen(msg) + 1, keep;

	(void)level;
	if (getenv("SIMNET_VERBOSE") != NULL)
		fprintf(stderr, "[%s] %s\n", n->name, msg);
	if (len >= SIMNET_LOG)
		return;
	if (n->loglen + len >= SIMNET_LOG) {
		/* Keep the newer half. */
		keep = n->loglen / 2;
		memmove(n->log, n->log + n->loglen - keep, keep);
		n->loglen = keep;
	}
	memcpy(n->log + n->loglen, msg, len - 1);
	n->log[n->loglen + len - 1] = '\n';
	n->loglen += len;
	n->log[n->loglen] = '\0';
}

static void
simnet_ctx_seq_learn(void *arg, uint64_t w)
{
	struct simnode *n = arg;

	if (w > n->learned)
		n->learned = w;
}

static void
simnet_ctx_offence(void *arg, int reason, const uint8_t *peer)
{
	struct simnode *n = arg;

	(void)peer;
	if (reason >= 0 && reason < SYNC_REJ_COUNT)
		n->offences[reason]++;
}

static void
simnet_ctx_caught_up(void *arg, uint64_t ms)
{
	struct simnode *n = arg;

	(void)ms;
	n->catch_ups++;
}

/* ---- records ---- */

/* Packs b (signed now), signs it as record seq of k, opens it into r. */
static int
simnet_sign(struct simnet *net, const struct key *k, uint64_t seq,
    Sd__RecordBody *b, uint8_t **bytes, size_t *len, struct record *r)
{
	uint8_t *body;
	size_t blen;
	char err[256];
	int rc;

	b->signed_at_ms = net->now;
	blen = sd__record_body__get_packed_size(b);
	if ((body = malloc(blen ? blen : 1)) == NULL)
		return -ENOMEM;
	sd__record_body__pack(b, body);
	rc = record_sign(k, seq, body, blen, bytes, len);
	free(body);
	if (rc != 0 || r == NULL)
		return rc;
	if ((rc = record_open(net->codes, *bytes, *len, net->now, r, err,
	         sizeof(err))) != 0) {
		fprintf(stderr, "simnet: record_open: %s\n", err);
		free(*bytes);
	}
	return rc;
}

/* A root record signed as the next root seq, kept in issued. */
static int
simnet_issue(struct simnet *net, Sd__RecordBody *b, uint64_t *seq)
{
	struct simmsg *m;
	int rc;

	if (net->root_seq == SIMNET_ROOT_MAX)
		return SD_ETOOBIG;
	m = &net->issued[net->root_seq];
	if ((rc = simnet_sign(net, net->root, net->root_seq + 1, b, &m->data,
	         &m->len, NULL)) != 0)
		return rc;
	*seq = ++net->root_seq;
	return 0;
}

int
simnet_cert(struct simnet *net, uint64_t seq, const uint8_t **buf, size_t *len)
{
	if (seq == 0 || seq > net->root_seq)
		return SD_ENOTFOUND;
	*buf = net->issued[seq - 1].data;
	*len = net->issued[seq - 1].len;
	return 0;
}

int
simnet_root_give(struct simnet *net, struct simnode *n, uint64_t seq)
{
	struct store_item it = { 0 };
	struct record r = { 0 };
	const uint8_t *buf;
	size_t len;
	char err[256];
	int rc;

	if ((rc = simnet_cert(net, seq, &buf, &len)) != 0)
		return rc;
	if ((rc = record_open(
	         net->codes, buf, len, net->now, &r, err, sizeof(err))) != 0)
		return rc;
	it.bytes = buf;
	it.len = len;
	it.r = &r;
	rc = store_apply(n->st, &it, 1, net->root->pk, seq - 1, seq);
	record_close(&r);
	if (rc == 0 && n->hub != NULL)
		rc = sync_hub_moved(n->hub, net->root->pk, 0, 0);
	return rc;
}

int
simnet_revoke(struct simnet *net, const struct simnode *who, uint64_t *seq)
{
	Sd__RecordBody b = SD__RECORD_BODY__INIT;
	Sd__Revocation rv = SD__REVOCATION__INIT;

	rv.node_key.data = who->key->pk;
	rv.node_key.len = KEY_PUBLIC_BYTES;
	rv.reason = "test";
	b.kind_case = SD__RECORD_BODY__KIND_REVOCATION;
	b.revocation = &rv;
	return simnet_issue(net, &b, seq);
}

/* ---- the net ---- */

int
simnet_new(struct simnet **out)
{
	struct simnet *net;
	int rc;

	if (sodium_init() < 0)
		return SD_EINVAL;
	if ((net = calloc(1, sizeof(*net))) == NULL)
		return -ENOMEM;
	if ((net->issued = calloc(SIMNET_ROOT_MAX, sizeof(*net->issued))) ==
	        NULL ||
	    (net->nodes = calloc(SIMNET_NODES_MAX, sizeof(*net->nodes))) ==
	        NULL) {
		simnet_free(net);
		return -ENOMEM;
	}
	if ((rc = codes_new(&net->codes)) != 0 ||
	    (rc = key_generate(&net->root)) != 0) {
		simnet_free(net);
		return rc;
	}
	net->now = record_now_ms();
	net->caps = SYNC_CAPS;
	net->cert_ms = 365ull * 86400000ull;
	*out = net;
	return 0;
}

int
simnet_seed(struct simnet *net, uint64_t seed)
{
	struct key *root;
	int rc;

	net->seeded = 1;
	net->seed = seed;
	net->nkeys = 0;
	if ((rc = simnet_key(net, &root)) != 0)
		return rc;
	key_free(net->root);
	net->root = root;
	net->now = SIMNET_EPOCH_MS;
	return 0;
}

void
simnet_caps(struct simnet *net, unsigned caps)
{
	net->caps = caps;
}

void
simnet_cert_ms(struct simnet *net, uint64_t ms)
{
	net->cert_ms = ms;
}

void
simnet_store_flags(struct simnet *net, int flags)
{
	net->store_flags = flags;
}

const struct codes *
simnet_codes(const struct simnet *net)
{
	return net->codes;
}

const struct key *
simnet_root(const struct simnet *net)
{
	return net->root;
}

uint64_t
simnet_now(const struct simnet *net)
{
	return net->now;
}

void
simnet_advance(struct simnet *net, uint64_t ms)
{
	net->now += ms;
}

static int
simnet_node_open(struct simnode *n)
{
	int rc;

	if ((rc = store_open(
	         n->dir, n->net->codes, 256, n->net->store_flags, &n->st)) != 0)
		return rc;
	n->ctx.st = n->st;
	return sync_hub_new(&n->ctx, &n->hub);
}

int
simnet_node_add(struct simnet *net, const char *name, const char *country,
    struct simnode **out)
{
	Sd__RecordBody b = SD__RECORD_BODY__INIT;
	Sd__NodeCert nc = SD__NODE_CERT__INIT;
	struct simnode *n;
	const char *base = getenv("TMPDIR");
	char *countries[1];
	uint64_t seq;
	int rc;

	if (net->nnodes == SIMNET_NODES_MAX)
		return SD_ETOOBIG;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -ENOMEM;
	net->nodes[net->nnodes++] = n;
	n->net = net;
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->country, sizeof(n->country), "%s", country);
	snprintf(
	    n->dir, sizeof(n->dir), "%s/sdsim.XXXXXX", base ? base : "/tmp");
	if (mkdtemp(n->dir) == NULL)
		return -errno;
	if ((rc = simnet_key(net, &n->key)) != 0)
		return rc;
	countries[0] = n->country;
	nc.node_key.data = n->key->pk;
	nc.node_key.len = KEY_PUBLIC_BYTES;
	nc.name = n->name;
	nc.countries = countries;
	nc.n_countries = 1;
	nc.not_after_ms = net->now + net->cert_ms;
	b.kind_case = SD__RECORD_BODY__KIND_NODE_CERT;
	b.node_cert = &nc;
	if ((rc = simnet_issue(net, &b, &seq)) != 0)
		return rc;
	n->ctx.codes = net->codes;
	n->ctx.root = net->root->pk;
	n->ctx.self = n->key->pk;
	n->ctx.gossip_ms = 1000;
	n->ctx.caps = net->caps;
	n->ctx.arg = n;
	n->ctx.now_ms = simnet_ctx_now;
	n->ctx.log = simnet_ctx_log;
	n->ctx.seq_learn = simnet_ctx_seq_learn;
	n->ctx.offence = simnet_ctx_offence;
	n->ctx.caught_up = simnet_ctx_caught_up;
	if ((rc = store_open(
	         n->dir, net->codes, 256, net->store_flags, &n->st)) != 0)
		return rc;
	if ((rc = simnet_root_give(net, n, seq)) != 0)
		return rc;
	store_close(n->st);
	n->st = NULL;
	if ((rc = simnet_node_open(n)) != 0)
		return rc;
	*out = n;
	return 0;
}

void
simnet_node_close(struct simnode *n)
{
	struct simlink *l;

	/* Its sessions go with its hub: the links lose them first. */
	for (l = n->net->links; l != NULL; l = l->next)
		if ((l->a == n || l->b == n) &&
		    (l->sa != NULL || l->sb != NULL))
			simnet_unlink(l);
	sync_hub_free(n->hub);
	n->hub = NULL;
	store_close(n->st);
	n->st = NULL;
}

int
simnet_node_reopen(struct simnode *n)
{
	uint64_t w = 0, last = 0;
	int rc;

	simnet_node_close(n);
	if ((rc = simnet_node_open(n)) != 0)
		return rc;
	/* What a starting daemon takes for its own seq. */
	store_mark(n->st, n->key->pk, &w);
	store_last_seq(n->st, n->key->pk, &last);
	n->seq = w > last ? w : last;
	return 0;
}

static void
simnet_dir_free(struct simdir *d)
{
	size_t i;

	for (i = d->head; i < d->n; i++)
		free(d->q[i].data);
	free(d->q);
	for (i = 0; i < d->nhist; i++)
		free(d->hist[i].data);
	free(d->hist);
	memset(d, 0, sizeof(*d));
}

void
simnet_free(struct simnet *net)
{
	size_t i;

	if (net == NULL)
		return;
	while (net->links != NULL) {
		struct simlink *l = net->links;
		net->links = l->next;
		simnet_unlink(l);
		simnet_dir_free(&l->ab);
		simnet_dir_free(&l->ba);
		free(l);
	}
	for (i = 0; i < net->nnodes; i++) {
		struct simnode *n = net->nodes[i];
		sync_hub_free(n->hub);
		store_close(n->st);
		key_free(n->key);
		if (n->dir[0] != '\0')
			simnet_rmtree(n->dir);
		free(n);
	}
	for (i = 0; i < net->root_seq; i++)
		free(net->issued[i].data);
	free(net->issued);
	free(net->nodes);
	key_free(net->root);
	codes_free(net->codes);
	free(net);
}

static void
simnet_rmtree(const char *dir)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

/* ---- publishing ---- */

static void
simnet_member_id(const struct simnode *n, size_t index, uint8_t id[16])
{
	uint8_t in[40];
	size_t len = strlen(n->name);

	memcpy(in, n->name, len < 32 ? len : 32);
	memcpy(in + (len < 32 ? len : 32), &index, sizeof(index));
	crypto_generichash(id, MEMBER_ID_BYTES, in,
	    (len < 32 ? len : 32) + sizeof(index), NULL, 0);
}

int
simnet_store_own(struct simnode *n, Sd__RecordBody *bodies, size_t cnt)
{
	struct store_item *items;
	struct record *rs;
	uint8_t **bytes;
	size_t i;
	int rc = 0;

	items = calloc(cnt, sizeof(*items));
	rs = calloc(cnt, sizeof(*rs));
	bytes = calloc(cnt, sizeof(*bytes));
	if (items == NULL || rs == NULL || bytes == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cnt && rc == 0; i++) {
		rc = simnet_sign(n->net, n->key, n->seq + 1 + i, &bodies[i],
		    &bytes[i], &items[i].len, &rs[i]);
		items[i].bytes = bytes[i];
		items[i].r = &rs[i];
	}
	if (rc != 0)
		goto out;
	if ((rc = store_apply(
	         n->st, items, cnt, n->key->pk, n->seq, n->seq + cnt)) != 0)
		goto out;
	n->seq += cnt;
	rc = sync_hub_moved(n->hub, n->key->pk, n->seq - cnt, n->seq);
out:
	for (i = 0; rs != NULL && i < cnt; i++) {
		record_close(&rs[i]);
		free(bytes[i]);
	}
	free(items);
	free(rs);
	free(bytes);
	return rc;
}

int
simnet_publish(struct simnode *n, size_t count, size_t first)
{
	Sd__RecordBody *bodies;
	Sd__Member *ms;
	uint8_t(*ids)[16];
	char(*names)[64];
	char *caps[] = { "laser cutting", "recycling" };
	size_t i;
	int rc;

	bodies = calloc(count, sizeof(*bodies));
	ms = calloc(count, sizeof(*ms));
	ids = calloc(count, sizeof(*ids));
	names = calloc(count, sizeof(*names));
	if (bodies == NULL || ms == NULL || ids == NULL || names == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		sd__member__init(&ms[i]);
		simnet_member_id(n, first + i, ids[i]);
		snprintf(names[i], sizeof(names[i]), "%s member %zu v%llu",
		    n->name, first + i, (unsigned long long)n->seq + 1 + i);
		ms[i].id.data = ids[i];
		ms[i].id.len = MEMBER_ID_BYTES;
		ms[i].name = names[i];
		ms[i].kind = SD__MEMBER_KIND__KIND_SME;
		ms[i].country = n->country;
		ms[i].capabilities = caps;
		ms[i].n_capabilities = 2;
		sd__record_body__init(&bodies[i]);
		bodies[i].kind_case = SD__RECORD_BODY__KIND_MEMBER;
		bodies[i].member = &ms[i];
	}
	rc = simnet_store_own(n, bodies, count);
out:
	free(bodies);
	free(ms);
	free(ids);
	free(names);
	return rc;
}

int
simnet_remove(struct simnode *n, size_t index)
{
	Sd__RecordBody b = SD__RECORD_BODY__INIT;
	Sd__Tombstone ts = SD__TOMBSTONE__INIT;
	uint8_t id[MEMBER_ID_BYTES];

	simnet_member_id(n, index, id);
	ts.member_id.data = id;
	ts.member_id.len = MEMBER_ID_BYTES;
	b.kind_case = SD__RECORD_BODY__KIND_TOMBSTONE;
	b.tombstone = &ts;
	return simnet_store_own(n, &b, 1);
}

/* ---- links ---- */

static int
simnet_push(
    struct simmsg **v, size_t *n, size_t *cap, const uint8_t *msg, size_t len)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct simmsg *nv = realloc(*v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	if (((*v)[*n].data = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	memcpy((*v)[*n].data, msg, len);
	(*v)[*n].len = len;
	(*n)++;
	return 0;
}

static void
simnet_count_msg(struct simnet_count *c, const uint8_t *msg, size_t len)
{
	Sd__PeerMsg *m = sd__peer_msg__unpack(NULL, len, msg);

	c->msgs++;
	c->bytes += len;
	if (m == NULL)
		return;
	if (m->m_case == SD__PEER_MSG__M_BATCH) {
		c->batches++;
		c->records += m->batch->n_records;
	} else if (m->m_case == SD__PEER_MSG__M_DIGEST) {
		c->digests++;
	} else if (m->m_case == SD__PEER_MSG__M_WANT) {
		c->wants++;
	}
	sd__peer_msg__free_unpacked(m, NULL);
}

static int
simnet_queue(struct simlink *l, int from_a, const uint8_t *msg, size_t len)
{
	struct simdir *d = from_a ? &l->ab : &l->ba;
	int rc;

	if (l->closed)
		return 0;
	if ((rc = simnet_push(&d->q, &d->n, &d->cap, msg, len)) != 0 ||
	    (rc = simnet_push(&d->hist, &d->nhist, &d->caphist, msg, len)) != 0)
		return rc;
	simnet_count_msg(&d->count, msg, len);
	return 0;
}

static void
simnet_send_cb(void *arg, const uint8_t *msg, size_t len)
{
	struct simend *e = arg;

	if (simnet_queue(e->l, e->from_a, msg, len) != 0) {
		e->l->closed = 1;
		snprintf(e->l->why, sizeof(e->l->why), "out of memory");
	}
}

int
simnet_link(struct simnet *net, struct simnode *a, struct simnode *b,
    struct simlink **out)
{
	struct simlink *l;
	int rc;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->net = net;
	l->a = a;
	l->b = b;
	l->ea.l = l->eb.l = l;
	l->ea.from_a = 1;
	l->next = net->links;
	net->links = l;
	if ((rc = sync_session_new(a->hub, b->key->pk, b->name, simnet_send_cb,
	         &l->ea, &l->sa)) != 0 ||
	    (rc = sync_session_new(b->hub, a->key->pk, a->name, simnet_send_cb,
	         &l->eb, &l->sb)) != 0) {
		simnet_unlink(l);
		return rc;
	}
	*out = l;
	return 0;
}

void
simnet_unlink(struct simlink *l)
{
	size_t i;

	sync_session_free(l->sa);
	sync_session_free(l->sb);
	l->sa = l->sb = NULL;
	if (!l->closed) {
		l->closed = 1;
		snprintf(l->why, sizeof(l->why), "unlinked");
	}
	for (i = l->ab.head; i < l->ab.n; i++)
		free(l->ab.q[i].data);
	for (i = l->ba.head; i < l->ba.n; i++)
		free(l->ba.q[i].data);
	l->ab.head = l->ab.n;
	l->ba.head = l->ba.n;
}

struct sync_session *
simnet_link_session(const struct simlink *l, int a_side)
{
	return a_side ? l->sa : l->sb;
}

const char *
simnet_link_closed(const struct simlink *l)
{
	return l->closed ? l->why : NULL;
}

void
simnet_link_count(const struct simlink *l, int from_a, struct simnet_count *out)
{
	*out = from_a ? l->ab.count : l->ba.count;
}

int
simnet_inject(struct simlink *l, int from_a, const uint8_t *msg, size_t len)
{
	return simnet_queue(l, from_a, msg, len);
}

int
simnet_capture(
    const struct simlink *l, int from_a, int kind, uint8_t **out, size_t *len)
{
	const struct simdir *d = from_a ? &l->ab : &l->ba;
	size_t i;

	for (i = 0; i < d->nhist; i++) {
		Sd__PeerMsg *m =
		    sd__peer_msg__unpack(NULL, d->hist[i].len, d->hist[i].data);
		int hit = m != NULL && (int)m->m_case == kind &&
		    (kind != SD__PEER_MSG__M_BATCH || m->batch->n_records > 0);
		if (m != NULL)
			sd__peer_msg__free_unpacked(m, NULL);
		if (!hit)
			continue;
		if ((*out = malloc(d->hist[i].len)) == NULL)
			return -ENOMEM;
		memcpy(*out, d->hist[i].data, d->hist[i].len);
		*len = d->hist[i].len;
		return 0;
	}
	return SD_ENOTFOUND;
}

/* Delivers the oldest message queued in one direction of l. */
static void
simnet_deliver(struct simlink *l, int from_a)
{
	struct simdir *d = from_a ? &l->ab : &l->ba;
	struct sync_session *to = from_a ? l->sb : l->sa;
	struct simnode *node = from_a ? l->b : l->a;
	struct simmsg m = d->q[d->head++];
	struct sync_msg *sm = NULL;
	char err[256] = "out of memory";
	int rc;

	rc = sync_prepare(
	    &node->ctx, sync_session_certified(to), m.data, m.len, &sm);
	if (rc == 0)
		rc = sync_session_receive(to, sm, err, sizeof(err));
	free(m.data);
	if (rc < 0) {
		snprintf(
		    l->why, sizeof(l->why), "%s refused: %s", node->name, err);
		l->closed = 1;
		simnet_unlink(l);
	}
}

size_t
simnet_pump(struct simnet *net, size_t max)
{
	struct simlink *l;
	size_t done = 0;
	int moved = 1;

	while (moved && (max == 0 || done < max)) {
		moved = 0;
		for (l = net->links; l != NULL; l = l->next) {
			if (!l->closed && l->ab.head < l->ab.n) {
				simnet_deliver(l, 1);
				done++;
				moved = 1;
			}
			if (!l->closed && l->ba.head < l->ba.n) {
				simnet_deliver(l, 0);
				done++;
				moved = 1;
			}
		}
	}
	return done;
}

int
simnet_tick(struct simnet *net)
{
	size_t i;
	int rc;

	for (i = 0; i < net->nnodes; i++) {
		if (net->nodes[i]->hub == NULL)
			continue; /* closed */
		if ((rc = sync_hub_tick(net->nodes[i]->hub)) != 0)
			return rc;
		/* As the daemon's sync thread: the looks due again. */
		sync_hub_poll(net->nodes[i]->hub);
	}
	return 0;
}

/* ---- looking at a node ---- */

uint64_t
simnet_mark(struct simnode *n, const struct simnode *origin)
{
	uint64_t w = 0;

	store_mark(n->st, origin->key->pk, &w);
	return w;
}

uint64_t
simnet_members(struct simnode *n, const struct simnode *origin)
{
	struct store_counts c;

	if (store_counts(n->st, origin->key->pk, &c) != 0)
		return 0;
	return c.origin_members;
}

static int
simnet_count_cb(void *arg, const uint8_t *rec, size_t len)
{
	(void)rec;
	(void)len;
	(*(uint64_t *)arg)++;
	return 0;
}

uint64_t
simnet_root_held(struct simnode *n)
{
	uint64_t held = 0;

	store_range(
	    n->st, n->net->root->pk, 0, UINT64_MAX, simnet_count_cb, &held);
	return held;
}

static int
simnet_hash_cb(void *arg, const uint8_t *rec, size_t len)
{
	crypto_generichash_update(arg, rec, len);
	return 0;
}

int
simnet_records_digest(struct simnode *n, uint8_t out[32])
{
	crypto_generichash_state hs;
	size_t i;
	int rc;

	crypto_generichash_init(&hs, NULL, 0, 32);
	if ((rc = store_range(n->st, n->net->root->pk, 0, UINT64_MAX,
	         simnet_hash_cb, &hs)) != 0)
		return rc;
	for (i = 0; i < n->net->nnodes; i++)
		if ((rc = store_range(n->st, n->net->nodes[i]->key->pk, 0,
		         UINT64_MAX, simnet_hash_cb, &hs)) != 0)
			return rc;
	crypto_generichash_final(&hs, out, 32);
	return 0;
}

int
simnet_logged(const struct simnode *n, const char *s)
{
	return strstr(n->log, s) != NULL;
}
