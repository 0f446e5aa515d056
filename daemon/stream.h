/*
 * stream: the one libuv stream layer of the daemon (as libuv's own
 * src/unix/stream.c holds what TCP and pipes share). The control socket,
 * the HTTP server and the peer connections each embed a struct stream as
 * their first member and recover themselves from it: it reads (into one
 * buffer shared by every stream on the loop, since a read callback
 * consumes its bytes at once), queues writes under a cap, carries an
 * optional timer, counts bytes, and closes once: a stream with work on
 * the thread pool closes when the last work comes back, and its memory
 * is the owner's again only in on_close.
 *
 * A stream_server is a listener with its list of streams and a cap.
 *
 * Loop thread only.
 */
#ifndef SD_STREAM_H
#define SD_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define STREAM_READ_BUF (64 * 1024)

struct stream;

/* n bytes arrived (valid only during the call). */
typedef void (*stream_read_cb)(struct stream *s, const uint8_t *p, size_t n);
/* The peer closed (UV_EOF) or reading or writing failed (status < 0). */
typedef void (*stream_error_cb)(struct stream *s, int status);
/* Every handle is closed: the owner frees the stream's memory. */
typedef void (*stream_close_cb)(struct stream *s);
/* The stream's timer fired. */
typedef void (*stream_timer_cb)(struct stream *s);

struct stream_server;

struct stream {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} u; /* first: the owner is recovered from the handle */
	uv_timer_t timer;
	struct stream_server *srv; /* NULL for a dialled stream */
	struct stream *prev, *next;
	stream_read_cb on_read;
	stream_error_cb on_error;
	stream_close_cb on_close;
	stream_timer_cb on_timer;
	size_t wqueue; /* bytes queued for writing */
	size_t wmax; /* more than this queued: the write fails */
	uint64_t bytes_in, bytes_out;
	int busy; /* works on the thread pool: closing waits for them */
	int ending; /* close once the queued writes are done */
	int handles; /* open libuv handles */
	int closing;
	int reading;
};

/* The callbacks a stream is made with. on_close is required. */
struct stream_ops {
	stream_read_cb on_read;
	stream_error_cb on_error;
	stream_close_cb on_close;
	stream_timer_cb on_timer;
	size_t wmax; /* 0: no cap */
};

struct stream_server {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} u;
	uv_loop_t *loop;
	int pipe; /* a Unix socket (else TCP) */
	struct stream *list; /* newest first */
	size_t count;
	int open; /* the listener handle is open */
	int stopping;
	/* A connection arrived (status 0): the owner allocates its stream
	 * and calls stream_accept, or refuses it with stream_refuse. */
	void (*on_connection)(struct stream_server *srv, int status);
	/* The listener and every stream are closed. */
	void (*on_stopped)(struct stream_server *srv);
	void *data;
};

/*
 * stream_init_tcp(loop, s, ops), stream_init_pipe(loop, s, ops): make s
 * (zeroed by the caller) a stream of that kind, not yet connected; its
 * timer too. 0 or a libuv error (nothing to close then).
 */
int stream_init_tcp(
    uv_loop_t *loop, struct stream *s, const struct stream_ops *ops);
int stream_init_pipe(
    uv_loop_t *loop, struct stream *s, const struct stream_ops *ops);

/* stream_read_start(s), stream_read_stop(s): start or pause on_read. */
int stream_read_start(struct stream *s);
void stream_read_stop(struct stream *s);

/*
 * stream_write(s, a, alen, b, blen): queue a then b (b may be NULL) as
 * one write; the bytes are copied. SD_ETOOBIG if the queue would pass
 * s->wmax (the peer is not reading; nothing is queued), -ENOMEM, or a
 * libuv error. A failed write later calls on_error.
 */
int stream_write(
    struct stream *s, const void *a, size_t alen, const void *b, size_t blen);

/*
 * stream_write_take(s, hdr, hlen, body, blen): queue hdr (copied) then
 * body, which is taken (freed once written, or at once on failure;
 * body may be NULL if blen is 0). For large answers not worth copying.
 */
int stream_write_take(
    struct stream *s, const void *hdr, size_t hlen, void *body, size_t blen);

/* stream_timer(s, ms): on_timer in ms (restarts it); stream_timer_stop. */
void stream_timer(struct stream *s, uint64_t ms);
void stream_timer_stop(struct stream *s);

/* stream_busy(s), stream_idle(s): a work for s went to the thread pool,
 * and came back. A close requested meanwhile happens at the last idle. */
void stream_busy(struct stream *s);
void stream_idle(struct stream *s);

/* stream_end(s): close once every queued write is done (an answer is
 * sent whole, then the connection closes), or after STREAM_END_MS if the
 * other side does not read it: an ending stream's timer is that
 * deadline (on_timer no longer called). */
#define STREAM_END_MS 10000
void stream_end(struct stream *s);

/* stream_close(s): close (once; deferred while busy); on_close follows.
 * Writes still queued are dropped. */
void stream_close(struct stream *s);

/* stream_peer_name(s, out, len): "ip:port" of a TCP stream's peer, or
 * "" if unknown. */
void stream_peer_name(struct stream *s, char *out, size_t len);

/*
 * stream_server_tcp(loop, srv, addr, backlog), stream_server_pipe(loop,
 * srv, path, backlog): listen. srv's on_connection (and data) must be
 * set before. On failure the listener is closed again (on_stopped
 * follows) and a libuv error returned.
 */
int stream_server_tcp(uv_loop_t *loop, struct stream_server *srv,
    const struct sockaddr *addr, int backlog);
int stream_server_pipe(
    uv_loop_t *loop, struct stream_server *srv, const char *path, int backlog);

/* stream_accept(srv, s): accept the waiting connection into s (made
 * with stream_init_*), linked into srv's list. On failure s is closed. */
int stream_accept(struct stream_server *srv, struct stream *s);

/* stream_refuse(srv): accept the waiting connection and drop it at once
 * (over a cap, out of memory). */
void stream_refuse(struct stream_server *srv);

/* stream_server_stop(srv): close the listener and every stream in the
 * list; on_stopped follows when all are closed. */
void stream_server_stop(struct stream_server *srv);

#endif
