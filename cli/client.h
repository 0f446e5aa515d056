/*
 * client: the CLI's side of the control socket. One connection, blocking
 * request/response in order. Not thread-safe; one per thread.
 */
#ifndef SD_CLIENT_H
#define SD_CLIENT_H

#include "ctl.h"

struct client;

/* client_connect(path, out): connect to the daemon's socket at path. */
int client_connect(const char *path, struct client **out);

/* client_close(c): disconnect; NULL harmless. */
void client_close(struct client *c);

/*
 * client_call(c, req, resp): send req (its version is set here) and read
 * the response into *resp (free with sd__response__free_unpacked). A
 * transport or decoding failure returns a negative code; a daemon-side
 * error is reported in (*resp)->code and message with 0 returned.
 */
int client_call(struct client *c, Sd__Request *req, Sd__Response **resp);

#endif
