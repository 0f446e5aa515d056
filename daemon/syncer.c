#include "syncer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"

/* Status figures go to the loop at most this often during a sync (and
 * at every gossip tick). */
#define SYNCER_STATS_MS 250
/* Certificates are scanned for addresses every this many ticks, and
 * whenever the root's records changed. */
#define SYNCER_SCAN_TICKS 5

enum { JOB_OPEN, JOB_MESSAGE, JOB_CLOSE, JOB_WRITTEN };

struct syncer_job {
	struct syncer_job *next;
	int type;
	uint64_t id;
	uint8_t key[KEY_PUBLIC_BYTES]; /* JOB_OPEN: the peer; JOB_WRITTEN */
	char label[64];
	struct sync_msg *m;
	uint8_t *in; /* JOB_MESSAGE not yet prepared (m NULL) */
	size_t len;
	int certified;
	uint64_t from, to;
};

/* A session of the sync thread, and its connection's id. */
struct syncer_sess {
	struct syncer_sess *next;
	struct syncer *sy;
	uint64_t id;
	struct sync_session *s;
	int certified;
	struct sync_stats told; /* as last posted to the loop */
	int has_told;
};

struct syncer {
	uv_async_t async; /* first */
	uv_loop_t *loop;
	struct node *node;
	const struct sync_ctx *ctx;
	void (*on_event)(void *arg, const struct syncer_event *ev);
	void *arg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
	struct syncer_job *jobs, *jobs_tail; /* under mu */
	struct syncer_event *events, *events_tail; /* under mu */
	/* The sync thread's own. */
	struct sync_hub *hub;
	struct syncer_sess *sessions;
	uint64_t next_tick, stats_ms; /* CLOCK_MONOTONIC ms */
	uint64_t next_poll; /* CLOCK_MONOTONIC ms the hub wants a poll; 0 */
	/* CLOCK_MONOTONIC ms by which figures a message changed must reach
	 * the loop (they are posted at most every SYNCER_STATS_MS); 0 none. */
	uint64_t stats_due;
	unsigned ticks;
	uint64_t root_scanned; /* the root's mark at the last scan */
};

static uint64_t
syncer_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- events, to the loop ---- */

static struct syncer_event *
syncer_event_new(int type, uint64_t id)
{
	struct syncer_event *ev = calloc(1, sizeof(*ev));

	if (ev != NULL) {
		ev->type = type;
		ev->id = id;
	}
	return ev;
}

static void
syncer_event_free(struct syncer_event *ev)
{
	free(ev->data);
	free(ev->nodes);
	free(ev);
}

/* Queues ev for the loop (NULL, out of memory: dropped, as a lost
 * message would be; digests repeat what matters). */
static void
syncer_post(struct syncer *sy, struct syncer_event *ev)
{
	if (ev == NULL)
		return;
	pthread_mutex_lock(&sy->mu);
	if (sy->events_tail != NULL)
		sy->events_tail->next = ev;
	else
		sy->events = ev;
	sy->events_tail = ev;
	pthread_mutex_unlock(&sy->mu);
	uv_async_send(&sy->async);
}

static void
syncer_async_cb(uv_async_t *a)
{
	struct syncer *sy = (struct syncer *)a;
	struct syncer_event *ev, *next;

	pthread_mutex_lock(&sy->mu);
	ev = sy->events;
	sy->events = sy->events_tail = NULL;
	pthread_mutex_unlock(&sy->mu);
	for (; ev != NULL; ev = next) {
		next = ev->next;
		sy->on_event(sy->arg, ev);
		syncer_event_free(ev);
	}
}

/* A session's message to its peer. */
static void
syncer_send_cb(void *arg, const uint8_t *msg, size_t len)
{
	struct syncer_sess *ss = arg;
	struct syncer_event *ev = syncer_event_new(SYNCER_SEND, ss->id);

	if (ev != NULL && (ev->data = malloc(len ? len : 1)) == NULL) {
		free(ev);
		return;
	}
	if (ev != NULL) {
		memcpy(ev->data, msg, len);
		ev->len = len;
	}
	syncer_post(ss->sy, ev);
}

/* ---- the sync thread ---- */

static struct syncer_sess *
syncer_find(struct syncer *sy, uint64_t id, struct syncer_sess ***link)
{
	struct syncer_sess **pp;

	for (pp = &sy->sessions; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			if (link != NULL)
				*link = pp;
			return *pp;
		}
	return NULL;
}

static void
syncer_end(struct syncer *sy, uint64_t id)
{
	struct syncer_sess **pp, *ss = syncer_find(sy, id, &pp);

	if (ss == NULL)
		return;
	*pp = ss->next;
	sync_session_free(ss->s);
	free(ss);
}

static void
syncer_drop(struct syncer *sy, uint64_t id, const char *why)
{
	struct syncer_event *ev = syncer_event_new(SYNCER_DROP, id);

	if (ev != NULL)
		snprintf(ev->why, sizeof(ev->why), "%s", why);
	syncer_post(sy, ev);
	syncer_end(sy, id);
}

static int
syncer_stats_same(const struct sync_stats *a, const struct sync_stats *b)
{
	return a->certified == b->certified && a->has_lag == b->has_lag &&
	    a->caps == b->caps && a->lag == b->lag &&
	    a->peer_lag == b->peer_lag && a->records_in == b->records_in &&
	    a->records_dup == b->records_dup &&
	    a->records_out == b->records_out && a->synced_ms == b->synced_ms &&
	    a->origins == b->origins && strcmp(a->software, b->software) == 0;
}

/* Each session's figures to the loop (status, peers), those that
 * changed only: in sync, a tick changes nothing, and a post wakes the
 * loop. */
static void
syncer_stats(struct syncer *sy)
{
	struct syncer_sess *ss;
	struct syncer_event *ev;
	struct sync_stats st;
	uint64_t in, dup;

	sy->stats_ms = syncer_mono_ms();
	sy->stats_due = 0;
	sync_hub_totals(sy->hub, &in, &dup);
	node_records_count(sy->node, in, dup);
	for (ss = sy->sessions; ss != NULL; ss = ss->next) {
		sync_session_stats(ss->s, &st);
		if (ss->has_told && syncer_stats_same(&st, &ss->told))
			continue;
		if ((ev = syncer_event_new(SYNCER_STATS, ss->id)) != NULL) {
			ev->stats = st;
			ss->told = st;
			ss->has_told = 1;
			syncer_post(sy, ev);
		}
	}
}

static void
syncer_open_job(struct syncer *sy, const struct syncer_job *j)
{
	struct syncer_sess *ss;
	int rc;

	if ((ss = calloc(1, sizeof(*ss))) == NULL) {
		syncer_drop(sy, j->id, "out of memory");
		return;
	}
	ss->sy = sy;
	ss->id = j->id;
	rc = sync_session_new(
	    sy->hub, j->key, j->label, syncer_send_cb, ss, &ss->s);
	if (rc != 0) {
		free(ss);
		syncer_drop(sy, j->id,
		    rc == SD_ENOCERT || rc == SD_EREVOKED || rc == SD_EEXPIRED
		        ? "this node has no valid certificate"
		        : sd_strerror(rc));
		return;
	}
	ss->next = sy->sessions;
	sy->sessions = ss;
}

static void
syncer_message_job(struct syncer *sy, struct syncer_job *j)
{
	struct syncer_sess *ss = syncer_find(sy, j->id, NULL);
	char err[256], why[300];
	int rc;

	if (ss == NULL) {
		sync_msg_free(j->m);
		j->m = NULL;
		return;
	}
	if (j->m == NULL &&
	    sync_prepare(sy->ctx, j->certified, j->in, j->len, &j->m) != 0) {
		syncer_drop(sy, j->id, "out of memory");
		return;
	}
	rc = sync_session_receive(ss->s, j->m, err, sizeof(err));
	j->m = NULL;
	if (rc < 0) {
		snprintf(why, sizeof(why), "refused: %s", err);
		syncer_drop(sy, j->id, why);
		return;
	}
	if (!ss->certified && sync_session_certified(ss->s)) {
		ss->certified = 1;
		syncer_post(sy, syncer_event_new(SYNCER_CERTIFIED, ss->id));
	}
	syncer_post(sy, syncer_event_new(SYNCER_DONE, ss->id));
	/* During a sync, status shows progress four times a second; what
	 * the last message changed is posted at most SYNCER_STATS_MS later,
	 * not at the next tick (a gossip interval may be minutes). */
	if (syncer_mono_ms() - sy->stats_ms >= SYNCER_STATS_MS) {
		syncer_stats(sy);
	} else if (sy->stats_due == 0) {
		struct sync_stats st;
		sync_session_stats(ss->s, &st);
		if (!ss->has_told || !syncer_stats_same(&st, &ss->told))
			sy->stats_due = sy->stats_ms + SYNCER_STATS_MS;
	}
}

struct scan {
	struct syncer *sy;
	struct syncer_node *v;
	size_t n, cap;
};

static int
syncer_scan_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct scan *sc = arg;
	const struct sync_ctx *ctx = sc->sy->ctx;
	struct record r, cert = { 0 };
	const Sd__NodeCert *nc;
	struct syncer_node *e;
	size_t i;

	if (record_decode(rec, len, &r) != 0)
		return 0;
	if (r.body->kind_case != SD__RECORD_BODY__KIND_NODE_CERT ||
	    r.body->node_cert->node_key.len != KEY_PUBLIC_BYTES ||
	    memcmp(r.body->node_cert->node_key.data, ctx->self,
	        KEY_PUBLIC_BYTES) == 0)
		goto out;
	nc = r.body->node_cert;
	for (i = 0; i < sc->n; i++)
		if (memcmp(sc->v[i].key, nc->node_key.data, KEY_PUBLIC_BYTES) ==
		    0)
			goto out;
	if (sc->n == sc->cap) {
		size_t ncap = sc->cap ? sc->cap * 2 : 16;
		struct syncer_node *nv = realloc(sc->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			record_close(&r);
			return -ENOMEM;
		}
		sc->v = nv;
		sc->cap = ncap;
	}
	e = &sc->v[sc->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->key, nc->node_key.data, KEY_PUBLIC_BYTES);
	/* The certificate in force decides (a newer one may be held, or a
	 * revocation). */
	e->in_force = sync_cert_of(ctx->st, ctx->codes, e->key,
	                  ctx->now_ms(ctx->arg), &cert) == 0;
	nc = e->in_force ? cert.body->node_cert : nc;
	snprintf(e->name, sizeof(e->name), "%s", nc->name ? nc->name : "");
	if (nc->n_addresses > 0)
		snprintf(e->addr, sizeof(e->addr), "%s", nc->addresses[0]);
	record_close(&cert);
out:
	record_close(&r);
	return 0;
}

/* The nodes certificates name, for the dialers: when the root's records
 * changed, and every few ticks (root records may arrive above a gap). */
static void
syncer_scan(struct syncer *sy)
{
	struct scan sc = { sy, NULL, 0, 0 };
	struct syncer_event *ev;
	uint64_t rw = sync_hub_mark(sy->hub, sy->ctx->root);

	if (rw == sy->root_scanned && sy->ticks % SYNCER_SCAN_TICKS != 0)
		return;
	sy->root_scanned = rw;
	if (store_range(sy->ctx->st, sy->ctx->root, 0, UINT64_MAX,
	        syncer_scan_cb, &sc) < 0 ||
	    (ev = syncer_event_new(SYNCER_NODES, 0)) == NULL) {
		free(sc.v);
		return;
	}
	ev->nodes = sc.v;
	ev->nnodes = sc.n;
	syncer_post(sy, ev);
}

static void
syncer_tick(struct syncer *sy)
{
	int rc;

	if ((rc = sync_hub_tick(sy->hub)) != 0)
		node_log(sy->node, SDLOG_WARN, "gossip: %s", sd_strerror(rc));
	sy->ticks++;
	syncer_scan(sy);
	syncer_stats(sy);
}

static void
syncer_run(struct syncer *sy, struct syncer_job *j)
{
	int rc;

	switch (j->type) {
	case JOB_OPEN: syncer_open_job(sy, j); break;
	case JOB_MESSAGE: syncer_message_job(sy, j); break;
	case JOB_CLOSE: syncer_end(sy, j->id); break;
	case JOB_WRITTEN:
		if ((rc = sync_hub_moved(sy->hub, j->key, j->from, j->to)) != 0)
			node_log(sy->node, SDLOG_WARN,
			    "telling peers of a write: %s", sd_strerror(rc));
		if (memcmp(j->key, sy->ctx->root, KEY_PUBLIC_BYTES) == 0)
			syncer_scan(sy);
		break;
	}
}

/* Runs the hub's put-off Wants if due and notes when it wants the next
 * look (its clock is the wall clock; the thread waits on the monotonic). */
static void
syncer_poll(struct syncer *sy)
{
	uint64_t at = sync_hub_poll(sy->hub),
	         now = sy->ctx->now_ms(sy->ctx->arg);

	sy->next_poll =
	    at == 0 ? 0 : syncer_mono_ms() + (at > now ? at - now : 0);
}

static void *
syncer_main(void *arg)
{
	struct syncer *sy = arg;
	struct syncer_job *j;
	struct timespec ts;
	uint64_t now;

	pthread_mutex_lock(&sy->mu);
	while (!sy->stopping) {
		uint64_t wake;
		now = syncer_mono_ms();
		if (now >= sy->next_tick ||
		    (sy->next_poll != 0 && now >= sy->next_poll)) {
			int tick = now >= sy->next_tick;
			if (tick)
				sy->next_tick = now + sy->ctx->gossip_ms;
			pthread_mutex_unlock(&sy->mu);
			if (tick)
				syncer_tick(sy);
			syncer_poll(sy);
			pthread_mutex_lock(&sy->mu);
			continue;
		}
		if (sy->stats_due != 0 && now >= sy->stats_due) {
			pthread_mutex_unlock(&sy->mu);
			syncer_stats(sy);
			pthread_mutex_lock(&sy->mu);
			continue;
		}
		if ((j = sy->jobs) == NULL) {
			wake = sy->next_tick;
			if (sy->next_poll != 0 && sy->next_poll < wake)
				wake = sy->next_poll;
			if (sy->stats_due != 0 && sy->stats_due < wake)
				wake = sy->stats_due;
			ts.tv_sec = (time_t)(wake / 1000);
			ts.tv_nsec = (long)(wake % 1000) * 1000000L;
			pthread_cond_timedwait(&sy->cv, &sy->mu, &ts);
			continue;
		}
		if ((sy->jobs = j->next) == NULL)
			sy->jobs_tail = NULL;
		pthread_mutex_unlock(&sy->mu);
		syncer_run(sy, j);
		sync_msg_free(j->m);
		free(j->in);
		free(j);
		syncer_poll(sy);
		pthread_mutex_lock(&sy->mu);
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

/* ---- jobs, from the loop (or a writer) ---- */

static void
syncer_job_post(struct syncer *sy, struct syncer_job *j)
{
	pthread_mutex_lock(&sy->mu);
	if (sy->stopping) {
		pthread_mutex_unlock(&sy->mu);
		sync_msg_free(j->m);
		free(j->in);
		free(j);
		return;
	}
	if (sy->jobs_tail != NULL)
		sy->jobs_tail->next = j;
	else
		sy->jobs = j;
	sy->jobs_tail = j;
	pthread_cond_signal(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
}

static struct syncer_job *
syncer_job_new(int type, uint64_t id)
{
	struct syncer_job *j = calloc(1, sizeof(*j));

	if (j != NULL) {
		j->type = type;
		j->id = id;
	}
	return j;
}

void
syncer_open(struct syncer *sy, uint64_t id,
    const uint8_t peer[KEY_PUBLIC_BYTES], const char *label)
{
	struct syncer_job *j = syncer_job_new(JOB_OPEN, id);

	if (j == NULL) {
		syncer_post(sy, syncer_event_new(SYNCER_DROP, id));
		return;
	}
	memcpy(j->key, peer, KEY_PUBLIC_BYTES);
	snprintf(j->label, sizeof(j->label), "%s", label);
	syncer_job_post(sy, j);
}

/* A message of connection id to the sync thread: prepared (m), or its
 * bytes (in, len) to prepare there. Takes both. */
static void
syncer_message_post(struct syncer *sy, uint64_t id, struct sync_msg *m,
    uint8_t *in, size_t len, int certified)
{
	struct syncer_job *j = syncer_job_new(JOB_MESSAGE, id);

	if (j == NULL) {
		sync_msg_free(m);
		free(in);
		syncer_post(sy, syncer_event_new(SYNCER_DROP, id));
		return;
	}
	j->m = m;
	j->in = in;
	j->len = len;
	j->certified = certified;
	syncer_job_post(sy, j);
}

void
syncer_message(struct syncer *sy, uint64_t id, struct sync_msg *m)
{
	syncer_message_post(sy, id, m, NULL, 0, 0);
}

void
syncer_message_raw(
    struct syncer *sy, uint64_t id, int certified, uint8_t *in, size_t len)
{
	syncer_message_post(sy, id, NULL, in, len, certified);
}

void
syncer_close(struct syncer *sy, uint64_t id)
{
	struct syncer_job *j = syncer_job_new(JOB_CLOSE, id);

	if (j != NULL)
		syncer_job_post(sy, j);
}

void
syncer_written(
    struct syncer *sy, const uint8_t *origin, uint64_t from, uint64_t to)
{
	struct syncer_job *j = syncer_job_new(JOB_WRITTEN, 0);

	/* Out of memory: the next digest tells. */
	if (j == NULL)
		return;
	memcpy(j->key, origin, KEY_PUBLIC_BYTES);
	j->from = from;
	j->to = to;
	syncer_job_post(sy, j);
}

int
syncer_start(uv_loop_t *loop, struct node *n, const struct sync_ctx *ctx,
    void (*on_event)(void *arg, const struct syncer_event *ev), void *arg,
    struct syncer **out)
{
	struct syncer *sy;
	pthread_condattr_t ca;
	int rc;

	if ((sy = calloc(1, sizeof(*sy))) == NULL)
		return -ENOMEM;
	sy->loop = loop;
	sy->node = n;
	sy->ctx = ctx;
	sy->on_event = on_event;
	sy->arg = arg;
	if ((rc = sync_hub_new(ctx, &sy->hub)) != 0) {
		free(sy);
		return rc;
	}
	pthread_mutex_init(&sy->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sy->cv, &ca);
	pthread_condattr_destroy(&ca);
	sy->next_tick = syncer_mono_ms() + ctx->gossip_ms;
	uv_async_init(loop, &sy->async, syncer_async_cb);
	if ((rc = pthread_create(&sy->thread, NULL, syncer_main, sy)) != 0) {
		sync_hub_free(sy->hub);
		sy->hub = NULL;
		sy->stopping = 2; /* no thread to join */
		syncer_stop(sy);
		return -rc;
	}
	*out = sy;
	return 0;
}

static void
syncer_closed_cb(uv_handle_t *h)
{
	struct syncer *sy = (struct syncer *)h;
	struct syncer_event *ev, *next;
	struct syncer_job *j, *jn;

	for (ev = sy->events; ev != NULL; ev = next) {
		next = ev->next;
		syncer_event_free(ev);
	}
	for (j = sy->jobs; j != NULL; j = jn) {
		jn = j->next;
		sync_msg_free(j->m);
		free(j->in);
		free(j);
	}
	pthread_mutex_destroy(&sy->mu);
	pthread_cond_destroy(&sy->cv);
	free(sy);
}

void
syncer_stop(struct syncer *sy)
{
	struct syncer_sess *ss, *next;
	int joined = sy != NULL && sy->stopping == 2;

	if (sy == NULL || (sy->stopping == 1))
		return;
	if (!joined) {
		pthread_mutex_lock(&sy->mu);
		sy->stopping = 1;
		pthread_cond_signal(&sy->cv);
		pthread_mutex_unlock(&sy->mu);
		pthread_join(sy->thread, NULL);
	}
	sy->stopping = 1;
	for (ss = sy->sessions; ss != NULL; ss = next) {
		next = ss->next;
		sync_session_free(ss->s);
		free(ss);
	}
	sy->sessions = NULL;
	sync_hub_free(sy->hub);
	sy->hub = NULL;
	uv_close((uv_handle_t *)&sy->async, syncer_closed_cb);
}
