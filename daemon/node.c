#include "node.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "control.pb-c.h"
#include "err.h"
#include "par.h"
#include "consortium.h"
#include "query.h"
#include "record.h"
#include "slog.h"

void
node_log(const struct node *n, int level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	char ts[32], msg[2048];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (n != NULL && level > n->cfg->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL && n->cfg->log == CONFIG_LOG_SYSLOG) {
		slog_write(level, n->cfg->name, msg);
		return;
	}
	/* Otherwise stderr, which main() pointed at the log file for
	 * `log = file` (and by default when detached). One fprintf per line
	 * keeps lines of different threads apart. */
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ stardustd[%s] %s: %s\n", ts,
	    now.tv_nsec / 1000000L, n ? n->cfg->name : "-", names[level], msg);
}

int
node_open(struct config *cfg, struct node **out, char *err, size_t errlen)
{
	struct node *n;
	uint64_t last = 0;
	int rc;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		config_free(cfg);
		return -ENOMEM;
	}
	n->cfg = cfg;
	pthread_mutex_init(&n->wlock, NULL);
	pthread_mutex_init(&n->plock, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&n->seq_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	clock_gettime(CLOCK_MONOTONIC, &n->seq_deadline);
	n->seq_deadline.tv_sec += cfg->publish_wait_ms / 1000;
	n->seq_deadline.tv_nsec += (long)(cfg->publish_wait_ms % 1000) * 1000000;
	if (n->seq_deadline.tv_nsec >= 1000000000) {
		n->seq_deadline.tv_sec++;
		n->seq_deadline.tv_nsec -= 1000000000;
	}
	/* Only a node that dials peers waits for one (a node nobody is
	 * configured to reach could wait for ever). */
	n->seq_learned = cfg->npeers == 0 || cfg->publish_wait_ms == 0;
	n->last_rejected_reason = -1;
	if ((rc = key_load(cfg->key_file, &n->key)) != 0) {
		snprintf(err, errlen, "%s: %s%s", cfg->key_file,
		    sd_strerror(rc),
		    rc == SD_EPERM ? " (must not be accessible by group or "
		                     "others: chmod 600)"
		                   : "");
		goto out_err;
	}
	if ((rc = codes_new(&n->codes)) != 0) {
		snprintf(err, errlen, "code lists: %s", sd_strerror(rc));
		goto out_err;
	}
	if ((rc = store_open(
	         cfg->db_dir, n->codes, cfg->map_size_mb, 0, &n->st)) != 0) {
		snprintf(err, errlen, "%s: %s", cfg->db_dir, sd_strerror(rc));
		goto out_err;
	}
	/* The highest own seq held: own records may be held above the
	 * watermark (published while older ones were being fetched back). */
	if ((rc = store_mark(n->st, n->key->pk, &n->seq)) != 0 ||
	    (rc = store_last_seq(n->st, n->key->pk, &last)) != 0) {
		snprintf(err, errlen, "reading own seq: %s", sd_strerror(rc));
		goto out_err;
	}
	if (last > n->seq)
		n->seq = last;
	{
		uint64_t expected, found;
		if (store_altered(n->st, &expected, &found))
			node_log(n, SDLOG_WARN,
			    "the store holds %llu records but counted %llu: it "
			    "was altered behind the daemon's back (run stardust "
			    "fsck); records lost are fetched again from peers "
			    "that hold them",
			    (unsigned long long)found,
			    (unsigned long long)expected);
	}
	*out = n;
	return 0;
out_err:
	node_close(n);
	return rc;
}

void
node_close(struct node *n)
{
	if (n == NULL)
		return;
	store_close(n->st);
	codes_free(n->codes);
	key_free(n->key);
	config_free(n->cfg);
	pthread_mutex_destroy(&n->wlock);
	pthread_mutex_destroy(&n->plock);
	pthread_cond_destroy(&n->seq_cv);
	free(n->peers);
	free(n);
}

void
node_peers_set(struct node *n, struct node_peer *v, size_t cnt)
{
	struct node_peer *old;

	pthread_mutex_lock(&n->plock);
	old = n->peers;
	n->peers = v;
	n->npeers = cnt;
	pthread_mutex_unlock(&n->plock);
	free(old);
}

/* ---- offences of peers ---- */

const char *
node_reject_name(int reason)
{
	static const char *names[NODE_REJ_COUNT] = { "signature", "scope",
		"equivocation", "malformed", "version", "replay" };

	return reason >= 0 && reason < NODE_REJ_COUNT ? names[reason] : "?";
}

int
node_reject_reason(int rc)
{
	switch (rc) {
	case SD_ESIG: return NODE_REJ_SIGNATURE;
	case SD_ESCOPE: return NODE_REJ_SCOPE;
	case SD_EEXIST: return NODE_REJ_EQUIVOCATION;
	case SD_EVERSION: return NODE_REJ_VERSION;
	case SD_EPROTO:
	case SD_EDECODE:
	case SD_EINVAL:
	case SD_ETOOBIG: return NODE_REJ_MALFORMED;
	default: return -1;
	}
}

void
node_seq_learn(struct node *n, uint64_t w)
{
	pthread_mutex_lock(&n->wlock);
	if (w > n->seq) {
		node_log(n, SDLOG_WARN,
		    "a peer holds this node's own records up to seq %llu, "
		    "beyond this store's %llu (restored from an older "
		    "backup?): publishing from %llu on, fetching the rest",
		    (unsigned long long)w, (unsigned long long)n->seq,
		    (unsigned long long)w + 1);
		n->seq = w;
	}
	if (!n->seq_learned) {
		n->seq_learned = 1;
		pthread_cond_broadcast(&n->seq_cv);
	}
	pthread_mutex_unlock(&n->wlock);
}

/* Takes wlock for a publication; first, until this node's own seq is
 * known to be current (node_seq_learn) or publish_wait_ms has passed
 * since the start, waits. */
static void
node_lock_publish(struct node *n)
{
	pthread_mutex_lock(&n->wlock);
	while (!n->seq_learned)
		if (pthread_cond_timedwait(
		        &n->seq_cv, &n->wlock, &n->seq_deadline) == ETIMEDOUT) {
			n->seq_learned = 1;
			node_log(n, SDLOG_WARN,
			    "no peer's digest within publish_wait_ms (%u "
			    "ms): publishing from seq %llu without knowing "
			    "what the federation holds",
			    n->cfg->publish_wait_ms,
			    (unsigned long long)n->seq + 1);
		}
}

void
node_unauth_count(struct node *n, uint64_t failed, uint64_t shed)
{
	pthread_mutex_lock(&n->plock);
	n->hs_failed += failed;
	n->hs_shed += shed;
	pthread_mutex_unlock(&n->plock);
}

const uint64_t node_sync_le_ms[NODE_SYNC_BUCKETS] = { 100, 500, 1000, 5000,
	10000, 30000, 60000, 300000 };

void
node_sync_done(struct node *n, uint64_t ms)
{
	size_t i;

	pthread_mutex_lock(&n->plock);
	for (i = 0; i < NODE_SYNC_BUCKETS; i++)
		if (ms <= node_sync_le_ms[i])
			n->sync_bucket[i]++;
	n->sync_count++;
	n->sync_sum_ms += ms;
	pthread_mutex_unlock(&n->plock);
}

void
node_reject(struct node *n, int reason, const uint8_t *peer)
{
	if (reason < 0 || reason >= NODE_REJ_COUNT)
		return;
	pthread_mutex_lock(&n->plock);
	n->rejected[reason]++;
	n->last_rejected_reason = reason;
	n->last_rejected_ms = record_now_ms();
	if (peer != NULL)
		memcpy(n->last_rejected_peer, peer, 32);
	else
		memset(n->last_rejected_peer, 0, 32);
	pthread_mutex_unlock(&n->plock);
}

/* ---- responses ---- */

struct resp {
	Sd__Response r;
	Sd__Hit **hits;
	size_t nhits, caphits;
	Sd__RowError **rows;
	size_t nrows, caprows;
	size_t bytes; /* record bytes in hits so far */
	char msg[512];
	int oom;
};

/* Record bytes one response may carry, well under the control frame cap
 * (FRAME_CONTROL_MAX); a list stops early with a resume key, a search
 * returns fewer hits than asked (its total still says how many match). */
#define NODE_RESP_BYTES (24u * 1024 * 1024)
#define NODE_RESP_FULL 2

static void
resp_init(struct resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	sd__response__init(&rs->r);
	rs->r.version = CTL_VERSION;
}

static int
resp_fail(struct resp *rs, int code, const char *fmt, ...)
{
	va_list ap;

	rs->r.code = code;
	va_start(ap, fmt);
	vsnprintf(rs->msg, sizeof(rs->msg), fmt, ap);
	va_end(ap);
	rs->r.message = rs->msg;
	return code;
}

static int
resp_hit(struct resp *rs, const uint8_t *rec, size_t len, double score,
    const char *matched)
{
	Sd__Hit *h, **nv;

	if (rs->bytes + len > NODE_RESP_BYTES)
		return NODE_RESP_FULL;
	rs->bytes += len;
	if (rs->nhits == rs->caphits) {
		size_t ncap = rs->caphits ? rs->caphits * 2 : 64;
		if ((nv = realloc(rs->hits, ncap * sizeof(*nv))) == NULL)
			goto oom;
		rs->hits = nv;
		rs->caphits = ncap;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto oom;
	sd__hit__init(h);
	if ((h->record.data = malloc(len ? len : 1)) == NULL) {
		free(h);
		goto oom;
	}
	memcpy(h->record.data, rec, len);
	h->record.len = len;
	h->has_score = score != 0;
	h->score = score;
	if (matched != NULL && matched[0] != '\0') {
		if ((h->matched = malloc(sizeof(char *))) == NULL ||
		    (h->matched[0] = strdup(matched)) == NULL) {
			free(h->matched);
			free(h->record.data);
			free(h);
			goto oom;
		}
		h->n_matched = 1;
	}
	rs->hits[rs->nhits++] = h;
	return 0;
oom:
	rs->oom = 1;
	return -ENOMEM;
}

static int
resp_row(struct resp *rs, uint32_t index, const char *msg)
{
	Sd__RowError *e, **nv;

	if (rs->nrows == rs->caprows) {
		size_t ncap = rs->caprows ? rs->caprows * 2 : 16;
		if ((nv = realloc(rs->rows, ncap * sizeof(*nv))) == NULL)
			goto oom;
		rs->rows = nv;
		rs->caprows = ncap;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto oom;
	sd__row_error__init(e);
	e->index = index;
	if ((e->message = strdup(msg)) == NULL) {
		free(e);
		goto oom;
	}
	rs->rows[rs->nrows++] = e;
	return 0;
oom:
	rs->oom = 1;
	return -ENOMEM;
}

static int
resp_hit_cb(void *arg, const uint8_t *rec, size_t len)
{
	return resp_hit(arg, rec, len, 0, NULL);
}

static void
node_groups_free(Sd__Response *r)
{
	size_t i, j;

	for (i = 0; i < r->n_groups; i++) {
		for (j = 0; j < r->groups[i]->n_members; j++) {
			Sd__GroupMember *gm = r->groups[i]->members[j];
			free(gm->record.data);
			free(gm->covers);
			free(gm->coverage);
			free(gm);
		}
		free(r->groups[i]->members);
		free(r->groups[i]);
	}
	free(r->groups);
	free(r->problem);
	r->groups = NULL;
	r->n_groups = 0;
}

static void
resp_free(struct resp *rs)
{
	size_t i;

	for (i = 0; i < rs->nhits; i++) {
		if (rs->hits[i]->n_matched)
			free(rs->hits[i]->matched[0]);
		free(rs->hits[i]->matched);
		free(rs->hits[i]->record.data);
		free(rs->hits[i]);
	}
	free(rs->hits);
	for (i = 0; i < rs->nrows; i++) {
		free(rs->rows[i]->message);
		free(rs->rows[i]);
	}
	free(rs->rows);
	if (rs->r.status) {
		for (i = 0; i < rs->r.status->n_peers; i++)
			free(rs->r.status->peers[i]);
		free(rs->r.status->peers);
		for (i = 0; i < rs->r.status->n_origins; i++)
			free(rs->r.status->origins[i]);
		free(rs->r.status->origins);
		for (i = 0; i < rs->r.status->n_rejected; i++)
			free(rs->r.status->rejected[i]);
		free(rs->r.status->rejected);
		free(rs->r.status->sync_buckets);
		free(rs->r.status->last_rejected_peer.data);
		free(rs->r.status->cert.data);
		free(rs->r.status);
	}
	free(rs->r.next.data);
	free(rs->r.next_cursor);
	node_groups_free(&rs->r);
}

/* ---- certificates ---- */

struct cert_copy {
	uint8_t *buf;
	size_t len;
};

static int
cert_copy_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct cert_copy *c = arg;

	if ((c->buf = malloc(len)) == NULL)
		return -ENOMEM;
	memcpy(c->buf, rec, len);
	c->len = len;
	return 0;
}

int
node_cert_bytes(struct node *n, const uint8_t who[KEY_PUBLIC_BYTES],
    uint8_t **buf, size_t *len, int *revoked)
{
	struct cert_copy cc = { NULL, 0 };
	int rc;

	*revoked = 0;
	rc = store_cert(n->st, who, cert_copy_cb, &cc, revoked);
	if (rc != 0) {
		free(cc.buf);
		return rc == SD_ENOTFOUND ? SD_ENOCERT : rc;
	}
	*buf = cc.buf;
	*len = cc.len;
	return 0;
}

int
node_cert_of(
    struct node *n, const uint8_t who[KEY_PUBLIC_BYTES], struct record *cert)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[256];
	int revoked = 0, rc;

	rc = node_cert_bytes(n, who, &buf, &len, &revoked);
	if (rc == SD_ENOCERT && revoked)
		return SD_EREVOKED; /* revoked before any certificate was seen */
	if (rc != 0)
		return rc;
	if (revoked) {
		rc = SD_EREVOKED;
		goto out;
	}
	rc = record_open(
	    n->codes, buf, len, record_now_ms(), cert, err, sizeof(err));
	if (rc == 0 && cert->body->node_cert->not_after_ms < record_now_ms()) {
		record_close(cert);
		rc = SD_EEXPIRED;
	}
out:
	free(buf);
	return rc;
}

/* Opens this node's current certificate, or explains in err why not. */
static int
node_own_cert(struct node *n, struct record *cert, char *err, size_t errlen)
{
	int rc = node_cert_of(n, n->key->pk, cert);

	switch (rc) {
	case 0: break;
	case SD_ENOCERT:
		snprintf(err, errlen,
		    "this node has no certificate from the "
		    "federation root yet (stardust cert add FILE)");
		break;
	case SD_EREVOKED:
		snprintf(err, errlen, "this node's certificate was revoked");
		break;
	case SD_EEXPIRED:
		snprintf(err, errlen, "this node's certificate has expired");
		rc = SD_ENOCERT;
		break;
	default:
		snprintf(
		    err, errlen, "reading certificate: %s", sd_strerror(rc));
		break;
	}
	return rc;
}

/* ---- writes ---- */

/* A record being published: its encoded bytes and the in-memory parts
 * the store needs (so nothing is decoded again). */
struct pub {
	uint8_t *bytes;
	size_t len;
	Sd__SignedRecord sr;
	Sd__RecordBody body;
	struct record r;
};

/* Signing of pubs[from, to) as seqs base + 1 + i, on any thread. */
struct sign_job {
	struct node *n;
	struct pub *pubs;
	size_t from, to;
	uint64_t base;
	int rc;
};

static void *
node_sign_range(void *arg)
{
	struct sign_job *j = arg;
	uint8_t *body;
	size_t i, blen;

	for (i = j->from; i < j->to && j->rc == 0; i++) {
		blen = sd__record_body__get_packed_size(&j->pubs[i].body);
		if (blen > RECORD_MAX_BYTES - 256) {
			j->rc = SD_ETOOBIG;
			break;
		}
		if ((body = malloc(blen ? blen : 1)) == NULL) {
			j->rc = -ENOMEM;
			break;
		}
		sd__record_body__pack(&j->pubs[i].body, body);
		j->rc = record_sign(j->n->key, j->base + 1 + i, body, blen,
		    &j->pubs[i].bytes, &j->pubs[i].len);
		free(body);
	}
	return NULL;
}

/* A write that failed in the store: the answer says why and what to do
 * (nothing of it was written), and the log says it too. LMDB reports a
 * full disk as ENOSPC or, after a short write, EIO: the free space on the
 * store's file system tells which. */
static void
node_store_failed(struct node *n, struct resp *rs, int rc)
{
	char hint[128] = "";
	struct statvfs sv;

	if (rc == SD_EFULL) {
		snprintf(hint, sizeof(hint), " (raise map_size_mb and restart)");
	} else if (rc == -ENOSPC || rc == -EDQUOT || rc == -EIO) {
		if (statvfs(n->cfg->db_dir, &sv) == 0 &&
		    (uint64_t)sv.f_bavail * sv.f_frsize < NODE_DISK_LOW)
			snprintf(hint, sizeof(hint),
			    " (the disk holding the store is full: %llu KiB "
			    "free; free space there)",
			    (unsigned long long)((uint64_t)sv.f_bavail *
			        sv.f_frsize / 1024));
		else if (rc == -EIO)
			snprintf(hint, sizeof(hint),
			    " (check the disk holding the store)");
	}
	node_log(n, SDLOG_ERROR, "storing failed: %s%s; nothing was written",
	    sd_strerror(rc), hint);
	resp_fail(rs, rc, "storing failed: %s%s; nothing was written",
	    sd_strerror(rc), hint);
}

/*
 * Signs and stores pubs[0..cnt) as the next cnt records of this node, in
 * one transaction. Called with wlock held. Large batches are signed on two
 * threads (signing is a fifth of an import's time and the machines we run
 * on have at least two cores); seqs are fixed before signing starts.
 */
static int
node_publish(
    struct node *n, struct pub *pubs, struct store_item *items, size_t cnt)
{
	struct sign_job jobs[2];
	uint64_t now = record_now_ms();
	size_t i, half = cnt >= 64 ? cnt / 2 : cnt;
	int rc = 0;

	for (i = 0; i < cnt; i++)
		pubs[i].body.signed_at_ms = now;
	for (i = 0; i < 2; i++) {
		jobs[i].n = n;
		jobs[i].pubs = pubs;
		jobs[i].base = n->seq;
		jobs[i].rc = 0;
	}
	jobs[0].from = 0;
	jobs[0].to = half;
	jobs[1].from = half;
	jobs[1].to = cnt;
	if (half < cnt)
		par_run2(node_sign_range, &jobs[0], &jobs[1]);
	else
		node_sign_range(&jobs[0]);
	if ((rc = jobs[0].rc) != 0 || (rc = jobs[1].rc) != 0)
		return rc;
	for (i = 0; i < cnt; i++) {
		sd__signed_record__init(&pubs[i].sr);
		pubs[i].sr.origin.data = n->key->pk;
		pubs[i].sr.origin.len = KEY_PUBLIC_BYTES;
		pubs[i].sr.seq = n->seq + 1 + i;
		pubs[i].r.rec = &pubs[i].sr;
		pubs[i].r.body = &pubs[i].body;
		items[i].bytes = pubs[i].bytes;
		items[i].len = pubs[i].len;
		items[i].r = &pubs[i].r;
	}
	if ((rc = store_apply(
	         n->st, items, cnt, n->key->pk, n->seq, n->seq + cnt)) != 0)
		return rc;
	for (i = 0; i < cnt; i++)
		if (items[i].result != 0)
			return SD_ESTORE; /* our own seqs cannot be stale */
	n->seq += cnt;
	if (n->published != NULL)
		n->published(n->published_arg, n->key->pk, n->seq - cnt, n->seq);
	return 0;
}

struct id_pos {
	const uint8_t *id;
	size_t i;
};

static int
id_pos_cmp(const void *a, const void *b)
{
	const struct id_pos *x = a, *y = b;
	int c = memcmp(x->id, y->id, MEMBER_ID_BYTES);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Sets ok[i] = 2 for every valid row whose id an earlier valid row has. */
static int
node_mark_dups(const Sd__PutMembers *pm, uint8_t *ok)
{
	struct id_pos *v;
	size_t i, n = 0;

	if ((v = calloc(pm->n_members + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (i = 0; i < pm->n_members; i++)
		if (ok[i]) {
			v[n].id = pm->members[i]->id.data;
			v[n++].i = i;
		}
	qsort(v, n, sizeof(*v), id_pos_cmp);
	for (i = 1; i < n; i++)
		if (memcmp(v[i].id, v[i - 1].id, MEMBER_ID_BYTES) == 0)
			ok[v[i].i] = 2;
	free(v);
	return 0;
}

static int
node_put(struct node *n, const Sd__PutMembers *pm, struct resp *rs)
{
	struct record cert = { 0 };
	struct pub *pubs = NULL;
	struct store_item *items = NULL;
	char err[256];
	size_t i, good = 0, bad = 0;
	uint8_t *ok = NULL;
	int rc, locked = 0;

	if (pm->n_members > CTL_PUT_MAX)
		return resp_fail(rs, SD_ETOOBIG,
		    "%zu members in one request (at most %d)", pm->n_members,
		    CTL_PUT_MAX);
	if ((rc = node_own_cert(n, &cert, err, sizeof(err))) != 0)
		return resp_fail(rs, rc, "%s", err);
	if ((ok = calloc(pm->n_members + 1, 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* Validation needs no lock; existence checks are repeated under it. */
	for (i = 0; i < pm->n_members; i++) {
		const Sd__Member *m = pm->members[i];
		if ((rc = record_member_validate(
		         n->codes, m, err, sizeof(err))) == 0)
			rc = record_scope_check(
			    cert.body->node_cert, m, err, sizeof(err));
		if (rc != 0) {
			if (resp_row(rs, (uint32_t)i, err) != 0)
				goto out;
			bad++;
			continue;
		}
		ok[i] = 1;
	}
	/* A member id given twice in one request: the later rows are refused
	 * (found by sorting, not by comparing every pair). */
	if ((rc = node_mark_dups(pm, ok)) != 0)
		goto out;
	node_lock_publish(n);
	locked = 1;
	for (i = 0; i < pm->n_members; i++) {
		uint64_t seq;
		int live = 0, exists;
		if (!ok[i])
			continue;
		exists = store_member_state(n->st, n->key->pk,
		             pm->members[i]->id.data, &seq, &live) == 0 &&
		    live;
		if (ok[i] == 2)
			exists = 2;
		if (exists == 2) {
			snprintf(err, sizeof(err),
			    "the same member id appears "
			    "earlier in this import");
		} else if (pm->mode == 1 && exists) {
			snprintf(err, sizeof(err),
			    "a member with this id already "
			    "exists (use update)");
		} else if (pm->mode == 2 && !exists) {
			snprintf(err, sizeof(err), "no such member");
		} else {
			good++;
			continue;
		}
		ok[i] = 0;
		bad++;
		if (resp_row(rs, (uint32_t)i, err) != 0)
			goto out;
	}
	if (bad > 0 && !pm->skip_invalid) {
		rc = resp_fail(rs, SD_EINVAL,
		    "%zu of %zu members are invalid; "
		    "nothing stored",
		    bad, pm->n_members);
		goto out;
	}
	if (pm->dry_run || good == 0) {
		rs->r.has_stored = 1;
		rs->r.stored = 0;
		rc = 0;
		goto out;
	}
	if ((pubs = calloc(good, sizeof(*pubs))) == NULL ||
	    (items = calloc(good, sizeof(*items))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0, good = 0; i < pm->n_members; i++) {
		if (!ok[i])
			continue;
		sd__record_body__init(&pubs[good].body);
		pubs[good].body.kind_case = SD__RECORD_BODY__KIND_MEMBER;
		pubs[good].body.member = pm->members[i];
		good++;
	}
	if ((rc = node_publish(n, pubs, items, good)) != 0) {
		node_store_failed(n, rs, rc);
		goto out;
	}
	rs->r.has_stored = 1;
	rs->r.stored = (uint32_t)good;
	node_log(n, SDLOG_DEBUG, "stored %zu members, seq now %llu", good,
	    (unsigned long long)n->seq);
out:
	if (locked)
		pthread_mutex_unlock(&n->wlock);
	if (pubs != NULL)
		for (i = 0; i < good; i++)
			free(pubs[i].bytes);
	free(pubs);
	free(items);
	free(ok);
	record_close(&cert);
	if (rc == -ENOMEM)
		rs->oom = 1;
	return rc;
}

static int
node_remove(struct node *n, const Sd__RemoveMember *rm, struct resp *rs)
{
	Sd__Tombstone ts = SD__TOMBSTONE__INIT;
	struct pub pub;
	struct store_item item;
	uint64_t seq;
	int live = 0, rc;

	memset(&pub, 0, sizeof(pub));
	memset(&item, 0, sizeof(item));
	if (rm->id.len != MEMBER_ID_BYTES)
		return resp_fail(rs, SD_EINVAL, "member id must be %d bytes",
		    MEMBER_ID_BYTES);
	node_lock_publish(n);
	rc = store_member_state(n->st, n->key->pk, rm->id.data, &seq, &live);
	if (rc == SD_ENOTFOUND || (rc == 0 && !live)) {
		rc = resp_fail(rs, SD_ENOTFOUND,
		    "no member with this id "
		    "published by this node");
		goto out;
	}
	if (rc != 0) {
		resp_fail(rs, rc, "%s", sd_strerror(rc));
		goto out;
	}
	ts.member_id = rm->id;
	sd__record_body__init(&pub.body);
	pub.body.kind_case = SD__RECORD_BODY__KIND_TOMBSTONE;
	pub.body.tombstone = &ts;
	if ((rc = node_publish(n, &pub, &item, 1)) != 0)
		node_store_failed(n, rs, rc);
out:
	pthread_mutex_unlock(&n->wlock);
	free(pub.bytes);
	return rc;
}

static int
node_add_cert(struct node *n, const Sd__AddCert *ac, struct resp *rs)
{
	struct record r = { 0 };
	struct store_item item;
	char err[256];
	int rc;

	if ((rc = record_open(n->codes, ac->record.data, ac->record.len,
	         record_now_ms(), &r, err, sizeof(err))) != 0)
		return resp_fail(rs, rc, "%s", err);
	if (memcmp(r.rec->origin.data, n->cfg->root_key, KEY_PUBLIC_BYTES) !=
	    0) {
		rc = resp_fail(rs, SD_ESIG,
		    "record is not signed by this "
		    "federation's root key");
		goto out;
	}
	if (r.body->kind_case != SD__RECORD_BODY__KIND_NODE_CERT &&
	    r.body->kind_case != SD__RECORD_BODY__KIND_REVOCATION) {
		rc = resp_fail(rs, SD_EINVAL,
		    "record is neither a node "
		    "certificate nor a revocation");
		goto out;
	}
	memset(&item, 0, sizeof(item));
	item.bytes = ac->record.data;
	item.len = ac->record.len;
	item.r = &r;
	pthread_mutex_lock(&n->wlock);
	rc = store_apply(
	    n->st, &item, 1, n->cfg->root_key, r.rec->seq - 1, r.rec->seq);
	pthread_mutex_unlock(&n->wlock);
	if (rc != 0) {
		node_store_failed(n, rs, rc);
		goto out;
	}
	if (item.result == SD_ESTALE)
		resp_fail(rs, 0, "already known (or superseded)");
	else if (item.result != 0)
		rc = resp_fail(
		    rs, item.result, "refused: %s", sd_strerror(item.result));
	node_log(n, SDLOG_INFO, "root record seq %llu (%s) %s",
	    (unsigned long long)r.rec->seq,
	    r.body->kind_case == SD__RECORD_BODY__KIND_NODE_CERT ? "certificate"
	                                                         : "revocation",
	    item.result == 0 ? "stored" : "not stored");
out:
	record_close(&r);
	return rc;
}

/* ---- reads ---- */

static int
node_get(struct node *n, const Sd__GetMember *gm, struct resp *rs)
{
	int rc;

	if (gm->id.len != MEMBER_ID_BYTES ||
	    (gm->has_origin && gm->origin.len != 0 &&
	        gm->origin.len != KEY_PUBLIC_BYTES))
		return resp_fail(rs, SD_EINVAL, "malformed member key");
	if (gm->has_origin && gm->origin.len == KEY_PUBLIC_BYTES) {
		rc = store_member_get(
		    n->st, gm->origin.data, gm->id.data, resp_hit_cb, rs);
	} else {
		rc = store_member_get(
		    n->st, n->key->pk, gm->id.data, resp_hit_cb, rs);
		if (rc == SD_ENOTFOUND)
			rc = store_member_get(
			    n->st, NULL, gm->id.data, resp_hit_cb, rs);
	}
	if (rc == SD_ENOTFOUND)
		return resp_fail(rs, rc, "no such member");
	if (rc != 0)
		return resp_fail(rs, rc, "%s", sd_strerror(rc));
	return 0;
}

static int
node_list(struct node *n, const Sd__ListMembers *lm, struct resp *rs)
{
	uint8_t next[STORE_KEY_BYTES];
	size_t limit =
	    lm->has_limit && lm->limit ? lm->limit : CTL_LIST_DEFAULT;
	int rc;

	if (limit > CTL_LIST_MAX)
		limit = CTL_LIST_MAX;
	if ((lm->has_origin && lm->origin.len != 0 &&
	        lm->origin.len != KEY_PUBLIC_BYTES) ||
	    (lm->has_after && lm->after.len != 0 &&
	        lm->after.len != STORE_KEY_BYTES))
		return resp_fail(
		    rs, SD_EINVAL, "malformed origin or resume key");
	rc = store_members_walk(n->st,
	    lm->has_origin && lm->origin.len ? lm->origin.data : NULL,
	    lm->has_after && lm->after.len ? lm->after.data : NULL, limit,
	    resp_hit_cb, rs, next);
	if (rc < 0)
		return resp_fail(rs, rc, "%s", sd_strerror(rc));
	if ((rc == 1 || rc == NODE_RESP_FULL) && rs->nhits > 0) {
		if ((rs->r.next.data = malloc(STORE_KEY_BYTES)) == NULL) {
			rs->oom = 1;
			return -ENOMEM;
		}
		memcpy(rs->r.next.data, next, STORE_KEY_BYTES);
		rs->r.next.len = STORE_KEY_BYTES;
		rs->r.has_next = 1;
	}
	return 0;
}

/*
 * The query a request asks for, in qq; owns *nc (excluded countries with
 * the node's own added for cross_border; free it after the query).
 */
static int
node_query_from(struct node *n, const Sd__Query *q, struct query *qq,
    char ***nc, struct record *own, struct resp *rs)
{
	size_t i;
	int rc;

	query_init(qq);
	*nc = NULL;
	if (q == NULL)
		return 0;
	qq->countries = q->countries;
	qq->n_countries = q->n_countries;
	qq->not_countries = q->not_countries;
	qq->n_not_countries = q->n_not_countries;
	qq->regions = q->regions;
	qq->n_regions = q->n_regions;
	qq->sectors = q->sectors;
	qq->n_sectors = q->n_sectors;
	qq->kinds = (int *)q->kinds;
	qq->n_kinds = q->n_kinds;
	qq->sizes = q->sizes;
	qq->n_sizes = q->n_sizes;
	qq->text = q->text;
	qq->limit = q->has_limit ? q->limit : 0;
	qq->cursor = q->cursor;
	if (q->has_employees_min)
		qq->employees_min = q->employees_min;
	if (q->has_employees_max)
		qq->employees_max = q->employees_max;
	if (q->n_member_of > QUERY_VALUES_MAX)
		return resp_fail(rs, SD_EINVAL, "too many member-of values");
	if (q->n_member_of > 0) {
		uint8_t *ids = malloc(q->n_member_of * MEMBER_ID_BYTES);
		if (ids == NULL) {
			rs->oom = 1;
			return -ENOMEM;
		}
		for (i = 0; i < q->n_member_of; i++) {
			if (q->member_of[i].len != MEMBER_ID_BYTES) {
				free(ids);
				return resp_fail(rs, SD_EINVAL,
				    "a member-of id is %d bytes",
				    MEMBER_ID_BYTES);
			}
			memcpy(ids + i * MEMBER_ID_BYTES, q->member_of[i].data,
			    MEMBER_ID_BYTES);
		}
		qq->member_of = ids;
		qq->n_member_of = q->n_member_of;
	}
	if (q->has_cross_border && q->cross_border) {
		const Sd__NodeCert *c;
		if ((rc = node_cert_of(n, n->key->pk, own)) != 0)
			return resp_fail(rs, SD_EINVAL,
			    "--cross-border needs this node's own "
			    "certificate (its countries): %s",
			    sd_strerror(rc));
		c = own->body->node_cert;
		if (q->n_not_countries + c->n_countries > QUERY_VALUES_MAX)
			return resp_fail(
			    rs, SD_EINVAL, "too many excluded countries");
		if ((*nc = calloc(q->n_not_countries + c->n_countries + 1,
		         sizeof(**nc))) == NULL) {
			rs->oom = 1;
			return -ENOMEM;
		}
		for (i = 0; i < q->n_not_countries; i++)
			(*nc)[i] = q->not_countries[i];
		for (i = 0; i < c->n_countries; i++)
			(*nc)[q->n_not_countries + i] = c->countries[i];
		qq->not_countries = *nc;
		qq->n_not_countries = q->n_not_countries + c->n_countries;
	}
	return 0;
}

/* Hits of a search or match into the response. */
static int
node_hits(struct resp *rs, struct query_result *res, int parts)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < res->n; i++) {
		if ((rc = resp_hit(rs, res->hits[i].rec, res->hits[i].len,
		         res->hits[i].score, res->hits[i].matched)) != 0)
			break;
		if (parts) {
			Sd__Hit *h = rs->hits[rs->nhits - 1];
			h->has_score_offers = h->has_score_seeks = 1;
			h->score_offers = res->hits[i].part[0];
			h->score_seeks = res->hits[i].part[1];
		}
	}
	if (rc == NODE_RESP_FULL) {
		/* Fewer hits than asked: the next page starts after the
		 * last one sent (the cursor of a full page would skip). */
		rc = 0;
		res->next[0] = '\0';
	}
	rs->r.has_total = 1;
	rs->r.total = res->total;
	if (rc == 0 && res->next[0] != '\0' &&
	    (rs->r.next_cursor = strdup(res->next)) == NULL) {
		rs->oom = 1;
		rc = -ENOMEM;
	}
	return rc;
}

/* A search (m NULL) or a match (q NULL): the hits into the response. */
static int
node_search(struct node *n, const Sd__Query *q, const Sd__Match *m,
    struct resp *rs)
{
	struct query qq;
	struct query_result res;
	struct record own = { 0 };
	char err[256], **nc = NULL;
	int rc;

	memset(&res, 0, sizeof(res));
	if (m != NULL && (m->member_id.len != MEMBER_ID_BYTES ||
	                     (m->has_origin &&
	                         m->origin.len != KEY_PUBLIC_BYTES)))
		return resp_fail(rs, SD_EINVAL, "malformed member id or origin");
	if ((rc = node_query_from(n, m != NULL ? m->filters : q, &qq, &nc,
	         &own, rs)) != 0)
		goto out;
	if (m == NULL)
		rc = query_run(n->st, &qq, &res, err, sizeof(err));
	else
		rc = query_match(n->st, &qq,
		    m->has_origin ? m->origin.data : NULL, m->member_id.data,
		    !(m->has_anywhere && m->anywhere), &res, err, sizeof(err));
	if (rc == SD_ENOTFOUND && m != NULL)
		rc = resp_fail(rs, rc, "no such member");
	else if (rc != 0)
		rc = resp_fail(
		    rs, rc, "%s", rc == SD_EINVAL ? err : sd_strerror(rc));
	else
		rc = node_hits(rs, &res, m != NULL);
out:
	query_result_free(&res);
	free((void *)qq.member_of);
	free(nc);
	record_close(&own);
	return rc;
}

static int
node_groups(struct resp *rs, const struct consortium_result *cr, size_t nneeds)
{
	size_t i, j, k;

	if (cr->n == 0)
		return (rs->r.problem = strdup(cr->problem)) ? 0 : -ENOMEM;
	if ((rs->r.groups = calloc(cr->n, sizeof(*rs->r.groups))) == NULL)
		return -ENOMEM;
	for (i = 0; i < cr->n; i++) {
		const struct consortium_group *g = &cr->groups[i];
		Sd__Group *pg;
		if ((pg = calloc(1, sizeof(*pg))) == NULL)
			return -ENOMEM;
		sd__group__init(pg);
		rs->r.groups[rs->r.n_groups++] = pg;
		pg->score = g->score;
		pg->has_countries = 1;
		pg->countries = (uint32_t)g->countries;
		if ((pg->members = calloc(g->n, sizeof(*pg->members))) == NULL)
			return -ENOMEM;
		for (j = 0; j < g->n; j++) {
			const struct consortium_member *m = &g->members[j];
			Sd__GroupMember *gm;
			if ((gm = calloc(1, sizeof(*gm))) == NULL)
				return -ENOMEM;
			sd__group_member__init(gm);
			pg->members[pg->n_members++] = gm;
			if ((gm->record.data = malloc(m->len)) == NULL ||
			    (gm->covers = calloc(nneeds, sizeof(uint32_t))) ==
			        NULL ||
			    (gm->coverage = calloc(nneeds, sizeof(double))) ==
			        NULL)
				return -ENOMEM;
			memcpy(gm->record.data, m->rec, m->len);
			gm->record.len = m->len;
			for (k = 0; k < nneeds; k++) {
				gm->coverage[k] = m->cov[k];
				if (m->covers & (1u << k))
					gm->covers[gm->n_covers++] = (uint32_t)k;
			}
			gm->n_coverage = nneeds;
		}
	}
	return 0;
}

static int
node_consortium(struct node *n, const Sd__Consortium *c, struct resp *rs)
{
	struct consortium_request rq;
	struct consortium_result cr;
	struct query qq;
	struct record own = { 0 };
	char err[256], **nc = NULL;
	int rc;

	memset(&cr, 0, sizeof(cr));
	memset(&rq, 0, sizeof(rq));
	qq.member_of = NULL;
	if ((rc = node_query_from(n, c->filters, &qq, &nc, &own, rs)) != 0)
		goto out;
	rq.filters = &qq;
	rq.needs = (const char *const *)c->needs;
	rq.n_needs = c->n_needs;
	rq.min_members = c->has_min_members ? c->min_members : 0;
	rq.min_countries = c->has_min_countries ? c->min_countries : 0;
	rq.groups = c->has_groups ? c->groups : 0;
	if ((rc = consortium_build(n->st, &rq, &cr, err, sizeof(err))) != 0) {
		rc = resp_fail(
		    rs, rc, "%s", rc == SD_EINVAL ? err : sd_strerror(rc));
		goto out;
	}
	if ((rc = node_groups(rs, &cr, c->n_needs)) != 0)
		rs->oom = 1;
out:
	consortium_result_free(&cr);
	free((void *)qq.member_of);
	free(nc);
	record_close(&own);
	return rc;
}

struct mark_list {
	Sd__OriginMark **v;
	size_t n, cap;
};

static int
node_mark_cb(void *arg, const uint8_t *origin, uint64_t w)
{
	struct mark_list *ml = arg;
	Sd__OriginMark *m, **nv;

	if (ml->n == ml->cap) {
		size_t ncap = ml->cap ? ml->cap * 2 : 16;
		if ((nv = realloc(ml->v, ncap * sizeof(*nv))) == NULL)
			return -ENOMEM;
		ml->v = nv;
		ml->cap = ncap;
	}
	if ((m = calloc(1, sizeof(*m) + 32)) == NULL)
		return -ENOMEM;
	sd__origin_mark__init(m);
	m->origin.data = (uint8_t *)(m + 1);
	memcpy(m->origin.data, origin, 32);
	m->origin.len = 32;
	m->w = w;
	ml->v[ml->n++] = m;
	return 0;
}

/* Fills s's peers (from the snapshot) and origins (from the store). */
static int
node_status_peers(struct node *n, Sd__Status *s)
{
	struct mark_list ml = { 0 };
	size_t i;
	int rc;

	if ((rc = store_marks(n->st, node_mark_cb, &ml)) != 0) {
		for (i = 0; i < ml.n; i++)
			free(ml.v[i]);
		free(ml.v);
		return rc;
	}
	s->origins = ml.v;
	s->n_origins = ml.n;
	pthread_mutex_lock(&n->plock);
	if (n->npeers > 0 &&
	    (s->peers = calloc(n->npeers, sizeof(*s->peers))) != NULL) {
		for (i = 0; i < n->npeers; i++) {
			const struct node_peer *np = &n->peers[i];
			Sd__PeerInfo *pi = calloc(1, sizeof(*pi) + sizeof(*np));
			struct node_peer *copy;
			if (pi == NULL)
				break;
			sd__peer_info__init(pi);
			copy = (struct node_peer *)(pi + 1);
			*copy = *np;
			pi->address = copy->addr;
			pi->state = copy->state;
			if (copy->has_key) {
				pi->has_key = 1;
				pi->key.data = copy->key;
				pi->key.len = 32;
			}
			pi->has_idle_ms = copy->has_key;
			pi->idle_ms = copy->idle_ms;
			pi->bytes_in = copy->bytes_in;
			pi->bytes_out = copy->bytes_out;
			pi->outbound = copy->outbound;
			pi->has_records_in = pi->has_records_out = 1;
			pi->records_in = copy->records_in;
			pi->records_out = copy->records_out;
			pi->has_lag = pi->has_peer_lag = copy->has_lag;
			pi->lag = copy->lag;
			pi->peer_lag = copy->peer_lag;
			pi->has_learned = 1;
			pi->learned = copy->learned;
			pi->has_synced_ms = copy->synced_ms != 0;
			pi->synced_ms = copy->synced_ms;
			s->peers[s->n_peers++] = pi;
		}
	}
	pthread_mutex_unlock(&n->plock);
	return 0;
}

/* The counts of refused records into the status (allocated; freed with
 * the response). */
static int
node_status_rejected(struct node *n, Sd__Status *s)
{
	size_t i;
	int rc = 0;

	if ((s->rejected = calloc(NODE_REJ_COUNT, sizeof(*s->rejected))) ==
	    NULL)
		return -ENOMEM;
	pthread_mutex_lock(&n->plock);
	for (i = 0; i < NODE_REJ_COUNT; i++) {
		Sd__Rejected *r = calloc(1, sizeof(*r));
		if (r == NULL) {
			rc = -ENOMEM;
			break;
		}
		sd__rejected__init(r);
		r->reason = (char *)node_reject_name((int)i);
		r->count = n->rejected[i];
		s->rejected[s->n_rejected++] = r;
	}
	s->has_handshakes_failed = s->has_handshakes_shed = 1;
	s->handshakes_failed = n->hs_failed;
	s->handshakes_shed = n->hs_shed;
	if ((s->sync_buckets = calloc(NODE_SYNC_BUCKETS,
	         sizeof(*s->sync_buckets))) == NULL) {
		rc = -ENOMEM;
	} else {
		memcpy(s->sync_buckets, n->sync_bucket,
		    sizeof(n->sync_bucket));
		s->n_sync_buckets = NODE_SYNC_BUCKETS;
	}
	s->has_sync_count = s->has_sync_sum_ms = 1;
	s->sync_count = n->sync_count;
	s->sync_sum_ms = n->sync_sum_ms;
	if (rc == 0 && n->last_rejected_reason >= 0) {
		s->last_rejected_reason =
		    (char *)node_reject_name(n->last_rejected_reason);
		s->has_last_rejected_ms = 1;
		s->last_rejected_ms = n->last_rejected_ms;
		if ((s->last_rejected_peer.data = malloc(32)) == NULL) {
			rc = -ENOMEM;
		} else {
			memcpy(s->last_rejected_peer.data, n->last_rejected_peer,
			    32);
			s->last_rejected_peer.len = 32;
			s->has_last_rejected_peer = 1;
		}
	}
	pthread_mutex_unlock(&n->plock);
	return rc;
}

static int
node_status(struct node *n, struct resp *rs)
{
	struct store_counts ss;
	struct cert_copy cc = { NULL, 0 };
	Sd__Status *s;
	uint64_t seq, own = 0;
	int revoked, rc;

	if ((rc = store_counts(n->st, n->key->pk, &ss)) != 0)
		return resp_fail(rs, rc, "%s", sd_strerror(rc));
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		rs->oom = 1;
		return -ENOMEM;
	}
	sd__status__init(s);
	rs->r.status = s;
	pthread_mutex_lock(&n->wlock);
	seq = n->seq;
	pthread_mutex_unlock(&n->wlock);
	own = ss.origin_members;
	if ((rc = node_status_rejected(n, s)) != 0) {
		rs->oom = 1;
		return rc;
	}
	s->node_key.data = n->key->pk;
	s->node_key.len = KEY_PUBLIC_BYTES;
	s->own_seq = seq;
	s->members = ss.members;
	s->own_members = own;
	s->records = ss.records;
	if ((rc = node_status_peers(n, s)) != 0) {
		rs->oom = 1;
		return rc;
	}
	/* Only a certificate that is in force is reported. */
	if (node_cert_bytes(n, n->key->pk, &cc.buf, &cc.len, &revoked) == 0 &&
	    revoked) {
		free(cc.buf);
		cc.buf = NULL;
		s->has_revoked = 1;
		s->revoked = 1;
	} else if (cc.buf != NULL) {
		s->has_cert = 1;
		s->cert.data = cc.buf;
		s->cert.len = cc.len;
	}
	return 0;
}

int
node_handle(struct node *n, const uint8_t *req, size_t len, uint8_t **resp,
    size_t *resplen)
{
	Sd__Request *rq;
	struct resp rs;
	size_t plen;
	uint8_t *buf;

	resp_init(&rs);
	rq = sd__request__unpack(NULL, len, req);
	if (rq == NULL) {
		resp_fail(&rs, SD_EDECODE, "malformed request");
	} else if (rq->version != CTL_VERSION) {
		resp_fail(&rs, SD_EVERSION,
		    "control protocol version %u is not "
		    "spoken here (this daemon speaks %d)",
		    rq->version, CTL_VERSION);
	} else {
		switch (rq->op_case) {
		case SD__REQUEST__OP_PUT: node_put(n, rq->put, &rs); break;
		case SD__REQUEST__OP_REMOVE:
			node_remove(n, rq->remove, &rs);
			break;
		case SD__REQUEST__OP_GET: node_get(n, rq->get, &rs); break;
		case SD__REQUEST__OP_LIST: node_list(n, rq->list, &rs); break;
		case SD__REQUEST__OP_SEARCH:
			node_search(n, rq->search, NULL, &rs);
			break;
		case SD__REQUEST__OP_ADD_CERT:
			node_add_cert(n, rq->add_cert, &rs);
			break;
		case SD__REQUEST__OP_STATUS: node_status(n, &rs); break;
		case SD__REQUEST__OP_MATCH:
			node_search(n, NULL, rq->match, &rs);
			break;
		case SD__REQUEST__OP_CONSORTIUM:
			node_consortium(n, rq->consortium, &rs);
			break;
		default: resp_fail(&rs, SD_EPROTO, "unknown request"); break;
		}
	}
	rs.r.n_hits = rs.nhits;
	rs.r.hits = rs.hits;
	rs.r.n_row_errors = rs.nrows;
	rs.r.row_errors = rs.rows;
	plen = sd__response__get_packed_size(&rs.r);
	buf = rs.oom ? NULL : malloc(plen ? plen : 1);
	if (buf != NULL)
		sd__response__pack(&rs.r, buf);
	if (rq != NULL)
		sd__request__free_unpacked(rq, NULL);
	resp_free(&rs);
	if (buf == NULL)
		return -ENOMEM;
	*resp = buf;
	*resplen = plen;
	return 0;
}
