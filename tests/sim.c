/*
 * sdsim: a deterministic simulator of the real sync code (sync/): many
 * nodes in one process, each with a real key, LMDB store and sync hub
 * (tests/simnet.c), joined by simulated links on a simulated clock,
 * under random topologies, latency, message loss, duplication and
 * reordering, partitions that heal, and crashes with restarts (in-flight
 * messages lost, the store kept as its last committed transaction left
 * it). Everything random comes from one seed (the topology, the faults,
 * the nodes' keys; the clock starts at a fixed time), so a failing seed
 * replays exactly (the failure prints the command; --twice runs each
 * seed twice and checks that it does). As FoundationDB's
 * simulation testing and TigerBeetle's VOPR do, the real protocol code
 * runs; only sockets, threads and time are simulated.
 *
 * After the faults stop (partitions healed, crashed nodes restarted),
 * every run checks that all nodes converge to identical record sets and
 * watermarks, and reports per-node idle bytes and messages per gossip
 * tick, the time to converge, the ticks one new record takes to reach
 * every node, and records received twice.
 *
 * To keep 1 000 nodes affordable, a record whose exact bytes were
 * verified once in the process is trusted after (sync_ctx.trust):
 * verification itself is tested by test_record, test_sync and the
 * end-to-end tests.
 *
 *   sdsim [--nodes N] [--seeds S] [--seed FIRST] [--degree D]
 *         [--faults 0|1] [--old PERCENT] [--quiet] [--twice]
 *   sdsim --digest ORIGINS
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "err.h"
#include "gossip.pb-c.h"
#include "record.h"
#include "simnet.h"

#define SIM_GOSSIP_MS 1000
#define SIM_SETTLE_MS (600u * 1000) /* converge within this after faults */

struct sim_params {
	size_t nodes;
	unsigned degree; /* links each node dials */
	unsigned max_in; /* links a node accepts */
	unsigned members; /* each node publishes at first */
	int faults;
	unsigned old_pct; /* nodes of the earlier release (no caps), % */
	int quiet;
};

/* ---- randomness: one seeded generator (xorshift64*) ---- */

struct sim_rng {
	uint64_t s;
};

static uint64_t
sim_rand(struct sim_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* A uniform value in [0, n). */
static uint64_t
sim_below(struct sim_rng *r, uint64_t n)
{
	return n ? sim_rand(r) % n : 0;
}

/* 1 with probability per_million / 1e6. */
static int
sim_chance(struct sim_rng *r, unsigned per_million)
{
	return sim_below(r, 1000000) < per_million;
}

/* ---- trusting bytes verified once ---- */

struct sim_trust {
	pthread_mutex_t mu;
	uint8_t (*v)[16]; /* open addressing; all-zero: empty */
	size_t n, cap;
};

static int
sim_trust_slot(struct sim_trust *t, const uint8_t h[16])
{
	size_t i = 0, mask = t->cap - 1;
	uint64_t x;

	memcpy(&x, h, 8);
	for (i = x & mask;; i = (i + 1) & mask) {
		static const uint8_t zero[16];
		if (memcmp(t->v[i], h, 16) == 0 ||
		    memcmp(t->v[i], zero, 16) == 0)
			return (int)i;
	}
}

static int
sim_trust_cb(void *arg, const uint8_t *rec, size_t len, int remember)
{
	struct simnode *n = arg;
	struct sim_trust *t = n->user;
	uint8_t h[16];
	int found = 0, i;

	crypto_generichash(h, sizeof(h), rec, len, NULL, 0);
	h[0] |= 1; /* never all zero */
	pthread_mutex_lock(&t->mu);
	if (t->cap == 0 || (remember && (t->n + 1) * 2 > t->cap)) {
		size_t ocap = t->cap, ncap = ocap ? ocap * 2 : 1 << 16, j;
		uint8_t(*ov)[16] = t->v;
		if ((t->v = calloc(ncap, 16)) == NULL) {
			t->v = ov;
			pthread_mutex_unlock(&t->mu);
			return 0;
		}
		t->cap = ncap;
		t->n = 0;
		for (j = 0; j < ocap; j++) {
			static const uint8_t zero[16];
			if (memcmp(ov[j], zero, 16) != 0) {
				memcpy(
				    t->v[sim_trust_slot(t, ov[j])], ov[j], 16);
				t->n++;
			}
		}
		free(ov);
	}
	i = sim_trust_slot(t, h);
	found = memcmp(t->v[i], h, 16) == 0;
	if (remember && !found) {
		memcpy(t->v[i], h, 16);
		t->n++;
	}
	pthread_mutex_unlock(&t->mu);
	return found;
}

/* ---- the simulation ---- */

enum {
	EV_DELIVER,
	EV_TICK,
	EV_CONNECT,
	EV_CRASH,
	EV_RESTART,
	EV_PARTITION,
	EV_HEAL,
	EV_PUBLISH,
	EV_POLL
};

struct sim;

struct sim_end {
	struct sim *sim;
	uint32_t link;
	int from_a;
};

struct sim_link {
	uint32_t a, b; /* node indexes; a dialled b */
	struct sync_session *sa, *sb;
	struct sim_end ea, eb;
	uint32_t gen; /* bumped at every reset: older deliveries drop */
	int up, cut;
	unsigned lat; /* one-way latency, ms */
	uint64_t last_at[2]; /* keeps a direction in order */
	uint64_t bytes[2], msgs[2]; /* sent a->b, b->a */
};

struct sim_node {
	struct simnode *n;
	int alive;
	int side; /* in a partition */
	uint64_t poll_at; /* an EV_POLL is due then (0: none) */
	unsigned next_member;
	uint64_t sent_bytes, sent_msgs; /* on all its links */
};

struct sim_ev {
	uint64_t t, seq;
	int type;
	uint32_t idx; /* link or node */
	int from_a;
	uint32_t gen;
	uint8_t *msg;
	size_t len;
};

struct sim {
	struct sim_params p;
	uint64_t seed;
	struct sim_rng rng;
	struct simnet *net;
	struct sim_trust *trust; /* shared by the seeds of the process */
	struct sim_node *nodes;
	struct sim_link *links;
	size_t nlinks, caplinks;
	struct sim_ev **heap;
	size_t nheap, capheap;
	uint64_t seq;
	int partitioned;
	int faulty; /* messages are lost, duplicated, overtaken */
	char fail[512];
	/* What each run reports. */
	uint64_t converge_ms, propagate_ms, idle_bytes_max, idle_bytes_sum;
	uint8_t records[32]; /* the digest of the records all nodes hold */
	uint64_t idle_msgs_sum, dup, in;
	unsigned resets, crashes, partitions, refusals;
};

static uint64_t
sim_now(const struct sim *s)
{
	return simnet_now(s->net);
}

static int
sim_ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int
sim_push(struct sim *s, struct sim_ev *ev)
{
	size_t i;

	if (s->nheap == s->capheap) {
		size_t ncap = s->capheap ? s->capheap * 2 : 1024;
		struct sim_ev **nv = realloc(s->heap, ncap * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		s->heap = nv;
		s->capheap = ncap;
	}
	ev->seq = s->seq++;
	i = s->nheap++;
	while (i > 0 && sim_ev_before(ev, s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = ev;
	return 0;
}

static struct sim_ev *
sim_pop(struct sim *s)
{
	struct sim_ev *top, *last;
	size_t i = 0, c;

	if (s->nheap == 0)
		return NULL;
	top = s->heap[0];
	last = s->heap[--s->nheap];
	while ((c = 2 * i + 1) < s->nheap) {
		if (c + 1 < s->nheap &&
		    sim_ev_before(s->heap[c + 1], s->heap[c]))
			c++;
		if (!sim_ev_before(s->heap[c], last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap > 0)
		s->heap[i] = last;
	return top;
}

static int
sim_at(struct sim *s, uint64_t t, int type, uint32_t idx)
{
	struct sim_ev *ev = calloc(1, sizeof(*ev));

	if (ev == NULL)
		return -ENOMEM;
	ev->t = t;
	ev->type = type;
	ev->idx = idx;
	return sim_push(s, ev);
}

/* A session's message onto its link: latency, and now and then lost,
 * duplicated or overtaken (the faults a test network adds to TCP). */
static void
sim_send_cb(void *arg, const uint8_t *msg, size_t len)
{
	struct sim_end *e = arg;
	struct sim *s = e->sim;
	struct sim_link *l = &s->links[e->link];
	int dir = e->from_a ? 0 : 1, copies = 1, k;
	uint64_t now = sim_now(s);

	l->bytes[dir] += len + 21; /* framing: length and seal */
	l->msgs[dir]++;
	s->nodes[e->from_a ? l->a : l->b].sent_bytes += len + 21;
	s->nodes[e->from_a ? l->a : l->b].sent_msgs++;
	if (s->faulty && sim_chance(&s->rng, 1000))
		return; /* lost */
	if (s->faulty && sim_chance(&s->rng, 1000))
		copies = 2;
	for (k = 0; k < copies; k++) {
		struct sim_ev *ev = calloc(1, sizeof(*ev));
		uint64_t t = now + l->lat + sim_below(&s->rng, 3);
		if (ev == NULL || (ev->msg = malloc(len ? len : 1)) == NULL) {
			free(ev);
			return;
		}
		memcpy(ev->msg, msg, len);
		ev->len = len;
		/* In order, unless this one is overtaken. */
		if (!(s->faulty && sim_chance(&s->rng, 2000)) &&
		    t < l->last_at[dir])
			t = l->last_at[dir];
		if (t > l->last_at[dir])
			l->last_at[dir] = t;
		ev->t = t;
		ev->type = EV_DELIVER;
		ev->idx = e->link;
		ev->from_a = e->from_a;
		ev->gen = l->gen;
		if (sim_push(s, ev) != 0) {
			free(ev->msg);
			free(ev);
		}
	}
}

/* Both ends closed; messages in flight will be dropped. */
static void
sim_reset(struct sim *s, struct sim_link *l)
{
	sync_session_free(l->sa);
	sync_session_free(l->sb);
	l->sa = l->sb = NULL;
	if (l->up)
		s->resets++;
	l->up = 0;
	l->gen++;
}

static int
sim_connect(struct sim *s, uint32_t li)
{
	struct sim_link *l = &s->links[li];
	struct sim_node *a = &s->nodes[l->a], *b = &s->nodes[l->b];
	int rc;

	if (l->up || l->cut || !a->alive || !b->alive)
		return 0;
	l->gen++;
	l->last_at[0] = l->last_at[1] = 0;
	if ((rc = sync_session_new(a->n->hub, b->n->key->pk, b->n->name,
	         sim_send_cb, &l->ea, &l->sa)) != 0 ||
	    (rc = sync_session_new(b->n->hub, a->n->key->pk, a->n->name,
	         sim_send_cb, &l->eb, &l->sb)) != 0) {
		sim_reset(s, l);
		return rc;
	}
	l->up = 1;
	return 0;
}

/* The link is reset (a refused message, a crash, a cut) and dialled
 * again after a backoff, as the daemon's dialers do. */
static void
sim_drop(struct sim *s, uint32_t li)
{
	sim_reset(s, &s->links[li]);
	sim_at(s, sim_now(s) + 200 + sim_below(&s->rng, 2000), EV_CONNECT, li);
}

/* The hub asks to be polled at some time (a Want put off): an EV_POLL
 * then, unless one is due earlier. */
static void
sim_poll_later(struct sim *s, uint32_t ni)
{
	struct sim_node *sn = &s->nodes[ni];
	uint64_t next;

	if (!sn->alive || (next = sync_hub_poll(sn->n->hub)) == 0)
		return;
	if (sn->poll_at != 0 && sn->poll_at <= next)
		return;
	sn->poll_at = next;
	sim_at(s, next, EV_POLL, ni);
}

static void
sim_deliver(struct sim *s, struct sim_ev *ev)
{
	struct sim_link *l = &s->links[ev->idx];
	struct sync_session *to;
	struct simnode *n;
	struct sync_msg *m = NULL;
	char err[256];
	int rc;

	if (!l->up || ev->gen != l->gen)
		return;
	to = ev->from_a ? l->sb : l->sa;
	n = s->nodes[ev->from_a ? l->b : l->a].n;
	if ((rc = sync_prepare(&n->ctx, sync_session_certified(to), ev->msg,
	         ev->len, &m)) == 0)
		rc = sync_session_receive(to, m, err, sizeof(err));
	sim_poll_later(s, ev->from_a ? l->b : l->a);
	if (rc < 0) {
		if (getenv("SDSIM_VERBOSE") != NULL)
			fprintf(stderr, "drop %s-%s: %s\n",
			    s->nodes[l->a].n->name, s->nodes[l->b].n->name,
			    rc == -ENOMEM ? "out of memory" : err);
		s->refusals++;
		sim_drop(s, ev->idx);
	}
}

static void
sim_crash(struct sim *s, uint32_t ni)
{
	size_t i;

	if (!s->nodes[ni].alive)
		return;
	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].a == ni || s->links[i].b == ni)
			sim_reset(s, &s->links[i]);
	simnet_node_close(s->nodes[ni].n);
	s->nodes[ni].alive = 0;
	s->crashes++;
}

static int
sim_restart(struct sim *s, uint32_t ni)
{
	size_t i;
	int rc;

	if (s->nodes[ni].alive)
		return 0;
	if ((rc = simnet_node_reopen(s->nodes[ni].n)) != 0)
		return rc;
	s->nodes[ni].alive = 1;
	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].a == ni || s->links[i].b == ni)
			sim_at(s, sim_now(s) + 100 + sim_below(&s->rng, 1000),
			    EV_CONNECT, (uint32_t)i);
	return 0;
}

/* Splits the nodes in two sides at random; links across are cut. */
static void
sim_partition(struct sim *s)
{
	size_t i;

	for (i = 0; i < s->p.nodes; i++)
		s->nodes[i].side = (int)sim_below(&s->rng, 2);
	for (i = 0; i < s->nlinks; i++) {
		struct sim_link *l = &s->links[i];
		if (s->nodes[l->a].side != s->nodes[l->b].side) {
			sim_reset(s, l);
			l->cut = 1;
		}
	}
	s->partitioned = 1;
	s->partitions++;
}

static void
sim_heal(struct sim *s)
{
	size_t i;

	for (i = 0; i < s->nlinks; i++)
		if (s->links[i].cut) {
			s->links[i].cut = 0;
			sim_at(s, sim_now(s) + sim_below(&s->rng, 1000),
			    EV_CONNECT, (uint32_t)i);
		}
	s->partitioned = 0;
}

/* A node publishes: new members, or new versions of earlier ones. */
static int
sim_publish(struct sim *s, uint32_t ni, unsigned count)
{
	struct sim_node *sn = &s->nodes[ni];
	size_t first;

	if (!sn->alive)
		return 0;
	if (sn->next_member > 0 && sim_below(&s->rng, 2))
		first = sim_below(&s->rng, sn->next_member);
	else
		first = sn->next_member;
	if (first + count > sn->next_member)
		sn->next_member = (unsigned)(first + count);
	return simnet_publish(sn->n, count, first);
}

static int
sim_step(struct sim *s, struct sim_ev *ev)
{
	struct sim_node *sn;
	int rc = 0;

	switch (ev->type) {
	case EV_DELIVER: sim_deliver(s, ev); break;
	case EV_TICK:
		sn = &s->nodes[ev->idx];
		if (sn->alive)
			rc = sync_hub_tick(sn->n->hub);
		rc = rc ? rc
		        : sim_at(s, ev->t + SIM_GOSSIP_MS, EV_TICK, ev->idx);
		break;
	case EV_CONNECT: rc = sim_connect(s, ev->idx); break;
	case EV_CRASH: sim_crash(s, ev->idx); break;
	case EV_RESTART: rc = sim_restart(s, ev->idx); break;
	case EV_PARTITION: sim_partition(s); break;
	case EV_HEAL: sim_heal(s); break;
	case EV_PUBLISH:
		rc = sim_publish(
		    s, ev->idx, 1 + (unsigned)sim_below(&s->rng, 3));
		break;
	case EV_POLL:
		sn = &s->nodes[ev->idx];
		if (sn->poll_at == ev->t) {
			sn->poll_at = 0;
			sim_poll_later(s, ev->idx);
		}
		break;
	}
	return rc;
}

/* Runs events until time t (or none is left). */
static int
sim_run(struct sim *s, uint64_t t)
{
	struct sim_ev *ev;
	int rc = 0;

	while (rc == 0 && s->nheap > 0 && s->heap[0]->t <= t) {
		ev = sim_pop(s);
		if (ev->t > sim_now(s))
			simnet_advance(s->net, ev->t - sim_now(s));
		rc = sim_step(s, ev);
		free(ev->msg);
		free(ev);
	}
	if (t > sim_now(s))
		simnet_advance(s->net, t - sim_now(s));
	return rc;
}

/* Whether every node holds the same watermark vector (fingerprints). */
static int
sim_converged(struct sim *s)
{
	size_t i, n0, n, want = 1;
	uint64_t fp0 = sync_hub_fingerprint(s->nodes[0].n->hub, &n0);

	/* The root's origin and each node's that published: a node can be
	 * down through every publish the run gave it (crashed in its first
	 * seconds), and then there is nothing of it to hold. */
	for (i = 0; i < s->p.nodes; i++)
		want += s->nodes[i].n->seq > 0;
	if (n0 != want)
		return 0;
	for (i = 1; i < s->p.nodes; i++)
		if (sync_hub_fingerprint(s->nodes[i].n->hub, &n) != fp0 ||
		    n != n0)
			return 0;
	return 1;
}

/* A random graph: each node dials `degree` others that have room. */
static int
sim_topology(struct sim *s)
{
	unsigned *in = calloc(s->p.nodes, sizeof(*in));
	size_t i, k, tries;
	int rc = 0;

	if (in == NULL)
		return -ENOMEM;
	for (i = 0; i < s->p.nodes && rc == 0; i++)
		for (k = 0; k < s->p.degree && k + 1 < s->p.nodes; k++) {
			uint32_t j = 0;
			size_t l;
			int dup = 1;
			for (tries = 0; tries < 50 && dup; tries++) {
				j = (uint32_t)sim_below(&s->rng, s->p.nodes);
				dup = j == i || in[j] >= s->p.max_in;
				for (l = 0; !dup && l < s->nlinks; l++)
					dup = (s->links[l].a == i &&
					          s->links[l].b == j) ||
					    (s->links[l].a == j &&
					        s->links[l].b == i);
			}
			if (dup)
				continue;
			if (s->nlinks == s->caplinks) {
				size_t ncap =
				    s->caplinks ? s->caplinks * 2 : 64;
				struct sim_link *nv =
				    realloc(s->links, ncap * sizeof(*nv));
				if (nv == NULL) {
					rc = -ENOMEM;
					break;
				}
				s->links = nv;
				s->caplinks = ncap;
			}
			memset(&s->links[s->nlinks], 0, sizeof(*s->links));
			s->links[s->nlinks].a = (uint32_t)i;
			s->links[s->nlinks].b = j;
			s->links[s->nlinks].lat =
			    1 + (unsigned)sim_below(&s->rng, 50);
			s->nlinks++;
			in[j]++;
		}
	/* The ends' callback arguments, now that the array is final. */
	for (i = 0; i < s->nlinks; i++) {
		s->links[i].ea = (struct sim_end){ s, (uint32_t)i, 1 };
		s->links[i].eb = (struct sim_end){ s, (uint32_t)i, 0 };
	}
	free(in);
	return rc;
}

static void
sim_free(struct sim *s)
{
	size_t i;

	for (i = 0; i < s->nlinks; i++)
		sim_reset(s, &s->links[i]);
	while (s->nheap > 0) {
		struct sim_ev *ev = sim_pop(s);
		free(ev->msg);
		free(ev);
	}
	free(s->heap);
	free(s->links);
	free(s->nodes);
	simnet_free(s->net);
}

static const char *sim_countries[] = { "AT", "BE", "BG", "HR", "CY", "CZ", "DK",
	"EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT",
	"NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "NO", "IS" };

static int
sim_setup(struct sim *s)
{
	size_t i;
	int rc;
	char name[32];

	if ((rc = simnet_new(&s->net)) != 0 ||
	    (rc = simnet_seed(s->net, s->seed)) != 0)
		return rc;
	simnet_store_flags(s->net, STORE_NOSYNC);
	if ((s->nodes = calloc(s->p.nodes, sizeof(*s->nodes))) == NULL)
		return -ENOMEM;
	for (i = 0; i < s->p.nodes; i++) {
		snprintf(name, sizeof(name), "n%zu", i);
		simnet_caps(s->net,
		    sim_below(&s->rng, 100) < s->p.old_pct ? 0 : SYNC_CAPS);
		if ((rc = simnet_node_add(s->net, name,
		         sim_countries[i %
		             (sizeof(sim_countries) / sizeof(*sim_countries))],
		         &s->nodes[i].n)) != 0)
			return rc;
		s->nodes[i].n->ctx.trust = sim_trust_cb;
		s->nodes[i].n->user = s->trust;
		/* The hub read its context at creation: again, with trust
		 * (kept in the node's ctx for its restarts). */
		if ((rc = simnet_node_reopen(s->nodes[i].n)) != 0)
			return rc;
		s->nodes[i].alive = 1;
	}
	return sim_topology(s);
}

/* One run of a seed; 0 if every check held (s->fail says what did not). */
static int
sim_one(struct sim *s)
{
	uint64_t t, base, fault_end, before_b = 0, before_m = 0;
	size_t i, k, origins;
	uint8_t d0[32], d[32];
	int rc;

	if ((rc = sim_setup(s)) != 0) {
		snprintf(
		    s->fail, sizeof(s->fail), "setup: %s", sd_strerror(rc));
		return rc;
	}
	/* Times below are from the start (the clock starts at the wall
	 * clock's present, so records are signed at plausible times). */
	base = sim_now(s);
	fault_end = base + 60000;
	for (i = 0; i < s->nlinks; i++)
		sim_at(s, base + sim_below(&s->rng, 2000), EV_CONNECT,
		    (uint32_t)i);
	for (i = 0; i < s->p.nodes; i++) {
		sim_at(s, base + 1 + sim_below(&s->rng, SIM_GOSSIP_MS), EV_TICK,
		    (uint32_t)i);
		for (k = 0; k < s->p.members; k++)
			sim_at(s, base + sim_below(&s->rng, 5000), EV_PUBLISH,
			    (uint32_t)i);
	}
	s->faulty = s->p.faults;
	if (s->p.faults) {
		/* Partitions that heal, crashes that restart, and writes
		 * meanwhile, during the first minute. */
		for (k = 0; k < 3; k++) {
			t = base + 5000 + sim_below(&s->rng, 40000);
			sim_at(s, t, EV_PARTITION, 0);
			sim_at(s, t + 2000 + sim_below(&s->rng, 10000), EV_HEAL,
			    0);
		}
		for (k = 0; k < 1 + s->p.nodes / 20; k++) {
			uint32_t ni = (uint32_t)sim_below(&s->rng, s->p.nodes);
			t = base + 2000 + sim_below(&s->rng, 50000);
			sim_at(s, t, EV_CRASH, ni);
			sim_at(s, t + 1000 + sim_below(&s->rng, 5000),
			    EV_RESTART, ni);
		}
		for (k = 0; k < s->p.nodes; k++)
			sim_at(s, base + sim_below(&s->rng, 59000), EV_PUBLISH,
			    (uint32_t)sim_below(&s->rng, s->p.nodes));
		/* A partition and a crash still on when the faults end, so
		 * the convergence measured is a healing one. */
		sim_at(s, base + 50000 + sim_below(&s->rng, 5000), EV_PARTITION,
		    0);
		sim_at(s, base + 52000 + sim_below(&s->rng, 5000), EV_CRASH,
		    (uint32_t)sim_below(&s->rng, s->p.nodes));
	}
	if ((rc = sim_run(s, fault_end)) != 0)
		goto fail_rc;
	/* Every fault over: heal, restart, then wait for convergence; the
	 * figures after it are of a quiet network. */
	s->faulty = 0;
	sim_heal(s);
	for (i = 0; i < s->p.nodes; i++)
		if ((rc = sim_restart(s, (uint32_t)i)) != 0)
			goto fail_rc;
	for (t = fault_end; !sim_converged(s); t += SIM_GOSSIP_MS) {
		if (t - fault_end > SIM_SETTLE_MS) {
			snprintf(s->fail, sizeof(s->fail),
			    "not converged %u s after the faults ended",
			    SIM_SETTLE_MS / 1000);
			return -1;
		}
		if ((rc = sim_run(s, t + SIM_GOSSIP_MS)) != 0)
			goto fail_rc;
	}
	s->converge_ms = sim_now(s) - fault_end;
	/* Identical records, not only watermarks. */
	if ((rc = simnet_records_digest(s->nodes[0].n, d0)) != 0)
		goto fail_rc;
	memcpy(s->records, d0, sizeof(s->records));
	for (i = 1; i < s->p.nodes; i++) {
		if ((rc = simnet_records_digest(s->nodes[i].n, d)) != 0)
			goto fail_rc;
		if (memcmp(d, d0, 32) != 0) {
			snprintf(s->fail, sizeof(s->fail),
			    "node %zu holds other records than node 0", i);
			return -1;
		}
	}
	/* Idle: ten ticks in sync. */
	if ((rc = sim_run(s, sim_now(s) + 3 * SIM_GOSSIP_MS)) != 0)
		goto fail_rc;
	for (i = 0; i < s->p.nodes; i++) {
		before_b += s->nodes[i].sent_bytes;
		before_m += s->nodes[i].sent_msgs;
		s->nodes[i].sent_bytes = 0;
	}
	t = sim_now(s);
	if ((rc = sim_run(s, t + 10 * SIM_GOSSIP_MS)) != 0)
		goto fail_rc;
	s->idle_bytes_sum = s->idle_msgs_sum = s->idle_bytes_max = 0;
	for (i = 0; i < s->p.nodes; i++) {
		uint64_t b = s->nodes[i].sent_bytes / 10;
		s->idle_bytes_sum += b;
		if (b > s->idle_bytes_max)
			s->idle_bytes_max = b;
		s->idle_msgs_sum += s->nodes[i].sent_msgs;
	}
	s->idle_msgs_sum -= before_m;
	(void)before_b;
	/* One new record, from a random node, to every node. */
	{
		uint32_t ni = (uint32_t)sim_below(&s->rng, s->p.nodes);
		struct simnode *o = s->nodes[ni].n;
		uint64_t seq;
		if ((rc = sim_publish(s, ni, 1)) != 0)
			goto fail_rc;
		seq = o->seq;
		t = sim_now(s);
		for (;;) {
			for (i = 0; i < s->p.nodes; i++)
				if (sync_hub_mark(
				        s->nodes[i].n->hub, o->key->pk) < seq)
					break;
			if (i == s->p.nodes)
				break;
			if (sim_now(s) - t > 60000) {
				snprintf(s->fail, sizeof(s->fail),
				    "one record did not reach every node in "
				    "60 s");
				return -1;
			}
			if ((rc = sim_run(s, sim_now(s) + 10)) != 0)
				goto fail_rc;
		}
		s->propagate_ms = sim_now(s) - t;
	}
	for (i = 0; i < s->p.nodes; i++) {
		uint64_t in, dup;
		sync_hub_totals(s->nodes[i].n->hub, &in, &dup);
		s->in += in;
		s->dup += dup;
	}
	(void)origins;
	return 0;
fail_rc:
	snprintf(s->fail, sizeof(s->fail), "error: %s", sd_strerror(rc));
	return rc;
}

/* ---- the digest's cost alone, at many origins ---- */

/* Two nodes holding the same vector of `origins` made-up origins (marks
 * written without records): the bytes and time of a whole digest, and
 * of a tick in sync. */
static int
sim_digest(size_t origins)
{
	struct simnet *net;
	struct simnode *a, *b;
	struct simlink *l;
	struct simnet_count c0, c1;
	uint8_t o[KEY_PUBLIC_BYTES];
	struct timespec t0, t1;
	size_t i, k;
	int rc;

	if ((rc = simnet_new(&net)) != 0)
		return rc;
	simnet_store_flags(net, STORE_NOSYNC);
	if ((rc = simnet_node_add(net, "a", "FI", &a)) != 0 ||
	    (rc = simnet_node_add(net, "b", "SE", &b)) != 0)
		goto out;
	for (i = 0; i < origins; i++) {
		randombytes_buf(o, sizeof(o));
		if ((rc = store_apply(a->st, NULL, 0, o, 0, 1 + i % 1000)) !=
		        0 ||
		    (rc = store_apply(b->st, NULL, 0, o, 0, 1 + i % 1000)) != 0)
			goto out;
	}
	if ((rc = simnet_node_reopen(a)) != 0 ||
	    (rc = simnet_node_reopen(b)) != 0 ||
	    (rc = simnet_link(net, a, b, &l)) != 0)
		goto out;
	simnet_pump(net, 0);
	simnet_link_count(l, 1, &c0);
	printf("digest: %zu origins: whole digest %llu bytes\n", origins,
	    (unsigned long long)(c0.bytes / (c0.digests ? c0.digests : 1)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < 100; k++) {
		if ((rc = simnet_tick(net)) != 0)
			goto out;
		simnet_pump(net, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	simnet_link_count(l, 1, &c1);
	printf(
	    "digest: %zu origins: in sync, %.1f bytes a tick a link "
	    "(framing included: %.1f), %.1f us of CPU a tick for both ends\n",
	    origins, (double)(c1.bytes - c0.bytes) / 100.0,
	    (double)(c1.bytes - c0.bytes) / 100.0 + 21.0,
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
	        (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) /
	        100.0);
out:
	simnet_free(net);
	return rc;
}

/* One seed, on a struct of its own: line says what it found (or how it
 * failed and how to replay it); *mean and *most, the idle bytes a node
 * sent a second, on average and at most. 0 if every check held. */
static int
sim_seed(const struct sim_params *p, struct sim_trust *trust, uint64_t k,
    char *line, size_t len, double *mean, double *most)
{
	struct sim s;
	char hex[17];

	memset(&s, 0, sizeof(s));
	s.p = *p;
	s.trust = trust;
	s.seed = k;
	s.rng.s = k * 0x9e3779b97f4a7c15ull + 1;
	if (sim_one(&s) != 0) {
		snprintf(line, len,
		    "FAIL seed %llu: %s\n  replay: sdsim --nodes %zu "
		    "--seed %llu --degree %u --faults %d --old %u",
		    (unsigned long long)k, s.fail, p->nodes,
		    (unsigned long long)k, p->degree, p->faults, p->old_pct);
		sim_free(&s);
		return -1;
	}
	sodium_bin2hex(hex, sizeof(hex), s.records, 8);
	*mean = (double)s.idle_bytes_sum / (double)p->nodes;
	*most = (double)s.idle_bytes_max;
	snprintf(line, len,
	    "seed %llu: %zu nodes, %zu links: converged %.1f s after the "
	    "faults; idle %.0f B/s a node (max %llu), %.2f msgs a tick; one "
	    "record reached all in %.2f ticks; received twice %.3f of "
	    "stored; %u resets (%u refusals), %u crashes, %u partitions; "
	    "records %s",
	    (unsigned long long)k, p->nodes, s.nlinks,
	    (double)s.converge_ms / 1000.0, *mean,
	    (unsigned long long)s.idle_bytes_max,
	    (double)s.idle_msgs_sum / 10.0 / (double)p->nodes,
	    (double)s.propagate_ms / SIM_GOSSIP_MS,
	    s.in ? (double)s.dup / (double)s.in : 0.0, s.resets, s.refusals,
	    s.crashes, s.partitions, hex);
	sim_free(&s);
	return 0;
}

static void
sim_usage(FILE *f)
{
	fprintf(f,
	    "usage: sdsim [--nodes N] [--seeds S] [--seed FIRST] "
	    "[--degree D]\n"
	    "             [--faults 0|1] [--old PERCENT] [--quiet]\n"
	    "             [--twice]\n"
	    "       sdsim --digest ORIGINS\n\n"
	    "Runs the sync code of N nodes (default 100) in one process on a\n"
	    "simulated network and clock, seeds FIRST.. FIRST+S-1 (default 1,\n"
	    "1 seed): random links (each node dials D others, default 8),\n"
	    "latency, lost, duplicated and overtaken messages, partitions,\n"
	    "crashes (--faults 1, the default). Checks that every node\n"
	    "converges to the same records; prints, per seed, the time to\n"
	    "converge, idle bytes and messages per node per tick, the ticks\n"
	    "one record takes to reach every node, records received twice.\n"
	    "--old: that share of nodes speaks as the earlier release (no\n"
	    "capabilities). A failing seed prints the command replaying it.\n"
	    "--twice: each seed run twice, which must print the same line\n"
	    "(keys, clock and every choice come from the seed).\n"
	    "--digest ORIGINS: the cost of digests between two nodes that\n"
	    "hold ORIGINS origins.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "seeds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'f' },
		{ "degree", required_argument, NULL, 'd' },
		{ "faults", required_argument, NULL, 'F' },
		{ "old", required_argument, NULL, 'o' },
		{ "digest", required_argument, NULL, 'D' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "twice", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_params p = { 100, 8, 16, 2, 1, 0, 0 };
	struct sim_trust trust = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };
	uint64_t first = 1, seeds = 1, k;
	unsigned long digest = 0;
	int twice = 0;
	struct rlimit rl;
	unsigned failed = 0;
	double idle_sum = 0, idle_max = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': p.nodes = strtoul(optarg, NULL, 10); break;
		case 's': seeds = strtoull(optarg, NULL, 10); break;
		case 'f': first = strtoull(optarg, NULL, 10); break;
		case 'd': p.degree = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'F': p.faults = atoi(optarg) != 0; break;
		case 'o':
			p.old_pct = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'D': digest = strtoul(optarg, NULL, 10); break;
		case 'q': p.quiet = 1; break;
		case 't': twice = 1; break;
		case 'h': sim_usage(stdout); return 0;
		default: sim_usage(stderr); return 2;
		}
	}
	if (optind != argc || p.nodes < 2 || p.nodes > 10000 || seeds == 0 ||
	    p.old_pct > 100) {
		sim_usage(stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	/* Two or three descriptors a store. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (digest > 0)
		return sim_digest(digest) == 0 ? 0 : 1;
	for (k = first; k < first + seeds; k++) {
		char line[768], again[768];
		double mean = 0, most = 0;
		int rc =
		    sim_seed(&p, &trust, k, line, sizeof(line), &mean, &most);
		if (rc == 0 && twice &&
		    (sim_seed(&p, &trust, k, again, sizeof(again), &mean,
		         &most) != 0 ||
		        strcmp(line, again) != 0)) {
			printf("FAIL seed %llu: two runs differ:\n  %s\n  %s\n",
			    (unsigned long long)k, line, again);
			rc = -1;
		} else if (rc != 0) {
			printf("%s\n", line);
		}
		if (rc != 0) {
			failed++;
		} else {
			idle_sum += mean;
			if (most > idle_max)
				idle_max = most;
			if (!p.quiet)
				printf("%s\n", line);
		}
		fflush(stdout);
	}
	printf("sdsim: %llu seeds at %zu nodes: %u failed; idle bytes a node "
	       "a second: mean %.0f, max %.0f\n",
	    (unsigned long long)seeds, p.nodes, failed,
	    seeds > failed ? idle_sum / (double)(seeds - failed) : 0.0,
	    idle_max);
	free(trust.v);
	return failed ? 1 : 0;
}
