#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "err.h"
#include "hreq.h"

struct hconn;

struct http {
	uv_loop_t *loop;
	struct node *node;
	uv_tcp_t listener;
	struct hconn *conns; /* doubly linked */
	size_t nconns;
	struct api_stats stats; /* on the loop thread */
	int stopping;
	int listener_open;
};

struct hconn {
	uv_tcp_t tcp; /* first: the handle's data points back to us */
	uv_timer_t timer;
	struct http *h;
	struct hconn *prev, *next;
	struct hreq req; /* req.complete: reading has stopped */
	int busy; /* on the thread pool */
	int closing;
	int handles; /* open: tcp, timer */
	int route;
	uint64_t t0; /* loop time when the request was complete */
	uv_work_t work;
	struct api_call *call;
	struct api_stats snap; /* the counters, for /metrics */
	struct api_reply reply;
	uv_write_t wreq;
	char hdr[512];
	uv_buf_t bufs[2];
};

static void hconn_respond(struct hconn *c);

static void
hconn_free(struct hconn *c)
{
	struct http *h = c->h;

	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->nconns--;
	api_call_free(c->call);
	api_reply_free(&c->reply);
	free(c);
	if (h->stopping && !h->listener_open && h->conns == NULL)
		free(h);
}

static void
hconn_handle_closed(uv_handle_t *hd)
{
	struct hconn *c = hd->data;

	if (--c->handles == 0)
		hconn_free(c);
}

static void
hconn_close(struct hconn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->busy)
		return; /* closed when the work comes back */
	uv_close((uv_handle_t *)&c->timer, hconn_handle_closed);
	uv_close((uv_handle_t *)&c->tcp, hconn_handle_closed);
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
hconn_write_cb(uv_write_t *req, int status)
{
	struct hconn *c = req->data;

	(void)status;
	hconn_close(c);
}

static void
hconn_send(struct hconn *c, int head)
{
	struct api_reply *r = &c->reply;
	int n;

	if (r->status == 0)
		r->status = 500;
	n = snprintf(c->hdr, sizeof(c->hdr),
	    "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'self'; "
	    "frame-ancestors 'none'; form-action 'self'\r\n"
	    "\r\n",
	    r->status, http_reason(r->status),
	    r->type ? r->type : "application/json", r->len);
	c->bufs[0] = uv_buf_init(c->hdr, (unsigned)n);
	c->bufs[1] = uv_buf_init(r->body ? r->body : c->hdr,
	    head || r->body == NULL ? 0 : (unsigned)r->len);
	api_stats_add(&c->h->stats, c->route, r->status,
	    (double)(uv_now(c->h->loop) - c->t0) / 1000.0);
	uv_timer_stop(&c->timer);
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->wreq.data = c;
	if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, c->bufs, 2,
	        hconn_write_cb) != 0)
		hconn_close(c);
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

	c->busy = 0;
	if (status != 0)
		api_error(&c->reply, 503, SD_EINVAL, "shutting down");
	if (c->closing) {
		c->closing = 0;
		hconn_close(c);
		return;
	}
	hconn_send(c, api_call_head(c->call));
}

/* The request is complete (or bad): answer it. */
static void
hconn_respond(struct hconn *c)
{
	const char *method = hreq_method(&c->req);
	int bad = c->req.bad, rc;

	c->t0 = uv_now(c->h->loop);
	if (bad) {
		api_error(&c->reply, bad, SD_EINVAL,
		    bad == 413 ? "a request body is not accepted here"
		    : bad == 408
		        ? "the request was not complete in time"
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
	c->busy = 1;
	c->work.data = c;
	if (uv_queue_work(c->h->loop, &c->work, hconn_work_cb,
	        hconn_after_work_cb) != 0) {
		c->busy = 0;
		api_error(&c->reply, 503, SD_EINVAL, "busy");
		hconn_send(c, 0);
	}
}

static void
hconn_alloc_cb(uv_handle_t *hd, size_t suggested, uv_buf_t *buf)
{
	static char unused;

	(void)hd;
	(void)suggested;
	buf->base = malloc(8192);
	buf->len = buf->base ? 8192 : 0;
	if (buf->base == NULL)
		buf->base = &unused;
}

static void
hconn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct hconn *c = s->data;
	int done;

	if (nread < 0) {
		if (buf->len)
			free(buf->base);
		hconn_close(c);
		return;
	}
	if (nread == 0 || c->req.complete || c->closing) {
		if (buf->len)
			free(buf->base);
		return;
	}
	done = hreq_feed(&c->req, buf->base, (size_t)nread);
	free(buf->base);
	if (done)
		hconn_respond(c);
}

static void
hconn_timer_cb(uv_timer_t *t)
{
	struct hconn *c = t->data;

	if (c->req.complete || c->closing)
		return;
	c->h->stats.timeouts++;
	c->req.complete = 1;
	c->req.bad = 408;
	hconn_respond(c);
}

static void
http_connection_cb(uv_stream_t *server, int status)
{
	struct http *h = server->data;
	struct hconn *c;

	if (status != 0 || h->stopping)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->h = h;
	c->route = API_R_OTHER;
	uv_tcp_init(h->loop, &c->tcp);
	uv_timer_init(h->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles = 2;
	c->next = h->conns;
	if (h->conns)
		h->conns->prev = c;
	h->conns = c;
	h->nconns++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		hconn_close(c);
		return;
	}
	if (h->nconns > HTTP_CONNS_MAX) {
		/* Too many: answered at once, without reading. */
		h->stats.refused++;
		c->req.complete = 1;
		c->t0 = uv_now(h->loop);
		api_error(&c->reply, 503, SD_EINVAL,
		    "too many connections; try again");
		hconn_send(c, 0);
		return;
	}
	hreq_init(&c->req);
	uv_timer_start(&c->timer, hconn_timer_cb, HTTP_REQUEST_MS, 0);
	if (uv_read_start((uv_stream_t *)&c->tcp, hconn_alloc_cb,
	        hconn_read_cb) != 0)
		hconn_close(c);
}

int
http_start(uv_loop_t *loop, struct node *n, struct http **out)
{
	struct sockaddr_storage ss;
	struct http *h;
	int rc;

	*out = NULL;
	if (n->cfg->http == NULL)
		return 0;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	h->loop = loop;
	h->node = n;
	config_addr_parse(n->cfg->http, &ss);
	uv_tcp_init(loop, &h->listener);
	h->listener.data = h;
	h->listener_open = 1;
	if ((rc = uv_tcp_bind(&h->listener, (struct sockaddr *)&ss, 0)) != 0 ||
	    (rc = uv_listen((uv_stream_t *)&h->listener, 128,
	         http_connection_cb)) != 0) {
		node_log(n, SDLOG_ERROR, "http: cannot listen on %s: %s",
		    n->cfg->http, uv_strerror(rc));
		*out = h; /* the caller stops it: the handle must close */
		return SD_ECONFIG;
	}
	node_log(n, SDLOG_INFO, "HTTP API on http://%s/", n->cfg->http);
	*out = h;
	return 0;
}

static void
http_listener_closed(uv_handle_t *hd)
{
	struct http *h = hd->data;

	h->listener_open = 0;
	if (h->conns == NULL)
		free(h);
}

void
http_stop(struct http *h)
{
	struct hconn *c, *next;

	if (h == NULL || h->stopping)
		return;
	h->stopping = 1;
	for (c = h->conns; c != NULL; c = next) {
		next = c->next;
		hconn_close(c);
	}
	uv_close((uv_handle_t *)&h->listener, http_listener_closed);
}
