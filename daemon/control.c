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
#include "stream.h"

struct control {
	struct stream_server srv; /* first */
	struct node *node;
	char *path;
};

/* One client. Requests are answered one at a time, in order: reading
 * pauses while one is on the thread pool. */
struct control_conn {
	struct stream s; /* first */
	struct control *ctl;
	struct frame_reader fr;
	uv_work_t work;
	uint8_t *in, *out;
	size_t inlen, outlen;
	int rc;
};

static void control_next(struct control_conn *c);

static void
control_conn_closed(struct stream *s)
{
	struct control_conn *c = (struct control_conn *)s;

	frame_reader_free(&c->fr);
	free(c->in);
	free(c->out);
	free(c);
}

static void
control_work_cb(uv_work_t *req)
{
	struct control_conn *c = req->data;

	c->rc = node_handle(c->ctl->node, c->in, c->inlen, &c->out, &c->outlen);
}

static void
control_after_work_cb(uv_work_t *req, int status)
{
	struct control_conn *c = req->data;
	uint8_t hdr[FRAME_HEADER_BYTES];
	uint8_t *out = c->out;

	free(c->in);
	c->in = NULL;
	c->out = NULL;
	if (status != 0 || c->rc != 0 || c->s.closing) {
		free(out);
		stream_close(&c->s);
		stream_idle(&c->s);
		return;
	}
	frame_header(c->outlen, hdr);
	if (stream_write_take(&c->s, hdr, sizeof(hdr), out, c->outlen) != 0)
		stream_close(&c->s);
	stream_idle(&c->s);
	if (!c->s.closing)
		control_next(c);
}

static void
control_too_big(struct control_conn *c)
{
	node_log(c->ctl->node, SDLOG_WARN,
	    "control: frame above %u bytes, connection dropped",
	    FRAME_CONTROL_MAX);
	stream_close(&c->s);
}

/* Starts the next buffered request, or reads for one. */
static void
control_next(struct control_conn *c)
{
	const uint8_t *p;
	size_t len;
	int rc;

	if (c->s.closing || c->s.busy)
		return;
	if ((rc = frame_reader_next(&c->fr, &p, &len)) < 0) {
		control_too_big(c);
		return;
	}
	if (rc == 0) {
		stream_read_start(&c->s);
		return;
	}
	stream_read_stop(&c->s);
	if ((c->in = malloc(len ? len : 1)) == NULL) {
		stream_close(&c->s);
		return;
	}
	memcpy(c->in, p, len);
	c->inlen = len;
	c->work.data = c;
	if (uv_queue_work(c->ctl->srv.loop, &c->work, control_work_cb,
	        control_after_work_cb) != 0) {
		stream_close(&c->s);
		return;
	}
	stream_busy(&c->s);
}

static void
control_read(struct stream *s, const uint8_t *p, size_t n)
{
	struct control_conn *c = (struct control_conn *)s;

	if (frame_reader_feed(&c->fr, p, n) != 0) {
		control_too_big(c);
		return;
	}
	control_next(c);
}

static const struct stream_ops control_ops = {
	.on_read = control_read,
	.on_close = control_conn_closed,
};

static void
control_connection(struct stream_server *srv, int status)
{
	struct control *ctl = (struct control *)srv;
	struct control_conn *c;

	if (status != 0)
		return;
	if (srv->count >= CONTROL_CONNS_MAX) {
		node_log(
		    ctl->node, SDLOG_WARN, "control: too many connections");
		stream_refuse(srv);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		stream_refuse(srv);
		return;
	}
	c->ctl = ctl;
	frame_reader_init(&c->fr, FRAME_CONTROL_MAX);
	if (stream_init_pipe(srv->loop, &c->s, &control_ops) != 0) {
		free(c);
		stream_refuse(srv);
		return;
	}
	if (stream_accept(srv, &c->s) == 0)
		control_next(c);
}

static void
control_stopped(struct stream_server *srv)
{
	struct control *ctl = (struct control *)srv;

	free(ctl->path);
	free(ctl);
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

int
control_start(uv_loop_t *loop, struct node *n, struct control **out)
{
	struct control *ctl;
	const char *path = node_config(n)->socket;
	struct stat st;
	mode_t old;
	int rc;

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			node_log(n, SDLOG_ERROR,
			    "%s exists and is not a socket", path);
			return -EEXIST;
		}
		if (control_in_use(path)) {
			node_log(n, SDLOG_ERROR,
			    "another daemon is listening on %s", path);
			return -EADDRINUSE;
		}
		unlink(path);
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL ||
	    (ctl->path = strdup(path)) == NULL) {
		free(ctl);
		return -ENOMEM;
	}
	ctl->node = n;
	ctl->srv.on_connection = control_connection;
	ctl->srv.on_stopped = control_stopped;
	/* Created with no access for others before anyone can connect. */
	old = umask(0177);
	rc = stream_server_pipe(loop, &ctl->srv, path, 64);
	umask(old);
	if (rc == 0 && chmod(path, 0600) != 0) {
		rc = -errno;
		stream_server_stop(&ctl->srv);
	}
	if (rc != 0) {
		node_log(n, SDLOG_ERROR, "control socket %s: %s", path,
		    uv_strerror(rc));
		return rc; /* freed when the listener has closed */
	}
	*out = ctl;
	return 0;
}

void
control_stop(struct control *ctl)
{
	if (ctl == NULL || ctl->srv.stopping)
		return;
	unlink(ctl->path);
	stream_server_stop(&ctl->srv);
}
