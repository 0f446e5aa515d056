/*
 * api_metrics: the HTTP counters (api_stats_add, kept by http.c) and the
 * /metrics reply: the node's Status and those counters in Prometheus
 * text format 0.0.4 (docs/API.md, "GET /metrics"), written with printf
 * into a growing buffer.
 */
#include "api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "err.h"
#include "health.h"
#include "hex.h"

const double api_bucket_le[API_BUCKETS] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
	1.0, 5.0 };

void
api_stats_add(struct api_stats *st, int route, int status, double seconds)
{
	struct api_route_stats *r;
	size_t i;

	if (route < 0 || route >= API_R_COUNT)
		route = API_R_OTHER;
	r = &st->r[route];
	if (status >= 100 && status < 600)
		r->by_class[status / 100 - 1]++;
	for (i = 0; i < API_BUCKETS; i++)
		if (seconds <= api_bucket_le[i])
			r->bucket[i]++;
	r->count++;
	r->sum_s += seconds;
}

struct api_buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void api_printf(struct api_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
api_printf(struct api_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL,
		    b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->p != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t ncap = b->cap ? b->cap * 2 : 4096;
			char *np;
			while (ncap < b->len + (size_t)n + 1)
				ncap *= 2;
			if ((np = realloc(b->p, ncap)) == NULL) {
				b->oom = 1;
				return;
			}
			b->p = np;
			b->cap = ncap;
		}
	}
}

static void
api_metric(
    struct api_buf *b, const char *name, const char *type, const char *help)
{
	api_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric with one value and no labels. */
static void
api_scalar(struct api_buf *b, const char *name, const char *type,
    const char *help, uint64_t v)
{
	api_metric(b, name, type, help);
	api_printf(b, "%s %" PRIu64 "\n", name, v);
}

/* A peer's labels: its key (16 hex digits, "" before it authenticated)
 * and address (ip:port: no quotes or backslashes). */
static void
api_peer_labels(const Sd__PeerInfo *pi, char *out, size_t len)
{
	char who[HEX_SHORT + 1] = "";

	if (pi->has_key && pi->key.len == 32)
		hex_short(pi->key.data, who);
	snprintf(out, len, "peer=\"%s\",address=\"%.60s\"", who,
	    strpbrk(pi->address, "\"\\\n") ? "?" : pi->address);
}

/* The per-peer series of /metrics. */
enum {
	API_PEER_UP,
	API_PEER_LAG,
	API_PEER_IDLE,
	API_PEER_RECORDS_IN,
	API_PEER_RECORDS_OUT,
	API_PEER_LAST_SYNC,
};

/* Series `which`: its HELP and TYPE, then one line per peer that has a
 * value for it. */
static void
api_peer_series(struct api_buf *b, const Sd__Status *s, int which)
{
	static const struct {
		const char *name, *type, *help;
	} series[] = {
		[API_PEER_UP] = { "stardust_peer_up", "gauge",
		    "1 for a certified peer connection, 0 otherwise." },
		[API_PEER_LAG] = { "stardust_peer_lag", "gauge",
		    "Seqs a certified peer holds that this node lacks (its "
		    "last digest)." },
		[API_PEER_IDLE] = { "stardust_peer_idle_seconds", "gauge",
		    "Seconds since a peer last sent anything." },
		[API_PEER_RECORDS_IN] = { "stardust_peer_records_in_total",
		    "counter",
		    "Records received from a peer and stored (this "
		    "connection)." },
		[API_PEER_RECORDS_OUT] = { "stardust_peer_records_out_total",
		    "counter", "Records sent to a peer (this connection)." },
		[API_PEER_LAST_SYNC] = { "stardust_peer_last_sync_timestamp_"
		                         "seconds",
		    "gauge",
		    "When this node last held everything a peer's digest "
		    "named." },
	};
	char lab[160], val[32];
	size_t i;

	api_metric(
	    b, series[which].name, series[which].type, series[which].help);
	for (i = 0; i < s->n_peers; i++) {
		const Sd__PeerInfo *pi = s->peers[i];
		switch (which) {
		case API_PEER_UP:
			snprintf(val, sizeof(val), "%d",
			    strcmp(pi->state, "certified") == 0);
			break;
		case API_PEER_LAG:
			if (!pi->has_lag)
				continue;
			snprintf(val, sizeof(val), "%" PRIu64, pi->lag);
			break;
		case API_PEER_IDLE:
			if (!pi->has_idle_ms)
				continue;
			snprintf(val, sizeof(val), "%.3f",
			    (double)pi->idle_ms / 1000.0);
			break;
		case API_PEER_RECORDS_IN:
			snprintf(val, sizeof(val), "%" PRIu64, pi->records_in);
			break;
		case API_PEER_RECORDS_OUT:
			snprintf(val, sizeof(val), "%" PRIu64, pi->records_out);
			break;
		default:
			if (!pi->has_synced_ms)
				continue;
			snprintf(val, sizeof(val), "%.3f",
			    (double)pi->synced_ms / 1000.0);
			break;
		}
		api_peer_labels(pi, lab, sizeof(lab));
		api_printf(b, "%s{%s} %s\n", series[which].name, lab, val);
	}
}

/* The node's part of /metrics, from its Status s. */
static void
api_metrics_node(struct api_buf *b, struct node *n, const Sd__Status *s)
{
	struct health_view v;
	uint64_t in = 0, out = 0;
	size_t i, k;

	health_view(s, &v);
	for (i = 0; i < s->n_peers; i++) {
		in += s->peers[i]->records_in;
		out += s->peers[i]->records_out;
	}
	api_metric(b, "stardust_build_info", "gauge",
	    "The daemon's release and the sync protocol it speaks.");
	api_printf(b,
	    "stardust_build_info{version=\"%s\",sync_protocol=\"%d\"} 1\n",
	    SD_VERSION, SYNC_VERSION);
	api_scalar(b, "stardust_members", "gauge",
	    "Live members held, of every origin.", s->members);
	api_scalar(b, "stardust_own_members", "gauge",
	    "Live members published by this node.", s->own_members);
	api_scalar(
	    b, "stardust_records", "gauge", "Records stored.", s->records);
	api_scalar(b, "stardust_origins", "gauge",
	    "Origins (publishing nodes and the root) with a watermark here.",
	    s->n_origins);
	api_scalar(b, "stardust_own_seq", "counter",
	    "The last seq this node published.", s->own_seq);
	api_scalar(b, "stardust_certified", "gauge",
	    "1 if this node holds a certificate in force.",
	    health_certified(node_codes(n), s));
	api_scalar(b, "stardust_in_sync", "gauge",
	    "1 if in sync with every certified peer (at least one).",
	    health_in_sync(&v));
	api_metric(b, "stardust_peers", "gauge", "Peer connections by state.");
	api_printf(b, "stardust_peers{state=\"certified\"} %zu\n", v.certified);
	api_printf(b, "stardust_peers{state=\"down\"} %zu\n", v.down);
	api_printf(b, "stardust_peers{state=\"connecting\"} %zu\n", v.other);
	api_peer_series(b, s, API_PEER_UP);
	api_peer_series(b, s, API_PEER_LAG);
	api_peer_series(b, s, API_PEER_IDLE);
	api_peer_series(b, s, API_PEER_RECORDS_IN);
	api_peer_series(b, s, API_PEER_RECORDS_OUT);
	api_scalar(b, "stardust_records_in", "gauge",
	    "Records received and stored over the open peer connections.", in);
	api_scalar(b, "stardust_records_out", "gauge",
	    "Records sent over the open peer connections.", out);
	api_scalar(b, "stardust_records_received_total", "counter",
	    "Records from peers that moved a watermark, since the start.",
	    s->records_received);
	api_scalar(b, "stardust_records_duplicate_total", "counter",
	    "Records from peers that were held already, since the start.",
	    s->records_duplicate);
	api_metric(b, "stardust_rejected_total", "counter",
	    "Messages of certified peers refused, by reason.");
	for (i = 0; i < s->n_rejected; i++)
		api_printf(b,
		    "stardust_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
		    s->rejected[i]->reason, s->rejected[i]->count);
	api_scalar(b, "stardust_handshakes_failed_total", "counter",
	    "Inbound connections dropped in their handshake.",
	    s->handshakes_failed);
	api_scalar(b, "stardust_handshakes_shed_total", "counter",
	    "Inbound handshakes closed to make room for newer ones.",
	    s->handshakes_shed);
	api_peer_series(b, s, API_PEER_LAST_SYNC);
	api_metric(b, "stardust_sync_duration_seconds", "histogram",
	    "Catch-ups: from a peer's digest showing records this node lacks "
	    "to one showing none.");
	for (k = 0; k < s->n_sync_buckets && k < NODE_SYNC_BUCKETS; k++)
		api_printf(b,
		    "stardust_sync_duration_seconds_bucket{le=\"%g\"} %" PRIu64
		    "\n",
		    (double)node_sync_le_ms[k] / 1000.0, s->sync_buckets[k]);
	api_printf(b,
	    "stardust_sync_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
	    s->sync_count);
	api_printf(b, "stardust_sync_duration_seconds_sum %.3f\n",
	    (double)s->sync_sum_ms / 1000.0);
	api_printf(b, "stardust_sync_duration_seconds_count %" PRIu64 "\n",
	    s->sync_count);
}

/* The HTTP server's part of /metrics, from its counters st. */
static void
api_metrics_http(struct api_buf *b, const struct api_stats *st)
{
	size_t i, k;

	api_metric(b, "stardust_http_requests_total", "counter",
	    "HTTP requests answered, by route and status class.");
	for (i = 0; i < API_R_COUNT; i++)
		for (k = 0; k < 5; k++)
			if (st->r[i].by_class[k] > 0)
				api_printf(b,
				    "stardust_http_requests_total{route=\"%s\","
				    "code=\"%zuxx\"} %" PRIu64 "\n",
				    api_route_names[i], k + 1,
				    st->r[i].by_class[k]);
	api_metric(b, "stardust_http_request_duration_seconds", "histogram",
	    "Time from a complete request to its answer, by route.");
	for (i = 0; i < API_R_COUNT; i++) {
		const char *route = api_route_names[i];
		if (st->r[i].count == 0)
			continue;
		for (k = 0; k < API_BUCKETS; k++)
			api_printf(b,
			    "stardust_http_request_duration_seconds_bucket{"
			    "route=\"%s\",le=\"%g\"} %" PRIu64 "\n",
			    route, api_bucket_le[k], st->r[i].bucket[k]);
		api_printf(b,
		    "stardust_http_request_duration_seconds_bucket{"
		    "route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
		    route, st->r[i].count);
		api_printf(b,
		    "stardust_http_request_duration_seconds_sum{route=\"%s\"} "
		    "%.6f\n",
		    route, st->r[i].sum_s);
		api_printf(b,
		    "stardust_http_request_duration_seconds_count{route=\"%s\"}"
		    " "
		    "%" PRIu64 "\n",
		    route, st->r[i].count);
	}
	api_scalar(b, "stardust_http_connections_refused_total", "counter",
	    "HTTP connections closed at once: too many open.", st->refused);
	api_scalar(b, "stardust_http_request_timeouts_total", "counter",
	    "HTTP requests not received in time.", st->timeouts);
}

void
api_metrics(struct node *n, const struct api_stats *st, struct api_reply *r)
{
	Sd__Request req = SD__REQUEST__INIT;
	Sd__Response *resp;
	struct api_buf b = { 0 };

	req.op_case = SD__REQUEST__OP_STATUS;
	req.status = 1;
	if ((resp = api_call_node(n, &req, r)) == NULL)
		return;
	if (resp->status == NULL) {
		api_error(r, 500, SD_EDECODE, "no status in the node's answer");
		goto out;
	}
	api_metrics_node(&b, n, resp->status);
	api_metrics_http(&b, st);
	if (b.oom) {
		free(b.p);
		api_error(r, 500, -ENOMEM, "out of memory");
		goto out;
	}
	free(r->body);
	r->status = 200;
	r->type = "text/plain; version=0.0.4; charset=utf-8";
	r->body = b.p;
	r->len = b.len;
out:
	sd__response__free_unpacked(resp, NULL);
}
