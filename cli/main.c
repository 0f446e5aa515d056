/*
 * stardust: the command-line tool of a Stardust node. Talks to the local
 * stardustd over its control socket; `node init` and `federation ...`
 * work on files and need no daemon.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"

static const struct {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *what;
} commands[] = {
	{ "node", cmd_node, "node init: create a node (key, store, config)" },
	{ "federation", cmd_federation,
	    "federation init|admit|revoke: the federation root's tasks" },
	{ "cert", cmd_cert, "cert add FILE: give the node a root record" },
	{ "status", cmd_status, "the node's identity, certificate, counts" },
	{ "peers", cmd_peers, "peer connections and origins' watermarks" },
	{ "member", cmd_member, "member add|update|remove|show|list" },
	{ "import", cmd_import, "import FILE: load members from CSV or JSONL" },
	{ "export", cmd_export, "export: write members as JSON Lines" },
	{ "search", cmd_search, "search [TEXT] [filters]: partner search" },
	{ "match", cmd_match, "match MEMBER-ID: complementary partners" },
	{ "consortium", cmd_consortium,
	    "consortium --need TEXT...: groups covering needs" },
	{ "fsck", cmd_fsck, "fsck: check the store's consistency" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: stardust [-c CONFIG] COMMAND [ARGS...]\n\n"
	    "Stardust: a federated directory of organisations for "
	    "cross-border\n"
	    "partner search. This tool drives the local node (stardustd).\n\n"
	    "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].what);
	fprintf(f,
	    "\nOptions:\n"
	    "  -c CONFIG   the node's configuration file (default:\n"
	    "              $STARDUST_CONFIG, else ./stardust.conf)\n"
	    "  -h, --help  this help; `stardust COMMAND --help` (or\n"
	    "              `stardust help COMMAND`) for a command\n"
	    "  -V, --version  the release (`stardust status` shows the "
	    "daemon's)\n"
	    "\n"
	    "`node init` and `federation` work on files and need no daemon;\n"
	    "`fsck` reads the store directly, running daemon or not. The\n"
	    "other commands ask the node's stardustd over the control socket\n"
	    "named in the configuration; it is mode 0600, so run them as the\n"
	    "daemon's user.\n"
	    "Search, match and consortium answer from everything the node\n"
	    "holds, every node's members included.\n"
	    "\n"
	    "Environment:\n"
	    "  STARDUST_CONFIG  the configuration file when -c is not given\n"
	    "\n"
	    "Examples:\n"
	    "  stardust status --wait --timeout 60\n"
	    "  stardust import members.csv --dry-run\n"
	    "  stardust search recycling mining waste --country FI,LT,PL\n"
	    "  stardust consortium --need \"laser cutting\" --need robotics "
	    "\\\n"
	    "      --kind sme --min-members 3 --min-countries 3\n"
	    "\n"
	    "Errors go to stderr. Exit status: 0 success, 1 failure, 2 bad\n"
	    "usage.\n"
	    "See also: stardustd(8), docs/OPERATIONS.md, docs/SEARCH.md.\n");
}

int
main(int argc, char **argv)
{
	static char help[] = "--help";
	struct cli c;
	char *hv[3];
	const char *cmd;
	size_t i;
	int argi = 1, rc;

	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof(c));
	c.config_path = getenv("STARDUST_CONFIG");
	while (argi < argc && argv[argi][0] == '-') {
		if (strcmp(argv[argi], "-c") == 0 && argi + 1 < argc) {
			c.config_path = argv[argi + 1];
			argi += 2;
		} else if (strcmp(argv[argi], "-h") == 0 ||
		    strcmp(argv[argi], "--help") == 0) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[argi], "-V") == 0 ||
		    strcmp(argv[argi], "--version") == 0) {
			printf("stardust %s\n", SD_VERSION);
			return CLI_OK;
		} else {
			cli_error("unknown option '%s'", argv[argi]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (c.config_path == NULL)
		c.config_path = "stardust.conf";
	if (argi >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	cmd = argv[argi];
	if (strcmp(cmd, "help") == 0) {
		if (argi + 1 >= argc) {
			usage(stdout);
			return CLI_OK;
		}
		/* `stardust help COMMAND` is `stardust COMMAND --help`. */
		hv[0] = argv[argi + 1];
		hv[1] = help;
		hv[2] = NULL;
		cmd = hv[0];
		argv = hv;
		argc = 2;
		argi = 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		cli_error("unknown command '%s'", cmd);
		usage(stderr);
		return CLI_USAGE;
	}
	rc = commands[i].fn(&c, argc - argi, argv + argi);
	client_close(c.client);
	config_free(c.cfg);
	codes_free(c.codes);
	return rc;
}
