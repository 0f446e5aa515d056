/*
 * node: a node's lifecycle (key, code lists, store), its own seq (learned
 * from peers after a restore, waited for before publishing), its log
 * lines, and the counters status reports (offences, catch-ups, dropped
 * strangers, the peer snapshot).
 */
#include "node_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
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
	n->seq_deadline.tv_nsec +=
	    (long)(cfg->publish_wait_ms % 1000) * 1000000;
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
			    "was altered behind the daemon's back (run "
			    "stardust "
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

const struct config *
node_config(const struct node *n)
{
	return n->cfg;
}

const struct codes *
node_codes(const struct node *n)
{
	return n->codes;
}

struct store *
node_store(const struct node *n)
{
	return n->st;
}

const uint8_t *
node_public_key(const struct node *n)
{
	return n->key->pk;
}

const struct key *
node_identity(const struct node *n)
{
	return n->key;
}

uint64_t
node_seq(struct node *n)
{
	uint64_t seq;

	pthread_mutex_lock(&n->wlock);
	seq = n->seq;
	pthread_mutex_unlock(&n->wlock);
	return seq;
}

void
node_on_written(struct node *n,
    void (*fn)(void *arg, const uint8_t *origin, uint64_t from, uint64_t to),
    void *arg)
{
	/* Under the write lock, under which it is called: once this
	 * returns, no thread is inside the old one. */
	pthread_mutex_lock(&n->wlock);
	n->written = fn;
	n->written_arg = arg;
	pthread_mutex_unlock(&n->wlock);
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

/* ---- the own seq ---- */

void
node_seq_learn(struct node *n, uint64_t w)
{
	pthread_mutex_lock(&n->wlock);
	/* A node publishes far fewer than 2^32 records between a backup and
	 * its restore: a claim beyond is a hostile peer's (2^64 - 1 would
	 * leave no seq to publish with). */
	if (w > n->seq && w - n->seq > NODE_SEQ_JUMP_MAX) {
		node_log(n, SDLOG_WARN,
		    "a peer claims this node's own records up to seq %llu, "
		    "%llu beyond this store's: not believed",
		    (unsigned long long)w, (unsigned long long)(w - n->seq));
	} else if (w > n->seq) {
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

void
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

/* ---- counters for status ---- */

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
node_records_count(struct node *n, uint64_t in, uint64_t dup)
{
	pthread_mutex_lock(&n->plock);
	n->records_in = in;
	n->records_dup = dup;
	pthread_mutex_unlock(&n->plock);
}

void
node_reject(struct node *n, int reason, const uint8_t *peer)
{
	if (reason < 0 || reason >= SYNC_REJ_COUNT)
		return;
	pthread_mutex_lock(&n->plock);
	n->rejected[reason]++;
	n->last_rejected_reason = reason;
	n->last_rejected_ms = record_now_ms();
	if (peer != NULL)
		memcpy(n->last_rejected_peer, peer, KEY_PUBLIC_BYTES);
	else
		memset(n->last_rejected_peer, 0, KEY_PUBLIC_BYTES);
	pthread_mutex_unlock(&n->plock);
}

/* ---- certificates ---- */

int
node_cert_of(
    struct node *n, const uint8_t who[KEY_PUBLIC_BYTES], struct record *cert)
{
	return sync_cert_of(n->st, n->codes, who, record_now_ms(), cert);
}

int
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
