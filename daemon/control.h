/*
 * control: the daemon's control socket, a Unix stream socket of mode 0600
 * on which the CLI sends length-prefixed Request frames and reads one
 * Response frame for each, in order. Requests run on libuv's thread pool
 * (node_handle), so the loop never waits for LMDB, fsync or signing.
 * Loop thread only.
 */
#ifndef SD_CONTROL_H
#define SD_CONTROL_H

#include <uv.h>

#include "node.h"

#define CONTROL_CONNS_MAX 64

struct control;

/* control_start(loop, n, out): bind n's socket path (refusing if another
 * daemon answers there, replacing a stale socket file) and listen. */
int control_start(uv_loop_t *loop, struct node *n, struct control **out);

/* control_stop(c): close the listener and every connection; the memory is
 * released from close callbacks, so run the loop until it ends. A request
 * already running finishes and its answer is dropped. */
void control_stop(struct control *c);

#endif
