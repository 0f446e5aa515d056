/*
 * stardustd: a Stardust node. Loads the configuration, detaches, opens
 * the node (daemon/node.h), and runs the loop: the control socket
 * (control.h), the peers and their sync thread (peer.h), the HTTP API
 * (http.h), until SIGTERM or SIGINT.
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
#include "err.h"
#include "http.h"
#include "node.h"
#include "peer.h"
#include "query.h"
#include "slog.h"

struct daemon {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	struct node *node;
	struct control *ctl;
	struct peers *peers;
	struct http *http;
};

/* The synopsis only: after a usage error. */
static void
usage_short(FILE *f)
{
	fprintf(f,
	    "usage: stardustd -f CONFIG [-d] [-n]\n"
	    "(stardustd --help for the options)\n");
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: stardustd -f CONFIG [-d] [-n]\n"
	    "       stardustd -h | --help | -V | --version\n"
	    "\n"
	    "Runs a Stardust node: stores its region's organisations in LMDB\n"
	    "(<data_dir>/db), signs what it publishes with the node's ed25519\n"
	    "key, gossips signed records with its peers over authenticated,\n"
	    "encrypted TCP links (`listen`, `peers`) and answers the stardust\n"
	    "CLI on a 0600 Unix control socket (`socket`).\n"
	    "\n"
	    "Options:\n"
	    "  -f, --config CONFIG  the node's configuration file (INI, one\n"
	    "                       [node] section), made by `stardust node\n"
	    "                       init`\n"
	    "  -d, --foreground     stay in the foreground (for systemd, "
	    "tests\n"
	    "                       and terminals)\n"
	    "  -n, --check          check the configuration, print every key\n"
	    "                       with its effective value and exit\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        the release and the sync protocol it "
	    "speaks\n"
	    "\n"
	    "Configuration keys ([node] section; docs/OPERATIONS.md has each\n"
	    "in full):\n"
	    "  name             a label for people and logs (stardust)\n"
	    "  data_dir         the node's directory (the file's directory)\n"
	    "  root_key         the federation root's public key, 64 hex\n"
	    "                   digits (required)\n"
	    "  key_file         the node's secret key (<data_dir>/node.key)\n"
	    "  socket           the control socket (<data_dir>/control.sock)\n"
	    "  map_size_mb      largest size of the store in MiB (4096)\n"
	    "  log_level        error, warn, info or debug (info)\n"
	    "  log              auto, stderr, file or syslog (auto)\n"
	    "  listen           ip:port on which to accept peers (none)\n"
	    "  http             ip:port of the HTTP API and web page (none;\n"
	    "                   docs/API.md)\n"
	    "  peers            comma-separated ip:port of peers to dial\n"
	    "  gossip_ms        interval of digests to peers (1000)\n"
	    "  max_outbound     outbound peers to keep, 0 to 64 (8)\n"
	    "  max_inbound      certified inbound peers to keep, 0 to 256 "
	    "(16)\n"
	    "  publish_wait_ms  after a start, how long writes wait for a\n"
	    "                   peer's digest (5000)\n"
	    "\n"
	    "Logging: `log = auto` logs to stderr with -d, else to\n"
	    "<data_dir>/stardustd.log; `stderr` always to standard error "
	    "(also\n"
	    "when detached: redirect it); `file` always to\n"
	    "<data_dir>/stardustd.log; `syslog` to syslog, facility daemon,\n"
	    "ident stardustd, priorities err, warning, info and debug.\n"
	    "\n"
	    "Without -d the daemon detaches and writes its pid to\n"
	    "<data_dir>/stardustd.pid; the command returns when the node is\n"
	    "ready (exit 0) or has failed to start (exit 1). A second daemon "
	    "on\n"
	    "the same socket refuses to start. SIGTERM or SIGINT stop the "
	    "daemon\n"
	    "cleanly: the listeners close, requests in flight finish, the\n"
	    "store is closed and the socket removed.\n"
	    "\n"
	    "Exit status: 0 success, 1 failure, 2 bad usage.\n"
	    "See also: stardust(1), stardust --help, docs/OPERATIONS.md.\n");
}

static void
daemon_signal_cb(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;

	node_log(d->node, SDLOG_INFO, "signal %d: shutting down", signum);
	control_stop(d->ctl);
	d->ctl = NULL;
	peers_stop(d->peers);
	d->peers = NULL;
	http_stop(d->http);
	d->http = NULL;
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
}

/* Opens <data_dir>/stardustd.log for appending into *fd (its path in
 * path); 0, or -1 after printing why. */
static int
daemon_log_open(const struct config *cfg, char *path, size_t len, int *fd)
{
	snprintf(path, len, "%s/stardustd.log", cfg->data_dir);
	*fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (*fd < 0) {
		fprintf(stderr, "stardustd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Detaches from the terminal. The first process waits on a pipe until the
 * daemon says it is ready (a byte) or fails (end of file), so the operator
 * sees a failed start in the exit status instead of in the log only. On
 * return, *ready is the daemon's end of that pipe (see daemon_ready). mode (CONFIG_LOG_FILE,
 * _STDERR or _SYSLOG) says where stderr goes: the log file, where it was,
 * or /dev/null (the lines go to syslog).
 */
static int
daemon_detach(const struct config *cfg, int mode, int *ready)
{
	char path[4096], c;
	pid_t pid;
	int fd = -1, nul, pfd[2];

	if (mode == CONFIG_LOG_FILE &&
	    daemon_log_open(cfg, path, sizeof(path), &fd) != 0)
		return -1;
	if (pipe(pfd) != 0 || (pid = fork()) < 0) {
		fprintf(stderr, "stardustd: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &c, 1) == 1)
			_exit(0);
		if (mode == CONFIG_LOG_FILE)
			fprintf(stderr, "stardustd: failed to start; see %s\n",
			    path);
		else if (mode == CONFIG_LOG_SYSLOG)
			fprintf(stderr,
			    "stardustd: failed to start; see the "
			    "system log (ident stardustd)\n");
		else
			fprintf(stderr, "stardustd: failed to start\n");
		_exit(1);
	}
	close(pfd[0]);
	setsid();
	if ((pid = fork()) < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if ((nul = open("/dev/null", O_RDWR)) >= 0) {
		dup2(nul, STDIN_FILENO);
		dup2(fd >= 0 ? fd : nul, STDOUT_FILENO);
		if (mode != CONFIG_LOG_STDERR)
			dup2(fd >= 0 ? fd : nul, STDERR_FILENO);
		close(nul);
	}
	if (fd >= 0)
		close(fd);
	*ready = pfd[1];
	return 0;
}

/*
 * Tells the waiting first process that the node is ready, after writing
 * the pid file: only now, so that a second daemon refused for a socket in
 * use does not overwrite the pid of the one running.
 */
static void
daemon_ready(const struct config *cfg, int ready)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stardustd.pid", cfg->data_dir);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	(void)!write(ready, "1", 1);
	close(ready);
}

/* A failed start before there is a node to log it: on stderr and, with
 * `log = syslog`, to syslog too (a detached daemon's stderr is then
 * /dev/null). */
static void
daemon_fail(int mode, const char *name, const char *msg)
{
	fprintf(stderr, "stardustd: %s\n", msg);
	if (mode == CONFIG_LOG_SYSLOG)
		slog_write(SDLOG_ERROR, name, msg);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "foreground", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d;
	struct config *cfg = NULL;
	const char *path = NULL;
	char err[512], name[128], logpath[4096];
	int opt, foreground = 0, check = 0, rc, ready = -1, mode, fd;

	memset(&d, 0, sizeof(d));
	query_tune_malloc();
	while (
	    (opt = getopt_long(argc, argv, "f:dnhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': path = optarg; break;
		case 'd': foreground = 1; break;
		case 'n': check = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V':
			printf("stardustd %s (sync protocol %d)\n", SD_VERSION,
			    SYNC_VERSION);
			return 0;
		default: usage_short(stderr); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage_short(stderr);
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
	mode = cfg->log;
	if (mode == CONFIG_LOG_AUTO)
		mode = foreground ? CONFIG_LOG_STDERR : CONFIG_LOG_FILE;
	if (foreground && mode == CONFIG_LOG_FILE) {
		if (daemon_log_open(cfg, logpath, sizeof(logpath), &fd) != 0) {
			config_free(cfg);
			return 1;
		}
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	if (!foreground && daemon_detach(cfg, mode, &ready) != 0) {
		config_free(cfg);
		return 1;
	}
	snprintf(name, sizeof(name), "%s", cfg->name);
	if (mode == CONFIG_LOG_SYSLOG)
		slog_open("stardustd");
	/* node_open frees cfg if it fails. */
	if ((rc = node_open(cfg, &d.node, err, sizeof(err))) != 0) {
		daemon_fail(mode, name, err);
		slog_close();
		return 1;
	}
	uv_loop_init(&d.loop);
	if ((rc = control_start(&d.loop, d.node, &d.ctl)) != 0) {
		uv_run(&d.loop, UV_RUN_DEFAULT);
		uv_loop_close(&d.loop);
		node_close(d.node);
		slog_close();
		return 1;
	}
	if ((rc = peers_start(&d.loop, d.node, &d.peers)) != 0) {
		control_stop(d.ctl);
		peers_stop(d.peers);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		uv_loop_close(&d.loop);
		node_close(d.node);
		slog_close();
		return 1;
	}
	if ((rc = http_start(&d.loop, d.node, &d.http)) != 0) {
		control_stop(d.ctl);
		peers_stop(d.peers);
		http_stop(d.http);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		uv_loop_close(&d.loop);
		node_close(d.node);
		slog_close();
		return 1;
	}
	uv_signal_init(&d.loop, &d.sigint);
	uv_signal_init(&d.loop, &d.sigterm);
	d.sigint.data = d.sigterm.data = &d;
	uv_signal_start(&d.sigint, daemon_signal_cb, SIGINT);
	uv_signal_start(&d.sigterm, daemon_signal_cb, SIGTERM);
	{
		char hex[65];
		key_public_hex(node_public_key(d.node), hex);
		if (ready >= 0)
			daemon_ready(node_config(d.node), ready);
		node_log(d.node, SDLOG_INFO,
		    "node %s ready on %s (seq %llu; stardustd %s)", hex,
		    node_config(d.node)->socket,
		    (unsigned long long)node_seq(d.node), SD_VERSION);
	}
	uv_run(&d.loop, UV_RUN_DEFAULT);
	rc = uv_loop_close(&d.loop);
	node_log(d.node, SDLOG_INFO, "stopped");
	node_close(d.node);
	slog_close();
	return rc == 0 ? 0 : 1;
}
