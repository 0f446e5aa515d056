/* Commands on identities: node init, federation init|admit|revoke,
 * cert add. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "key.h"
#include "record.h"
#include "store.h"

static void
node_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust node init --dir DIR --root-key HEX [--name NAME]\n"
	    "\n"
	    "Creates a node in DIR (made if missing, mode 0700): an ed25519\n"
	    "identity key in DIR/node.key (mode 0600), the LMDB store in\n"
	    "DIR/db and the configuration DIR/stardust.conf. Prints the "
	    "node's\n"
	    "public key, which the federation operator admits with\n"
	    "`stardust federation admit`.\n"
	    "\n"
	    "  --dir DIR        the node's data directory\n"
	    "  --root-key HEX   the federation root's public key (64 hex)\n"
	    "  --name NAME      a label for the node (default: stardust)\n");
}

static int
cli_mkdir(const char *dir)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cli_error("%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int
cli_name_ok(const char *name)
{
	return name[0] != '\0' && record_text_ok(name, 200, 0) &&
	    strchr(name, '#') == NULL && strchr(name, ';') == NULL;
}

int
cmd_node(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "root-key", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *root = NULL, *name = "stardust";
	char path[PATH_MAX], hex[65];
	uint8_t rk[32];
	struct key *k = NULL;
	struct store *st = NULL;
	int opt, rc = CLI_FAIL;

	(void)c;
	if (argc < 2 || strcmp(argv[1], "init") != 0) {
		if (cli_help_requested(argc, argv)) {
			node_usage(stdout);
			return CLI_OK;
		}
		node_usage(stderr);
		return CLI_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'r': root = optarg; break;
		case 'n': name = optarg; break;
		case 'h': node_usage(stdout); return CLI_OK;
		default: node_usage(stderr); return CLI_USAGE;
		}
	}
	if (dir == NULL || root == NULL || optind != argc) {
		node_usage(stderr);
		return CLI_USAGE;
	}
	if (key_public_parse(root, rk) != 0) {
		cli_error("--root-key must be 64 hex digits");
		return CLI_USAGE;
	}
	if (!cli_name_ok(name)) {
		cli_error("--name must be 1-200 characters of text without "
		          "'#' or ';'");
		return CLI_USAGE;
	}
	if (cli_mkdir(dir) != 0)
		return CLI_FAIL;
	snprintf(path, sizeof(path), "%s/node.key", dir);
	if (access(path, F_OK) == 0) {
		cli_error(
		    "%s already exists: this directory holds a node", path);
		return CLI_FAIL;
	}
	if (key_generate(&k) != 0 || key_save(k, path) != 0) {
		cli_error("%s: cannot write the key", path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/db", dir);
	if (cli_codes(c) == NULL)
		goto out;
	if ((rc = store_open(path, c->codes, 4096, 0, &st)) != 0) {
		cli_error("%s: %s", path, sd_strerror(rc));
		rc = CLI_FAIL;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/stardust.conf", dir);
	key_public_hex(rk, hex);
	if ((rc = config_write_new(path, name, hex)) != 0) {
		cli_error("%s: %s", path, sd_strerror(rc));
		rc = CLI_FAIL;
		goto out;
	}
	key_public_hex(k->pk, hex);
	printf("node key: %s\nconfig:   %s\n", hex, path);
	rc = CLI_OK;
out:
	store_close(st);
	key_free(k);
	return rc;
}

/* ---- federation ---- */

static void
fed_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust federation init --dir ROOTDIR\n"
	    "       stardust federation admit NODE_KEY --dir ROOTDIR --name "
	    "NAME\n"
	    "            --countries CC[,CC...] [--nuts CODE[,CODE...]]\n"
	    "            [--address HOST:PORT]... [--days N] -o FILE\n"
	    "       stardust federation revoke NODE_KEY --dir ROOTDIR\n"
	    "            [--reason TEXT] -o FILE\n"
	    "\n"
	    "The federation operator's tasks. `init` creates the root key in\n"
	    "ROOTDIR (root.key, mode 0600) and prints its public key: every\n"
	    "node is configured with it. `admit` signs a NodeCert allowing\n"
	    "NODE_KEY to publish members of the given countries (and, if\n"
	    "--nuts is given, only of those NUTS regions in their countries),\n"
	    "valid for --days (default 365). `revoke` signs a Revocation.\n"
	    "Both write the signed record to FILE; give it to a node with\n"
	    "`stardust cert add FILE`. Root records are numbered from\n"
	    "ROOTDIR/seq, which must be kept with the key.\n");
}

/* Reads ROOTDIR/seq, adds one and writes it back durably. */
static int
fed_next_seq(const char *dir, uint64_t *seq)
{
	char path[PATH_MAX], tmp[PATH_MAX], buf[32];
	FILE *f;
	int fd;
	unsigned long long cur = 0;

	snprintf(path, sizeof(path), "%s/seq", dir);
	snprintf(tmp, sizeof(tmp), "%s/seq.tmp", dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%llu", &cur) != 1) {
			fclose(f);
			cli_error("%s: malformed", path);
			return -1;
		}
		fclose(f);
	}
	*seq = cur + 1;
	snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)*seq);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) <
	        0 ||
	    write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf) ||
	    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
fed_write(const char *out, const uint8_t *rec, size_t len)
{
	int fd;

	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) <
	        0 ||
	    write(fd, rec, len) != (ssize_t)len || fsync(fd) != 0 ||
	    close(fd) != 0) {
		cli_error("%s: %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

int
cmd_federation(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "countries", required_argument, NULL, 'C' },
		{ "nuts", required_argument, NULL, 'N' },
		{ "address", required_argument, NULL, 'a' },
		{ "days", required_argument, NULL, 'D' },
		{ "reason", required_argument, NULL, 'R' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	Sd__NodeCert nc = SD__NODE_CERT__INIT;
	Sd__Revocation rv = SD__REVOCATION__INIT;
	Sd__RecordBody body = SD__RECORD_BODY__INIT;
	const char *sub, *dir = NULL, *name = NULL, *reason = NULL, *out = NULL;
	char **countries = NULL, **nuts = NULL, **addrs = NULL;
	size_t ncountries = 0, nnuts = 0, naddrs = 0, blen, rlen;
	char path[PATH_MAX], hex[65], err[256];
	uint8_t nodekey[32], *bbuf = NULL, *rec = NULL;
	struct key *k = NULL;
	uint64_t seq;
	long days = 365;
	int opt, rc = CLI_FAIL, i;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		fed_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	sub = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'n': name = optarg; break;
		case 'C':
			if (cli_split_add(&countries, &ncountries, optarg) != 0)
				goto out;
			break;
		case 'N':
			if (cli_split_add(&nuts, &nnuts, optarg) != 0)
				goto out;
			break;
		case 'a':
			if (cli_split_add(&addrs, &naddrs, optarg) != 0)
				goto out;
			break;
		case 'D': {
			char *end;
			days = strtol(optarg, &end, 10);
			if (*end || days < 1 || days > 36500) {
				cli_error("--days must be 1 to 36500");
				rc = CLI_USAGE;
				goto out;
			}
			break;
		}
		case 'R': reason = optarg; break;
		case 'o': out = optarg; break;
		case 'h':
			fed_usage(stdout);
			rc = CLI_OK;
			goto out;
		default:
			fed_usage(stderr);
			rc = CLI_USAGE;
			goto out;
		}
	}
	if (dir == NULL) {
		fed_usage(stderr);
		rc = CLI_USAGE;
		goto out;
	}
	if (strcmp(sub, "init") == 0) {
		if (optind != argc) {
			fed_usage(stderr);
			rc = CLI_USAGE;
			goto out;
		}
		if (cli_mkdir(dir) != 0)
			goto out;
		snprintf(path, sizeof(path), "%s/root.key", dir);
		if (key_generate(&k) != 0 || (i = key_save(k, path)) != 0) {
			cli_error("%s: cannot create the root key (%s)", path,
			    access(path, F_OK) == 0 ? "it exists already"
			                            : strerror(errno));
			goto out;
		}
		key_public_hex(k->pk, hex);
		snprintf(path, sizeof(path), "%s/root.pub", dir);
		{
			FILE *f = fopen(path, "w");
			if (f != NULL) {
				fprintf(f, "%s\n", hex);
				fclose(f);
			}
		}
		printf("root key: %s\n", hex);
		rc = CLI_OK;
		goto out;
	}
	if (strcmp(sub, "admit") != 0 && strcmp(sub, "revoke") != 0) {
		cli_error("unknown federation command '%s'", sub);
		fed_usage(stderr);
		rc = CLI_USAGE;
		goto out;
	}
	if (optind + 1 != argc || out == NULL ||
	    key_public_parse(argv[optind], nodekey) != 0) {
		cli_error("give one NODE_KEY (64 hex digits) and -o FILE");
		rc = CLI_USAGE;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/root.key", dir);
	if ((i = key_load(path, &k)) != 0) {
		cli_error("%s: %s", path, sd_strerror(i));
		goto out;
	}
	if (cli_codes(c) == NULL)
		goto out;
	body.signed_at_ms = record_now_ms();
	if (strcmp(sub, "admit") == 0) {
		if (name == NULL || ncountries == 0) {
			cli_error("admit needs --name and --countries");
			rc = CLI_USAGE;
			goto out;
		}
		/* Codes as typed, in their official form (any case; EL,
		 * UK: GR, GB). Prefixes keep NUTS' own country codes. */
		for (i = 0; i < (int)ncountries; i++) {
			char cc[3];
			if (codes_norm_country(
			        c->codes, countries[i], cc, sizeof(cc)) == 0)
				memcpy(countries[i], cc, sizeof(cc));
		}
		for (i = 0; i < (int)nnuts; i++) {
			char *q;
			for (q = nuts[i]; *q != '\0'; q++)
				*q = (char)toupper((unsigned char)*q);
		}
		nc.node_key.data = nodekey;
		nc.node_key.len = 32;
		nc.name = (char *)name;
		nc.countries = countries;
		nc.n_countries = ncountries;
		nc.nuts_prefixes = nuts;
		nc.n_nuts_prefixes = nnuts;
		nc.addresses = addrs;
		nc.n_addresses = naddrs;
		nc.not_after_ms =
		    body.signed_at_ms + (uint64_t)days * 86400000u;
		if (record_cert_validate(c->codes, &nc, err, sizeof(err)) !=
		    0) {
			cli_error("%s", err);
			rc = CLI_USAGE;
			goto out;
		}
		body.kind_case = SD__RECORD_BODY__KIND_NODE_CERT;
		body.node_cert = &nc;
	} else {
		rv.node_key.data = nodekey;
		rv.node_key.len = 32;
		rv.reason = (char *)reason;
		body.kind_case = SD__RECORD_BODY__KIND_REVOCATION;
		body.revocation = &rv;
	}
	blen = sd__record_body__get_packed_size(&body);
	if ((bbuf = malloc(blen)) == NULL)
		goto out;
	sd__record_body__pack(&body, bbuf);
	if (fed_next_seq(dir, &seq) != 0)
		goto out;
	if ((i = record_sign(k, seq, bbuf, blen, &rec, &rlen)) != 0) {
		cli_error("signing: %s", sd_strerror(i));
		goto out;
	}
	if (fed_write(out, rec, rlen) != 0)
		goto out;
	printf("%s record %" PRIu64 " written to %s\n",
	    strcmp(sub, "admit") == 0 ? "certificate" : "revocation", seq, out);
	rc = CLI_OK;
out:
	cli_strv_free(countries, ncountries);
	cli_strv_free(nuts, nnuts);
	cli_strv_free(addrs, naddrs);
	free(bbuf);
	free(rec);
	key_free(k);
	return rc;
}

/* ---- cert add ---- */

int
cmd_cert(struct cli *c, int argc, char **argv)
{
	Sd__Request req = SD__REQUEST__INIT;
	Sd__AddCert ac = SD__ADD_CERT__INIT;
	Sd__Response *resp = NULL;
	uint8_t buf[RECORD_MAX_BYTES + 1];
	FILE *f;
	size_t n;
	int rc;

	if (cli_help_requested(argc, argv) || argc != 3 ||
	    strcmp(argv[1], "add") != 0) {
		FILE *o = cli_help_requested(argc, argv) ? stdout : stderr;
		fprintf(o,
		    "usage: stardust cert add FILE\n\n"
		    "Gives the node a record signed by the federation root: a\n"
		    "node certificate (from `stardust federation admit`) or a\n"
		    "revocation. The node checks the root's signature.\n");
		return o == stdout ? CLI_OK : CLI_USAGE;
	}
	if ((f = fopen(argv[2], "rb")) == NULL) {
		cli_error("%s: %s", argv[2], strerror(errno));
		return CLI_FAIL;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n > RECORD_MAX_BYTES) {
		cli_error("%s: larger than a record can be", argv[2]);
		return CLI_FAIL;
	}
	ac.record.data = buf;
	ac.record.len = n;
	req.op_case = SD__REQUEST__OP_ADD_CERT;
	req.add_cert = &ac;
	rc = cli_call(c, &req, &resp);
	if (rc == CLI_OK)
		printf("%s\n", resp->message ? resp->message : "stored");
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	return rc;
}
