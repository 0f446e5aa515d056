/*
 * stardustd: a Stardust node. Opens the node's store, holds its identity
 * key and seq counter, and serves the control socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "control.h"
#include "http.h"
#include "err.h"
#include "node.h"
#include "peer.h"
#include "query.h"

struct daemon {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	struct node *node;
	struct control *ctl;
	struct peers *peers;
	struct http *http;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: stardustd -f CONFIG [-d] [-n]\n"
	    "\n"
	    "Runs a Stardust node: stores its region's organisations in LMDB,\n"
	    "signs what it publishes and answers the stardust CLI on a 0600\n"
	    "Unix control socket.\n"
	    "\n"
	    "  -f CONFIG  the node's configuration file (see "
	    "docs/OPERATIONS.md)\n"
	    "  -d         stay in the foreground and log to stderr\n"
	    "  -n         check the configuration, print it and exit\n"
	    "  -h         this help\n"
	    "\n"
	    "Without -d the daemon detaches and logs to "
	    "<data_dir>/stardustd.log;\n"
	    "its pid is in <data_dir>/stardustd.pid. SIGTERM or SIGINT stop "
	    "it\n"
	    "cleanly.\n");
}

static void
daemon_signal_cb(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;

	node_log(d->node, LOG_INFO, "signal %d: shutting down", signum);
	control_stop(d->ctl);
	d->ctl = NULL;
	peers_stop(d->peers);
	d->peers = NULL;
	http_stop(d->http);
	d->http = NULL;
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
}

/*
 * Detaches from the terminal. The first process waits on a pipe until the
 * daemon says it is ready (a byte) or fails (end of file), so the operator
 * sees a failed start in the exit status instead of in the log only. On
 * return, *ready is the daemon's end of that pipe.
 */
static int
daemon_detach(const struct config *cfg, int *ready)
{
	char path[4096], c;
	pid_t pid;
	int fd, pfd[2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stardustd.log", cfg->data_dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) <
	    0) {
		fprintf(stderr, "stardustd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (pipe(pfd) != 0 || (pid = fork()) < 0) {
		fprintf(stderr, "stardustd: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &c, 1) == 1)
			_exit(0);
		fprintf(stderr, "stardustd: failed to start; see %s\n", path);
		_exit(1);
	}
	close(pfd[0]);
	setsid();
	if ((pid = fork()) < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	dup2(fd, STDERR_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/stardustd.pid", cfg->data_dir);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	*ready = pfd[1];
	return 0;
}

int
main(int argc, char **argv)
{
	struct daemon d;
	struct config *cfg = NULL;
	const char *path = NULL;
	char err[512];
	int opt, foreground = 0, check = 0, rc, ready = -1;

	memset(&d, 0, sizeof(d));
	query_tune_malloc();
	while ((opt = getopt(argc, argv, "f:dnh")) != -1) {
		switch (opt) {
		case 'f': path = optarg; break;
		case 'd': foreground = 1; break;
		case 'n': check = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((rc = config_load(path, &cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "stardustd: %s\n", err);
		return 1;
	}
	if (check) {
		config_print(cfg, stdout);
		config_free(cfg);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!foreground && daemon_detach(cfg, &ready) != 0) {
		config_free(cfg);
		return 1;
	}
	if ((rc = node_open(cfg, &d.node, err, sizeof(err))) != 0) {
		fprintf(stderr, "stardustd: %s\n", err);
		return 1;
	}
	uv_loop_init(&d.loop);
	if ((rc = control_start(&d.loop, d.node, &d.ctl)) != 0) {
		uv_run(&d.loop, UV_RUN_DEFAULT);
		uv_loop_close(&d.loop);
		node_close(d.node);
		return 1;
	}
	if ((rc = peers_start(&d.loop, d.node, &d.peers)) != 0) {
		control_stop(d.ctl);
		peers_stop(d.peers);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		uv_loop_close(&d.loop);
		node_close(d.node);
		return 1;
	}
	if ((rc = http_start(&d.loop, d.node, &d.http)) != 0) {
		control_stop(d.ctl);
		peers_stop(d.peers);
		http_stop(d.http);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		uv_loop_close(&d.loop);
		node_close(d.node);
		return 1;
	}
	uv_signal_init(&d.loop, &d.sigint);
	uv_signal_init(&d.loop, &d.sigterm);
	d.sigint.data = d.sigterm.data = &d;
	uv_signal_start(&d.sigint, daemon_signal_cb, SIGINT);
	uv_signal_start(&d.sigterm, daemon_signal_cb, SIGTERM);
	{
		char hex[65];
		key_public_hex(d.node->key->pk, hex);
		if (ready >= 0) {
			(void)!write(ready, "1", 1);
			close(ready);
		}
		node_log(d.node, LOG_INFO, "node %s ready on %s (seq %llu)",
		    hex, d.node->cfg->socket, (unsigned long long)d.node->seq);
	}
	uv_run(&d.loop, UV_RUN_DEFAULT);
	rc = uv_loop_close(&d.loop);
	node_log(d.node, LOG_INFO, "stopped");
	node_close(d.node);
	return rc == 0 ? 0 : 1;
}
