#include "control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"

struct conn;

struct control {
	uv_pipe_t listener;
	struct node *node;
	struct conn *conns; /* doubly linked list */
	int nconns;
	int stopping;
	int listener_closed;
};

struct conn {
	uv_pipe_t pipe; /* first: the handle's data points back to us */
	struct control *ctl;
	struct conn *prev, *next;
	struct frame_reader fr;
	int busy; /* a request is on the thread pool */
	int closing; /* uv_close called (or due once the request is back) */
};

struct work {
	uv_work_t req;
	struct conn *conn;
	uint8_t *in, *out;
	size_t inlen, outlen;
	int rc;
};

struct wreq {
	uv_write_t req;
	uint8_t hdr[FRAME_HEADER_BYTES];
	uint8_t *payload;
	struct conn *conn;
};

static void conn_close(struct conn *c);
static void conn_next(struct conn *c);

static void
conn_free_cb(uv_handle_t *h)
{
	struct conn *c = (struct conn *)h;
	struct control *ctl = c->ctl;

	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ctl->nconns--;
	frame_reader_free(&c->fr);
	free(c);
	if (ctl->stopping && ctl->listener_closed && ctl->conns == NULL)
		free(ctl);
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->busy)
		return; /* closed when the request comes back */
	uv_close((uv_handle_t *)&c->pipe, conn_free_cb);
}

static void
conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	buf->base = malloc(65536);
	buf->len = buf->base ? 65536 : 0;
}

static void
conn_write_cb(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct conn *c = w->conn;

	free(w->payload);
	free(w);
	if (status != 0) {
		conn_close(c);
		return;
	}
	conn_next(c);
}

static void
work_cb(uv_work_t *req)
{
	struct work *w = (struct work *)req;

	w->rc = node_handle(
	    w->conn->ctl->node, w->in, w->inlen, &w->out, &w->outlen);
}

static void
after_work_cb(uv_work_t *req, int status)
{
	struct work *w = (struct work *)req;
	struct conn *c = w->conn;
	struct wreq *wr;
	uv_buf_t bufs[2];

	c->busy = 0;
	free(w->in);
	if (status != 0 || w->rc != 0 || c->closing) {
		free(w->out);
		free(w);
		c->closing = 0;
		conn_close(c);
		return;
	}
	if ((wr = calloc(1, sizeof(*wr))) == NULL) {
		free(w->out);
		free(w);
		conn_close(c);
		return;
	}
	wr->conn = c;
	wr->payload = w->out;
	frame_header(w->outlen, wr->hdr);
	bufs[0] = uv_buf_init((char *)wr->hdr, FRAME_HEADER_BYTES);
	bufs[1] = uv_buf_init((char *)w->out, (unsigned int)w->outlen);
	free(w);
	if (uv_write(&wr->req, (uv_stream_t *)&c->pipe, bufs, 2,
	        conn_write_cb) != 0) {
		free(wr->payload);
		free(wr);
		conn_close(c);
	}
}

static void conn_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

/* Starts the next buffered request, or resumes reading for one. */
static void
conn_next(struct conn *c)
{
	const uint8_t *p;
	size_t len;
	struct work *w;
	int rc;

	if (c->closing || c->busy)
		return;
	rc = frame_reader_next(&c->fr, &p, &len);
	if (rc < 0) {
		node_log(c->ctl->node, SDLOG_WARN,
		    "control: frame above %u bytes, connection dropped",
		    FRAME_CONTROL_MAX);
		conn_close(c);
		return;
	}
	if (rc == 0) {
		uv_read_start(
		    (uv_stream_t *)&c->pipe, conn_alloc_cb, conn_read_cb);
		return;
	}
	uv_read_stop((uv_stream_t *)&c->pipe);
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->in = malloc(len ? len : 1)) == NULL) {
		free(w);
		conn_close(c);
		return;
	}
	memcpy(w->in, p, len);
	w->inlen = len;
	w->conn = c;
	c->busy = 1;
	if (uv_queue_work(c->pipe.loop, &w->req, work_cb, after_work_cb) != 0) {
		c->busy = 0;
		free(w->in);
		free(w);
		conn_close(c);
	}
}

static void
conn_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = (struct conn *)s;

	if (n < 0) {
		free(buf->base);
		conn_close(c);
		return;
	}
	if (n > 0 &&
	    frame_reader_feed(&c->fr, (uint8_t *)buf->base, (size_t)n) != 0) {
		free(buf->base);
		node_log(c->ctl->node, SDLOG_WARN,
		    "control: frame above %u bytes, connection dropped",
		    FRAME_CONTROL_MAX);
		conn_close(c);
		return;
	}
	free(buf->base);
	conn_next(c);
}

static void
control_conn_cb(uv_stream_t *server, int status)
{
	struct control *ctl = (struct control *)server;
	struct conn *c;

	if (status != 0 || ctl->stopping)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->ctl = ctl;
	frame_reader_init(&c->fr, FRAME_CONTROL_MAX);
	uv_pipe_init(server->loop, &c->pipe, 0);
	c->next = ctl->conns;
	if (ctl->conns)
		ctl->conns->prev = c;
	ctl->conns = c;
	ctl->nconns++;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
		conn_close(c);
		return;
	}
	if (ctl->nconns > CONTROL_CONNS_MAX) {
		node_log(ctl->node, SDLOG_WARN, "control: too many connections");
		conn_close(c);
		return;
	}
	conn_next(c);
}

/* 1 if a daemon answers on path. */
static int
control_in_use(const char *path)
{
	struct sockaddr_un sa;
	int fd, used;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	used = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return used;
}

static void
control_free_cb(uv_handle_t *h)
{
	free(h); /* the listener is the first member of struct control */
}

int
control_start(uv_loop_t *loop, struct node *n, struct control **out)
{
	struct control *ctl;
	const char *path = n->cfg->socket;
	struct stat st;
	mode_t old;
	int rc;

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			node_log(n, SDLOG_ERROR, "%s exists and is not a socket",
			    path);
			return -EEXIST;
		}
		if (control_in_use(path)) {
			node_log(n, SDLOG_ERROR,
			    "another daemon is listening on %s", path);
			return -EADDRINUSE;
		}
		unlink(path);
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		return -ENOMEM;
	ctl->node = n;
	uv_pipe_init(loop, &ctl->listener, 0);
	/* Created with no access for others before anyone can connect. */
	old = umask(0177);
	rc = uv_pipe_bind(&ctl->listener, path);
	umask(old);
	if (rc == 0 && chmod(path, 0600) != 0)
		rc = -errno;
	if (rc == 0)
		rc = uv_listen(
		    (uv_stream_t *)&ctl->listener, 64, control_conn_cb);
	if (rc != 0) {
		node_log(n, SDLOG_ERROR, "control socket %s: %s", path,
		    uv_strerror(rc));
		uv_close((uv_handle_t *)&ctl->listener, control_free_cb);
		return rc;
	}
	*out = ctl;
	return 0;
}

static void
control_listener_closed(uv_handle_t *h)
{
	struct control *ctl = (struct control *)h;

	ctl->listener_closed = 1;
	if (ctl->conns == NULL)
		free(ctl);
}

void
control_stop(struct control *ctl)
{
	struct conn *c, *next;

	if (ctl == NULL || ctl->stopping)
		return;
	ctl->stopping = 1;
	unlink(ctl->node->cfg->socket);
	for (c = ctl->conns; c != NULL; c = next) {
		next = c->next;
		conn_close(c);
	}
	uv_close((uv_handle_t *)&ctl->listener, control_listener_closed);
}
