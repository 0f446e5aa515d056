/* stardust fsck: check a node's store (store_fsck) without the daemon. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "store.h"

static void
fsck_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust fsck [--no-verify]\n"
	    "\n"
	    "Checks this node's store (data_dir/db of the configuration) in\n"
	    "one read snapshot; the daemon may keep running. Every record "
	    "must\n"
	    "decode, verify (its ed25519 signature) and validate under its "
	    "own\n"
	    "origin and seq; every member must point at its latest record;\n"
	    "live members and doc numbers must map both ways; every index "
	    "entry\n"
	    "a live member implies must be there and no other; the counters\n"
	    "must match; no watermark may be above its origin's highest "
	    "stored\n"
	    "seq. Prints each problem (at most 100) and a summary; exit "
	    "status\n"
	    "0 if clean, 1 if not.\n"
	    "\n"
	    "  --no-verify   skip signature verification (faster)\n");
}

static void
fsck_print(void *arg, const char *problem)
{
	(void)arg;
	printf("problem: %s\n", problem);
}

int
cmd_fsck(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-verify", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_fsck_stats fs;
	struct store *st = NULL;
	int opt, verify = 1, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': verify = 0; break;
		case 'h': fsck_usage(stdout); return CLI_OK;
		default: fsck_usage(stderr); return CLI_USAGE;
		}
	}
	if (optind != argc) {
		fsck_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_config(c) == NULL || cli_codes(c) == NULL)
		return CLI_FAIL;
	if ((rc = store_open(c->cfg->db_dir, c->codes, c->cfg->map_size_mb,
	         STORE_RDONLY, &st)) != 0) {
		cli_error("%s: %s", c->cfg->db_dir, sd_strerror(rc));
		return CLI_FAIL;
	}
	rc = store_fsck(st, verify, fsck_print, NULL, &fs);
	store_close(st);
	if (rc != 0) {
		cli_error("fsck: %s", sd_strerror(rc));
		return CLI_FAIL;
	}
	printf("%s: %" PRIu64 " records, %" PRIu64 " members (%" PRIu64
	       " live), %" PRIu64 " index entries%s; %" PRIu64 " problem%s\n",
	    fs.problems ? "NOT CLEAN" : "clean", fs.records, fs.members,
	    fs.live, fs.index, verify ? ", signatures verified" : "",
	    fs.problems, fs.problems == 1 ? "" : "s");
	if (fs.others > 0)
		printf("%" PRIu64 " record%s of a later release's kinds "
		       "(relayed, not indexed or shown)\n",
		    fs.others, fs.others == 1 ? "" : "s");
	return fs.problems ? CLI_FAIL : CLI_OK;
}
