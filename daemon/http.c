#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "err.h"
#include "hreq.h"
#include "stream.h"

struct http {
	struct stream_server srv; /* first */
	struct node *node;
	struct api_stats stats; /* on the loop thread */
};

/* One connection: its requests one after the other (keep-alive). */
struct hconn {
	struct stream s; /* first */
	struct http *h;
	struct hreq req; /* req.complete: reading has stopped */
	int route;
	unsigned served; /* answers sent on the connection */
	int keep; /* the answer being sent keeps the connection */
	uint64_t t_accept; /* loop time when the connection was accepted */
	uint64_t t0; /* loop time when the request was complete */
	uv_work_t work;
	struct api_call *call;
	struct api_stats snap; /* the counters, for /metrics */
	struct api_reply reply;
};

static void hconn_respond(struct hconn *c);
static void hconn_next(struct hconn *c);

static void
hconn_closed(struct stream *s)
{
	struct hconn *c = (struct hconn *)s;

	api_call_free(c->call);
	api_reply_free(&c->reply);
	free(c);
}

/* ---- answering ---- */

static const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static void
hconn_send(struct hconn *c, int head)
{
	struct api_reply *r = &c->reply;
	char hdr[512], *body;
	int n;

	if (r->status == 0)
		r->status = 500;
	/* Kept for another request: a good answer to a client that keeps
	 * it alive, below the per-connection and server caps. */
	c->keep = r->status < 400 && hreq_keep_alive(&c->req) &&
	    c->served + 1 < HTTP_KEEPALIVE_MAX &&
	    c->h->srv.count <= HTTP_CONNS_MAX;
	n = snprintf(hdr, sizeof(hdr),
	    "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'self'; "
	    "frame-ancestors 'none'; form-action 'self'\r\n"
	    "\r\n",
	    r->status, http_reason(r->status),
	    r->type ? r->type : "application/json", r->len,
	    c->keep ? "keep-alive" : "close");
	api_stats_add(&c->h->stats, c->route, r->status,
	    (double)(uv_now(c->h->srv.loop) - c->t0) / 1000.0);
	stream_timer_stop(&c->s);
	stream_read_stop(&c->s);
	c->served++;
	body = r->body;
	r->body = NULL;
	if (head || body == NULL) {
		free(body);
		body = NULL;
	}
	if (stream_write_take(
	        &c->s, hdr, (size_t)n, body, body == NULL ? 0 : r->len) != 0)
		stream_close(&c->s);
	else if (!c->keep)
		stream_end(&c->s); /* closed once the answer is out */
	else
		hconn_next(c);
}

static void
hconn_work_cb(uv_work_t *req)
{
	struct hconn *c = req->data;

	api_run(c->h->node, c->call, &c->snap, &c->reply);
}

static void
hconn_after_work_cb(uv_work_t *req, int status)
{
	struct hconn *c = req->data;

	if (status != 0)
		api_error(&c->reply, 503, SD_EINVAL, "shutting down");
	if (!c->s.closing)
		hconn_send(c, api_call_head(c->call));
	stream_idle(&c->s);
}

/* Ready for the connection's next request (the answer is queued): its
 * own HTTP_REQUEST_MS from now. The previous request's call and reply
 * are freed here, on the loop thread, after its work came back. */
static void
hconn_next(struct hconn *c)
{
	api_call_free(c->call);
	c->call = NULL;
	api_reply_free(&c->reply);
	memset(&c->reply, 0, sizeof(c->reply));
	c->route = API_R_OTHER;
	hreq_init(&c->req);
	c->t_accept = uv_now(c->h->srv.loop);
	stream_timer(&c->s, HTTP_REQUEST_MS);
	if (stream_read_start(&c->s) != 0)
		stream_close(&c->s);
}

/* The request is complete (or bad): answer it. */
static void
hconn_respond(struct hconn *c)
{
	const char *method = hreq_method(&c->req);
	int bad = c->req.bad, rc;

	c->t0 = uv_now(c->h->srv.loop);
	if (bad) {
		api_error(&c->reply, bad, SD_EINVAL,
		    bad == 413       ? "a request body is not accepted here"
		        : bad == 408 ? "the request was not complete in time"
		        : bad == 414 ? "request line above 16 KiB"
		        : bad == 431 ? "request line and headers too large"
		                     : "malformed HTTP request");
		hconn_send(c, 0);
		return;
	}
	rc = api_parse(method, c->req.url, &c->route, &c->call, &c->reply);
	if (rc != 0) {
		if (rc < 0)
			api_error(&c->reply, 500, rc, "out of memory");
		hconn_send(c, strcmp(method, "HEAD") == 0);
		return;
	}
	c->snap = c->h->stats;
	c->work.data = c;
	if (uv_queue_work(c->h->srv.loop, &c->work, hconn_work_cb,
	        hconn_after_work_cb) != 0) {
		api_error(&c->reply, 503, SD_EINVAL, "busy");
		hconn_send(c, 0);
		return;
	}
	stream_busy(&c->s);
}

static void
hconn_read(struct stream *s, const uint8_t *p, size_t n)
{
	struct hconn *c = (struct hconn *)s;

	if (c->req.complete) {
		c->req.trailing = 1; /* pipelined: closed after the answer */
		return;
	}
	if (hreq_feed(&c->req, (const char *)p, n))
		hconn_respond(c);
}

static void
hconn_timer(struct stream *s)
{
	struct hconn *c = (struct hconn *)s;
	char addr[64];

	if (c->req.complete)
		return;
	if (c->served > 0 && c->req.fed == 0) {
		/* A kept connection with no next request: not an error. */
		stream_close(&c->s);
		return;
	}
	c->h->stats.timeouts++;
	c->req.complete = 1;
	c->req.bad = 408;
	/* The server's own record of the timeout (the tests read it: a
	 * loaded client's stopwatch is no measure of the server). */
	stream_peer_name(&c->s, addr, sizeof(addr));
	node_log(c->h->node, SDLOG_INFO,
	    "http: no complete request from %s in %llu ms: 408", addr,
	    (unsigned long long)(uv_now(c->h->srv.loop) - c->t_accept));
	hconn_respond(c);
}

static const struct stream_ops hconn_ops = {
	.on_read = hconn_read,
	.on_close = hconn_closed,
	.on_timer = hconn_timer,
};

static void
http_connection(struct stream_server *srv, int status)
{
	struct http *h = (struct http *)srv;
	struct hconn *c;

	if (status != 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		stream_refuse(srv);
		return;
	}
	c->h = h;
	c->route = API_R_OTHER;
	if (stream_init_tcp(srv->loop, &c->s, &hconn_ops) != 0) {
		free(c);
		stream_refuse(srv);
		return;
	}
	if (stream_accept(srv, &c->s) != 0)
		return;
	if (srv->count > HTTP_CONNS_MAX) {
		/* Too many: answered at once, without reading. */
		h->stats.refused++;
		c->req.complete = 1;
		c->t0 = uv_now(srv->loop);
		api_error(&c->reply, 503, SD_EINVAL,
		    "too many connections; try again");
		hconn_send(c, 0);
		return;
	}
	hreq_init(&c->req);
	c->t_accept = uv_now(srv->loop);
	stream_timer(&c->s, HTTP_REQUEST_MS);
	if (stream_read_start(&c->s) != 0)
		stream_close(&c->s);
}

static void
http_stopped(struct stream_server *srv)
{
	free(srv);
}

int
http_start(uv_loop_t *loop, struct node *n, struct http **out)
{
	const char *addr = node_config(n)->http;
	struct sockaddr_storage ss;
	struct http *h;
	int rc;

	*out = NULL;
	if (addr == NULL)
		return 0;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	h->node = n;
	h->srv.on_connection = http_connection;
	h->srv.on_stopped = http_stopped;
	config_addr_parse(addr, &ss);
	if ((rc = stream_server_tcp(
	         loop, &h->srv, (struct sockaddr *)&ss, 128)) != 0) {
		node_log(n, SDLOG_ERROR, "http: cannot listen on %s: %s", addr,
		    uv_strerror(rc));
		return SD_ECONFIG; /* freed when the listener has closed */
	}
	node_log(n, SDLOG_INFO, "HTTP API on http://%s/", addr);
	*out = h;
	return 0;
}

void
http_stop(struct http *h)
{
	if (h != NULL)
		stream_server_stop(&h->srv);
}
