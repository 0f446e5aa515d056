#include "stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* One read buffer for every stream: libuv's loop is single-threaded and
 * each read callback consumes its bytes before returning. */
static char stream_buf[STREAM_READ_BUF];
static int stream_buf_used;

struct stream_wreq {
	uv_write_t req;
	struct stream *s;
	size_t len;
	void *body; /* taken by stream_write_take, else NULL */
	uint8_t data[]; /* the bytes copied */
};

static void
stream_handle_closed(uv_handle_t *h)
{
	struct stream *s = h->data;
	struct stream_server *srv = s->srv;

	if (--s->handles > 0)
		return;
	if (srv != NULL) {
		if (s->prev != NULL)
			s->prev->next = s->next;
		else
			srv->list = s->next;
		if (s->next != NULL)
			s->next->prev = s->prev;
		srv->count--;
	}
	s->on_close(s);
	if (srv != NULL && srv->stopping && !srv->open && srv->list == NULL &&
	    srv->on_stopped != NULL)
		srv->on_stopped(srv);
}

static void
stream_timer_fired(uv_timer_t *t)
{
	struct stream *s = t->data;

	if (s->ending)
		stream_close(s); /* the peer did not read its answer in time */
	else if (!s->closing && s->on_timer != NULL)
		s->on_timer(s);
}

static void
stream_setup(struct stream *s, const struct stream_ops *ops)
{
	s->u.handle.data = s;
	s->timer.data = s;
	s->on_read = ops->on_read;
	s->on_error = ops->on_error;
	s->on_close = ops->on_close;
	s->on_timer = ops->on_timer;
	s->wmax = ops->wmax;
	s->handles = 2;
}

int
stream_init_tcp(uv_loop_t *loop, struct stream *s, const struct stream_ops *ops)
{
	int rc;

	if ((rc = uv_tcp_init(loop, &s->u.tcp)) != 0)
		return rc;
	uv_timer_init(loop, &s->timer);
	stream_setup(s, ops);
	return 0;
}

int
stream_init_pipe(
    uv_loop_t *loop, struct stream *s, const struct stream_ops *ops)
{
	int rc;

	if ((rc = uv_pipe_init(loop, &s->u.pipe, 0)) != 0)
		return rc;
	uv_timer_init(loop, &s->timer);
	stream_setup(s, ops);
	return 0;
}

static void
stream_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	/* A second read before the first was consumed cannot happen on one
	 * loop; were it to, it gets no buffer (libuv reports UV_ENOBUFS). */
	if (stream_buf_used) {
		buf->base = NULL;
		buf->len = 0;
		return;
	}
	stream_buf_used = 1;
	buf->base = stream_buf;
	buf->len = sizeof(stream_buf);
}

static void
stream_on_read(uv_stream_t *us, ssize_t n, const uv_buf_t *buf)
{
	struct stream *s = us->data;

	if (buf->base == stream_buf)
		stream_buf_used = 0;
	if (s->closing)
		return;
	if (n < 0) {
		if (s->on_error != NULL)
			s->on_error(s, (int)n);
		else
			stream_close(s);
		return;
	}
	if (n == 0)
		return;
	s->bytes_in += (uint64_t)n;
	s->on_read(s, (const uint8_t *)buf->base, (size_t)n);
}

int
stream_read_start(struct stream *s)
{
	int rc;

	if (s->closing || s->reading)
		return 0;
	if ((rc = uv_read_start(
	         &s->u.stream, stream_alloc_cb, stream_on_read)) == 0)
		s->reading = 1;
	return rc;
}

void
stream_read_stop(struct stream *s)
{
	if (s->reading && !s->closing)
		uv_read_stop(&s->u.stream);
	s->reading = 0;
}

static void
stream_write_cb(uv_write_t *req, int status)
{
	struct stream_wreq *w = (struct stream_wreq *)req;
	struct stream *s = w->s;

	s->wqueue -= w->len;
	free(w->body);
	free(w);
	if (s->closing)
		return;
	if (status != 0 && !s->ending && s->on_error != NULL)
		s->on_error(s, status);
	else if (status != 0 || (s->ending && s->wqueue == 0))
		stream_close(s);
}

/* Queues w (hdr, then body or data) of len bytes in all. */
static int
stream_submit(struct stream *s, struct stream_wreq *w, const uv_buf_t *bufs,
    unsigned nbufs, size_t len)
{
	int rc;

	w->s = s;
	w->len = len;
	if ((rc = uv_write(
	         &w->req, &s->u.stream, bufs, nbufs, stream_write_cb)) != 0) {
		free(w->body);
		free(w);
		return rc;
	}
	s->wqueue += len;
	s->bytes_out += len;
	return 0;
}

static int
stream_fits(const struct stream *s, size_t len)
{
	if (s->closing)
		return SD_EPROTO;
	if (s->wmax != 0 && s->wqueue + len > s->wmax)
		return SD_ETOOBIG;
	return 0;
}

int
stream_write(
    struct stream *s, const void *a, size_t alen, const void *b, size_t blen)
{
	struct stream_wreq *w;
	uv_buf_t buf;
	int rc;

	if ((rc = stream_fits(s, alen + blen)) != 0)
		return rc;
	if ((w = calloc(1, sizeof(*w) + alen + blen)) == NULL)
		return -ENOMEM;
	memcpy(w->data, a, alen);
	if (blen > 0)
		memcpy(w->data + alen, b, blen);
	buf = uv_buf_init((char *)w->data, (unsigned)(alen + blen));
	return stream_submit(s, w, &buf, 1, alen + blen);
}

int
stream_write_take(
    struct stream *s, const void *hdr, size_t hlen, void *body, size_t blen)
{
	struct stream_wreq *w;
	uv_buf_t bufs[2];
	int rc;

	if ((rc = stream_fits(s, hlen + blen)) != 0) {
		free(body);
		return rc;
	}
	if ((w = calloc(1, sizeof(*w) + hlen)) == NULL) {
		free(body);
		return -ENOMEM;
	}
	if (hlen > 0)
		memcpy(w->data, hdr, hlen);
	w->body = body;
	bufs[0] = uv_buf_init((char *)w->data, (unsigned)hlen);
	bufs[1] = uv_buf_init(body, (unsigned)blen);
	if (hlen == 0)
		return stream_submit(s, w, &bufs[1], 1, blen);
	return stream_submit(s, w, bufs, 2, hlen + blen);
}

void
stream_timer(struct stream *s, uint64_t ms)
{
	if (!s->closing && !s->ending)
		uv_timer_start(&s->timer, stream_timer_fired, ms, 0);
}

void
stream_timer_stop(struct stream *s)
{
	uv_timer_stop(&s->timer);
}

void
stream_busy(struct stream *s)
{
	s->busy++;
}

static void
stream_close_now(struct stream *s)
{
	uv_close((uv_handle_t *)&s->timer, stream_handle_closed);
	uv_close(&s->u.handle, stream_handle_closed);
}

void
stream_idle(struct stream *s)
{
	if (--s->busy == 0 && s->closing)
		stream_close_now(s);
}

void
stream_end(struct stream *s)
{
	s->ending = 1;
	if (s->wqueue == 0)
		stream_close(s);
	else if (!s->closing)
		uv_timer_start(&s->timer, stream_timer_fired, STREAM_END_MS, 0);
}

void
stream_close(struct stream *s)
{
	if (s->closing)
		return;
	s->closing = 1;
	s->reading = 0;
	if (s->busy == 0)
		stream_close_now(s);
}

void
stream_peer_name(struct stream *s, char *out, size_t len)
{
	struct sockaddr_storage ss;
	char ip[48];
	int sl = sizeof(ss), port;

	out[0] = '\0';
	if (uv_tcp_getpeername(&s->u.tcp, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else {
		uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	snprintf(out, len, "%s:%d", ip, port);
}

/* ---- servers ---- */

static void
stream_server_closed(uv_handle_t *h)
{
	struct stream_server *srv = h->data;

	srv->open = 0;
	if (srv->list == NULL && srv->on_stopped != NULL)
		srv->on_stopped(srv);
}

static void
stream_connection_cb(uv_stream_t *us, int status)
{
	struct stream_server *srv = us->data;

	if (srv->stopping)
		return;
	srv->on_connection(srv, status);
}

static int
stream_listen(struct stream_server *srv, int backlog, int rc)
{
	if (rc == 0)
		rc = uv_listen(&srv->u.stream, backlog, stream_connection_cb);
	if (rc != 0) {
		srv->stopping = 1;
		uv_close(&srv->u.handle, stream_server_closed);
	}
	return rc;
}

int
stream_server_tcp(uv_loop_t *loop, struct stream_server *srv,
    const struct sockaddr *addr, int backlog)
{
	srv->loop = loop;
	srv->pipe = 0;
	uv_tcp_init(loop, &srv->u.tcp);
	srv->u.handle.data = srv;
	srv->open = 1;
	return stream_listen(srv, backlog, uv_tcp_bind(&srv->u.tcp, addr, 0));
}

int
stream_server_pipe(
    uv_loop_t *loop, struct stream_server *srv, const char *path, int backlog)
{
	srv->loop = loop;
	srv->pipe = 1;
	uv_pipe_init(loop, &srv->u.pipe, 0);
	srv->u.handle.data = srv;
	srv->open = 1;
	return stream_listen(srv, backlog, uv_pipe_bind(&srv->u.pipe, path));
}

int
stream_accept(struct stream_server *srv, struct stream *s)
{
	int rc;

	s->srv = srv;
	s->next = srv->list;
	if (srv->list != NULL)
		srv->list->prev = s;
	srv->list = s;
	srv->count++;
	if ((rc = uv_accept(&srv->u.stream, &s->u.stream)) != 0)
		stream_close(s);
	return rc;
}

static void
stream_free_cb(uv_handle_t *h)
{
	free(h);
}

void
stream_refuse(struct stream_server *srv)
{
	uv_stream_t *tmp;

	if (srv->pipe) {
		uv_pipe_t *p = malloc(sizeof(*p));
		if (p == NULL)
			return;
		uv_pipe_init(srv->loop, p, 0);
		tmp = (uv_stream_t *)p;
	} else {
		uv_tcp_t *t = malloc(sizeof(*t));
		if (t == NULL)
			return;
		uv_tcp_init(srv->loop, t);
		tmp = (uv_stream_t *)t;
	}
	uv_accept(&srv->u.stream, tmp);
	uv_close((uv_handle_t *)tmp, stream_free_cb);
}

void
stream_server_stop(struct stream_server *srv)
{
	struct stream *s, *next;

	if (srv->stopping)
		return;
	srv->stopping = 1;
	for (s = srv->list; s != NULL; s = next) {
		next = s->next;
		stream_close(s);
	}
	if (srv->open)
		uv_close(&srv->u.handle, stream_server_closed);
}
