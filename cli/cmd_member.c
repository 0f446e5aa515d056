/* Commands on members: member add|update|remove|show|list, import,
 * export. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "hex.h"
#include "import.h"
#include "memberio.h"
#include "record.h"
#include "result.h"

#define IMPORT_BATCH_DEFAULT 2000
#define IMPORT_REQUEST_BYTES (16u * 1024 * 1024)

static void
member_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust member add --name NAME --kind KIND --country CC "
	    "[FIELDS]\n"
	    "       stardust member update ID [FIELDS]\n"
	    "       stardust member remove ID\n"
	    "       stardust member show ID [--origin KEY] [--json]\n"
	    "       stardust member list [--all] [--json] [--limit N]\n"
	    "\n"
	    "Members are organisations this node publishes (signed with its\n"
	    "key) or has received. ID is the member's 32-hex-digit id, "
	    "printed\n"
	    "by add, list and search. `add` derives the id from the country "
	    "and\n"
	    "name unless --id is given; `update` changes only the fields "
	    "given\n"
	    "(a list option replaces that list); `remove` publishes a "
	    "tombstone\n"
	    "that erases the member everywhere.\n"
	    "\n"
	    "FIELDS:\n"
	    "  --name TEXT  --kind sme|large|cluster|rto|university|agency|"
	    "network|investor\n"
	    "  --country CC (ISO 3166-1)   --region NUTS (NUTS 2024, in CC)\n"
	    "  --city TEXT  --website URL  --email ADDR  --phone NUMBER\n"
	    "  --description TEXT  --employees N  --founded YEAR\n"
	    "  --sector NACE (repeatable; --nace-rev 2 or 2.1, default 2.1)\n"
	    "  --capability TEXT  --offer TEXT  --seek TEXT  --language xx\n"
	    "  --membership ID    (each repeatable, or ';'-separated)\n"
	    "  --id HEX    (add only) choose the id\n");
}

static const struct option member_opts[] = {
	{ "id", required_argument, NULL, 'i' },
	{ "name", required_argument, NULL, 1 },
	{ "kind", required_argument, NULL, 2 },
	{ "country", required_argument, NULL, 3 },
	{ "region", required_argument, NULL, 4 },
	{ "city", required_argument, NULL, 5 },
	{ "website", required_argument, NULL, 6 },
	{ "email", required_argument, NULL, 7 },
	{ "phone", required_argument, NULL, 8 },
	{ "description", required_argument, NULL, 9 },
	{ "employees", required_argument, NULL, 10 },
	{ "founded", required_argument, NULL, 11 },
	{ "nace-rev", required_argument, NULL, 12 },
	{ "sector", required_argument, NULL, 20 },
	{ "capability", required_argument, NULL, 21 },
	{ "offer", required_argument, NULL, 22 },
	{ "seek", required_argument, NULL, 23 },
	{ "language", required_argument, NULL, 24 },
	{ "membership", required_argument, NULL, 25 },
	{ "origin", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "all", no_argument, NULL, 'a' },
	{ "limit", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *
member_field_of(int opt)
{
	static const char *scalar[] = { NULL, "name", "kind", "country",
		"region", "city", "website", "email", "phone", "description",
		"employees", "founded", "nace_rev" };
	static const char *lists[] = { "sectors", "capabilities", "offers",
		"seeks", "languages", "memberships" };

	if (opt == 'i')
		return "id";
	if (opt >= 1 && opt <= 12)
		return scalar[opt];
	if (opt >= 20 && opt <= 25)
		return lists[opt - 20];
	return NULL;
}

/* Fetches the live member ID (any origin unless origin given). */
static int
member_fetch(struct cli *c, const uint8_t id[16], const uint8_t *origin,
    Sd__Response **resp)
{
	Sd__Request req = SD__REQUEST__INIT;
	Sd__GetMember gm = SD__GET_MEMBER__INIT;

	gm.id.data = (uint8_t *)id;
	gm.id.len = 16;
	if (origin != NULL) {
		gm.has_origin = 1;
		gm.origin.data = (uint8_t *)origin;
		gm.origin.len = 32;
	}
	req.op_case = SD__REQUEST__OP_GET;
	req.get = &gm;
	return cli_call(c, &req, resp);
}

static int
member_put(struct cli *c, Sd__Member *m, uint32_t mode)
{
	Sd__Request req = SD__REQUEST__INIT;
	Sd__PutMembers pm = SD__PUT_MEMBERS__INIT;
	Sd__Response *resp = NULL;
	char hex[33];
	size_t i;
	int rc;

	pm.members = &m;
	pm.n_members = 1;
	pm.has_mode = 1;
	pm.mode = mode;
	req.op_case = SD__REQUEST__OP_PUT;
	req.put = &pm;
	rc = cli_call(c, &req, &resp);
	if (resp != NULL)
		for (i = 0; i < resp->n_row_errors; i++)
			cli_error("%s", resp->row_errors[i]->message);
	if (rc == CLI_OK) {
		hex_encode(m->id.data, MEMBER_ID_BYTES, hex);
		printf("%s %s\n", hex, mode == 1 ? "added" : "updated");
	}
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	return rc;
}

static int
member_list(struct cli *c, int all, int json, size_t limit)
{
	Sd__Request req = SD__REQUEST__INIT;
	Sd__ListMembers lm = SD__LIST_MEMBERS__INIT;
	Sd__Response *resp = NULL, *st = NULL;
	Sd__Request sreq = SD__REQUEST__INIT;
	uint8_t after[CTL_MEMBER_KEY_BYTES], own[32];
	size_t shown = 0, i;
	int rc, have_after = 0;

	sreq.op_case = SD__REQUEST__OP_STATUS;
	sreq.status = 1;
	if ((rc = cli_call(c, &sreq, &st)) != CLI_OK || st->status == NULL) {
		if (st)
			sd__response__free_unpacked(st, NULL);
		return CLI_FAIL;
	}
	memcpy(own, st->status->node_key.data, 32);
	sd__response__free_unpacked(st, NULL);
	if (!json) {
		cli_cell(stdout, "ID", 33);
		cli_cell(stdout, "NAME", 37);
		cli_cell(stdout, "KIND", 11);
		cli_cell(stdout, "CC", 3);
		cli_cell(stdout, "REGION", 7);
		printf("CITY\n");
	}
	do {
		lm.has_origin = !all;
		lm.origin.data = own;
		lm.origin.len = all ? 0 : 32;
		lm.has_after = have_after;
		lm.after.data = after;
		lm.after.len = have_after ? CTL_MEMBER_KEY_BYTES : 0;
		lm.has_limit = 1;
		lm.limit = 1000;
		req.op_case = SD__REQUEST__OP_LIST;
		req.list = &lm;
		if ((rc = cli_call(c, &req, &resp)) != CLI_OK)
			break;
		for (i = 0; i < resp->n_hits && (limit == 0 || shown < limit);
		     i++) {
			struct record r = { 0 };
			const Sd__Member *m;
			char hex[33];
			if (cli_member_open(c, &resp->hits[i]->record, &r) !=
			    0) {
				rc = CLI_FAIL;
				break;
			}
			m = r.body->member;
			if (json) {
				rc = cli_json_put(result_member_json(&r, NULL));
			} else {
				hex_encode(m->id.data, MEMBER_ID_BYTES, hex);
				cli_cell(stdout, hex, 33);
				cli_cell(stdout, m->name, 37);
				cli_cell(stdout, record_kind_name(m->kind), 11);
				cli_cell(stdout, m->country, 3);
				cli_cell(stdout, m->region ? m->region : "", 7);
				printf("%s\n", m->city ? m->city : "");
			}
			record_close(&r);
			if (rc != CLI_OK)
				break;
			shown++;
		}
		have_after =
		    resp->has_next && resp->next.len == CTL_MEMBER_KEY_BYTES;
		if (have_after)
			memcpy(after, resp->next.data, CTL_MEMBER_KEY_BYTES);
		sd__response__free_unpacked(resp, NULL);
		resp = NULL;
	} while (rc == CLI_OK && have_after && (limit == 0 || shown < limit));
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	return rc;
}

int
cmd_member(struct cli *c, int argc, char **argv)
{
	Sd__Member *m = NULL;
	Sd__Response *resp = NULL;
	const char *sub, *field, *idhex = NULL;
	uint8_t id[16], origin[32];
	char err[256], seen[32] = { 0 };
	int opt, rc = CLI_FAIL, json = 0, all = 0, have_origin = 0;
	size_t limit = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		member_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "update") &&
	    strcmp(sub, "remove") && strcmp(sub, "show") &&
	    strcmp(sub, "list")) {
		cli_error("unknown member command '%s'", sub);
		member_usage(stderr);
		return CLI_USAGE;
	}
	argc--;
	argv++;
	if ((m = memberio_new()) == NULL)
		return CLI_FAIL;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", member_opts, NULL)) != -1) {
		if (opt == 'h') {
			member_usage(stdout);
			rc = CLI_OK;
			goto out;
		}
		if (opt == 'j') {
			json = 1;
			continue;
		}
		if (opt == 'a') {
			all = 1;
			continue;
		}
		if (opt == 'l') {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || optarg[0] == '\0' || v > 100000000) {
				cli_error("--limit must be a whole number");
				rc = CLI_USAGE;
				goto out;
			}
			limit = v;
			continue;
		}
		if (opt == 'o') {
			if (key_public_parse(optarg, origin) != 0) {
				cli_error("--origin must be 64 hex digits");
				rc = CLI_USAGE;
				goto out;
			}
			have_origin = 1;
			continue;
		}
		if ((field = member_field_of(opt)) == NULL ||
		    (strcmp(sub, "add") && strcmp(sub, "update")) ||
		    (opt == 'i' && strcmp(sub, "add") != 0)) {
			member_usage(stderr);
			rc = CLI_USAGE;
			goto out;
		}
		/* The first use of a list option replaces the list, later
		 * ones extend it. */
		if (memberio_set(m, field, optarg,
		        opt >= 20 && opt < 32 && seen[opt], err,
		        sizeof(err)) != 0) {
			cli_error("--%s: %s", field, err);
			rc = CLI_USAGE;
			goto out;
		}
		if (opt < 32)
			seen[opt] = 1;
	}
	if (strcmp(sub, "list") == 0) {
		if (optind != argc) {
			member_usage(stderr);
			rc = CLI_USAGE;
			goto out;
		}
		rc = member_list(c, all, json, limit);
		goto out;
	}
	if (strcmp(sub, "add") == 0) {
		if (optind != argc) {
			member_usage(stderr);
			rc = CLI_USAGE;
			goto out;
		}
		if (m->name == NULL || m->country == NULL || m->kind == 0) {
			cli_error(
			    "member add needs --name, --kind and --country");
			rc = CLI_USAGE;
			goto out;
		}
		if (memberio_default_id(m) != 0) {
			cli_error("--name is not valid UTF-8 text");
			rc = CLI_USAGE;
			goto out;
		}
		rc = member_put(c, m, 1);
		goto out;
	}
	if (optind + 1 != argc) {
		cli_error("member %s needs one ID", sub);
		rc = CLI_USAGE;
		goto out;
	}
	idhex = argv[optind];
	if (hex_decode(idhex, strlen(idhex), id, MEMBER_ID_BYTES) != 0) {
		cli_error("'%s' is not a member id (32 hex digits)", idhex);
		rc = CLI_USAGE;
		goto out;
	}
	if (strcmp(sub, "remove") == 0) {
		Sd__Request req = SD__REQUEST__INIT;
		Sd__RemoveMember rm = SD__REMOVE_MEMBER__INIT;
		rm.id.data = id;
		rm.id.len = 16;
		req.op_case = SD__REQUEST__OP_REMOVE;
		req.remove = &rm;
		if ((rc = cli_call(c, &req, &resp)) == CLI_OK)
			printf("%s removed\n", idhex);
		goto out;
	}
	if (strcmp(sub, "show") == 0) {
		struct record r = { 0 };
		if ((rc = member_fetch(c, id, have_origin ? origin : NULL,
		         &resp)) != CLI_OK ||
		    resp->n_hits != 1)
			goto out;
		if (cli_member_open(c, &resp->hits[0]->record, &r) != 0) {
			rc = CLI_FAIL;
			goto out;
		}
		if (json)
			rc = cli_json_put(result_member_json(&r, NULL));
		else
			memberio_print(stdout, r.body->member, cli_codes(c),
			    r.rec->origin.data, r.rec->seq);
		record_close(&r);
		goto out;
	}
	/* update: fetch this node's version, apply the changes, put it. */
	{
		Sd__Request sreq = SD__REQUEST__INIT;
		Sd__Response *st = NULL;
		struct record r = { 0 };
		Sd__Member *cur;
		Sd__Member *nm = m;
		sreq.op_case = SD__REQUEST__OP_STATUS;
		sreq.status = 1;
		if ((rc = cli_call(c, &sreq, &st)) != CLI_OK) {
			if (st)
				sd__response__free_unpacked(st, NULL);
			goto out;
		}
		memcpy(origin, st->status->node_key.data, 32);
		sd__response__free_unpacked(st, NULL);
		if ((rc = member_fetch(c, id, origin, &resp)) != CLI_OK ||
		    resp->n_hits != 1)
			goto out;
		if (cli_member_open(c, &resp->hits[0]->record, &r) != 0) {
			rc = CLI_FAIL;
			goto out;
		}
		cur = memberio_copy(r.body->member);
		record_close(&r);
		if (cur == NULL) {
			rc = CLI_FAIL;
			goto out;
		}
		/* Overlay what was given on the current version. */
		{
			char **slots_new[] = { &nm->name, &nm->country,
				&nm->region, &nm->city, &nm->website,
				&nm->email, &nm->phone, &nm->description };
			char **slots_cur[] = { &cur->name, &cur->country,
				&cur->region, &cur->city, &cur->website,
				&cur->email, &cur->phone, &cur->description };
			size_t k;
			for (k = 0;
			     k < sizeof(slots_new) / sizeof(slots_new[0]);
			     k++) {
				if (*slots_new[k] == NULL ||
				    *slots_new[k] == protobuf_c_empty_string)
					continue;
				free(*slots_cur[k]);
				*slots_cur[k] = *slots_new[k];
				*slots_new[k] = NULL;
			}
		}
		if (nm->kind)
			cur->kind = nm->kind;
		if (nm->has_employees) {
			cur->has_employees = 1;
			cur->employees = nm->employees;
		}
		if (nm->has_founded) {
			cur->has_founded = 1;
			cur->founded = nm->founded;
		}
		if (nm->has_nace_rev) {
			cur->has_nace_rev = 1;
			cur->nace_rev = nm->nace_rev;
		}
#define OVER_LIST(f)                                                           \
	if (seen[f##_OPT]) {                                                   \
		char **t = cur->f;                                             \
		size_t tn = cur->n_##f;                                        \
		cur->f = nm->f;                                                \
		cur->n_##f = nm->n_##f;                                        \
		nm->f = t;                                                     \
		nm->n_##f = tn;                                                \
	}
		enum {
			sectors_OPT = 20,
			capabilities_OPT = 21,
			offers_OPT = 22,
			seeks_OPT = 23,
			languages_OPT = 24
		};
		OVER_LIST(sectors)
		OVER_LIST(capabilities)
		OVER_LIST(offers)
		OVER_LIST(seeks)
		OVER_LIST(languages)
#undef OVER_LIST
		if (seen[25]) {
			ProtobufCBinaryData *t = cur->memberships;
			size_t tn = cur->n_memberships;
			cur->memberships = nm->memberships;
			cur->n_memberships = nm->n_memberships;
			nm->memberships = t;
			nm->n_memberships = tn;
		}
		rc = member_put(c, cur, 2);
		memberio_free(cur);
	}
out:
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	memberio_free(m);
	return rc;
}

/* ---- import ---- */

struct imp_id {
	uint8_t id[16];
	long line;
	size_t row;
};

struct imp {
	struct cli *c;
	const char *path;
	int dry_run, skip_invalid, progress, pass;
	size_t rows, bad, stored;
	struct imp_id *ids; /* ids seen, for duplicates across batches */
	size_t nids, capids;
	uint8_t *badmask; /* rows found bad in pass 1, by row index */
	size_t capbad;
};

static int
imp_mark_bad(struct imp *im, size_t row)
{
	uint8_t *nb;

	if (row / 8 >= im->capbad) {
		size_t ncap = im->capbad ? im->capbad * 2 : 1024;
		while (ncap <= row / 8)
			ncap *= 2;
		if ((nb = realloc(im->badmask, ncap)) == NULL)
			return -ENOMEM;
		memset(nb + im->capbad, 0, ncap - im->capbad);
		im->badmask = nb;
		im->capbad = ncap;
	}
	if (!(im->badmask[row / 8] & (1u << (row % 8)))) {
		im->badmask[row / 8] |= (uint8_t)(1u << (row % 8));
		im->bad++;
	}
	return 0;
}

static int
imp_is_bad(const struct imp *im, size_t row)
{
	return row / 8 < im->capbad &&
	    (im->badmask[row / 8] & (1u << (row % 8)));
}

static int
id_cmp(const void *a, const void *b)
{
	const struct imp_id *x = a, *y = b;
	int c = memcmp(x->id, y->id, 16);

	if (c != 0)
		return c;
	return x->row < y->row ? -1 : x->row > y->row;
}

static int
imp_batch_cb(void *arg, struct import_row *rows, size_t n)
{
	struct imp *im = arg;
	Sd__Request req = SD__REQUEST__INIT;
	Sd__PutMembers pm = SD__PUT_MEMBERS__INIT;
	Sd__Response *resp = NULL;
	Sd__Member **ms;
	size_t *rowidx, i, nm = 0, base = im->rows, start, end;
	char err[256];
	int rc = 0;

	im->rows += n;
	if ((ms = calloc(n, sizeof(*ms))) == NULL ||
	    (rowidx = calloc(n, sizeof(*rowidx))) == NULL) {
		free(ms);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct import_row *r = &rows[i];
		if (im->pass == 2) {
			if (imp_is_bad(im, base + i))
				continue;
		} else {
			if (r->m == NULL) {
				fprintf(stderr, "%s:%ld: %s\n", im->path,
				    r->line, r->err);
				imp_mark_bad(im, base + i);
				continue;
			}
			if (r->m->name == NULL || r->m->country == NULL ||
			    r->m->kind == 0) {
				fprintf(stderr,
				    "%s:%ld: name, kind and country "
				    "are required\n",
				    im->path, r->line);
				imp_mark_bad(im, base + i);
				continue;
			}
			if ((rc = memberio_default_id(r->m)) == SD_EINVAL) {
				fprintf(stderr,
				    "%s:%ld: name is not valid UTF-8 "
				    "text\n",
				    im->path, r->line);
				imp_mark_bad(im, base + i);
				rc = 0;
				continue;
			}
			if (rc != 0)
				goto out;
			record_member_normalise(im->c->codes, r->m);
			if (record_member_validate(
			        im->c->codes, r->m, err, sizeof(err)) != 0) {
				fprintf(stderr, "%s:%ld: %s\n", im->path,
				    r->line, err);
				imp_mark_bad(im, base + i);
				continue;
			}
			/* Remember ids to find duplicates across the file. */
			if (im->nids == im->capids) {
				size_t ncap =
				    im->capids ? im->capids * 2 : 4096;
				struct imp_id *nv =
				    realloc(im->ids, ncap * sizeof(*nv));
				if (nv == NULL) {
					rc = -ENOMEM;
					goto out;
				}
				im->ids = nv;
				im->capids = ncap;
			}
			memcpy(im->ids[im->nids].id, r->m->id.data, 16);
			im->ids[im->nids].line = r->line;
			im->ids[im->nids++].row = base + i;
		}
		if (im->pass == 2 && (rc = memberio_default_id(r->m)) != 0)
			goto out;
		ms[nm] = r->m;
		rowidx[nm++] = i;
	}
	if (nm == 0)
		goto out;
	/* One request per chunk of at most IMPORT_REQUEST_BYTES encoded
	 * members, so a batch of large members stays under the frame cap. */
	for (start = 0; start < nm; start = end) {
		size_t bytes = 0;
		for (end = start; end < nm; end++) {
			size_t one = sd__member__get_packed_size(ms[end]) + 8;
			if (end > start && bytes + one > IMPORT_REQUEST_BYTES)
				break;
			bytes += one;
		}
		pm.members = ms + start;
		pm.n_members = end - start;
		pm.has_dry_run = 1;
		pm.dry_run = im->pass == 1;
		pm.has_skip_invalid = 1;
		pm.skip_invalid = im->pass == 1;
		req.op_case = SD__REQUEST__OP_PUT;
		req.put = &pm;
		if (resp) {
			sd__response__free_unpacked(resp, NULL);
			resp = NULL;
		}
		if (cli_call(im->c, &req, &resp) != CLI_OK) {
			rc = SD_EINVAL;
			goto out;
		}
		for (i = 0; i < resp->n_row_errors; i++) {
			uint32_t k = resp->row_errors[i]->index;
			if (k >= end - start)
				continue;
			k += (uint32_t)start;
			fprintf(stderr, "%s:%ld: %s\n", im->path,
			    rows[rowidx[k]].line, resp->row_errors[i]->message);
			imp_mark_bad(im, base + rowidx[k]);
		}
		if (im->pass == 2)
			im->stored += resp->stored;
	}
	if (im->pass == 2) {
		if (im->progress)
			fprintf(stderr, "\rimported %zu of %zu rows",
			    im->stored, im->rows);
	} else if (im->progress) {
		fprintf(stderr, "\rchecked %zu rows", im->rows);
	}
out:
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	free(ms);
	free(rowidx);
	return rc;
}

static void
import_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust import FILE [--format csv|jsonl] [--dry-run]\n"
	    "                        [--skip-invalid] [--batch N]\n"
	    "\n"
	    "Loads members from FILE (\"-\" for standard input): CSV with a\n"
	    "header row naming the fields, or JSON Lines (one object per "
	    "line,\n"
	    "as written by `stardust export`). The format follows the file's\n"
	    "extension (.csv, .jsonl) unless --format is given. A member\n"
	    "without an id gets one derived from its country and name, so\n"
	    "importing a file again updates those members.\n"
	    "\n"
	    "Every row is checked first, and every bad row is reported as\n"
	    "FILE:LINE: reason. By default nothing is stored if any row is "
	    "bad.\n"
	    "\n"
	    "  --dry-run       check only; store nothing\n"
	    "  --skip-invalid  store the good rows even if some are bad\n"
	    "  --batch N       rows per transaction (default %d)\n",
	    IMPORT_BATCH_DEFAULT);
}

int
cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "skip-invalid", no_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct imp im;
	const char *fmtname = NULL;
	char err[512] = "";
	size_t batch = IMPORT_BATCH_DEFAULT, i;
	int opt, fmt, rc;

	memset(&im, 0, sizeof(im));
	im.c = c;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': fmtname = optarg; break;
		case 'n': im.dry_run = 1; break;
		case 's': im.skip_invalid = 1; break;
		case 'b': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v < 1 || v > CTL_PUT_MAX) {
				cli_error(
				    "--batch must be 1 to %d", CTL_PUT_MAX);
				return CLI_USAGE;
			}
			batch = v;
			break;
		}
		case 'h': import_usage(stdout); return CLI_OK;
		default: import_usage(stderr); return CLI_USAGE;
		}
	}
	if (optind + 1 != argc) {
		import_usage(stderr);
		return CLI_USAGE;
	}
	im.path = argv[optind];
	if ((fmt = import_format(im.path, fmtname)) == 0) {
		cli_error("cannot tell the format of '%s': use --format csv or "
		          "--format jsonl",
		    im.path);
		return CLI_USAGE;
	}
	if (strcmp(im.path, "-") == 0 && !im.dry_run) {
		cli_error(
		    "reading standard input is only possible with "
		    "--dry-run (a file is read twice: check, then store)");
		return CLI_USAGE;
	}
	if (cli_codes(c) == NULL)
		return CLI_FAIL;
	im.progress = isatty(STDERR_FILENO);
	/* Pass 1: parse and check everything, store nothing. */
	im.pass = 1;
	rc = import_read(
	    im.path, fmt, batch, imp_batch_cb, &im, err, sizeof(err));
	if (im.progress)
		fputc('\n', stderr);
	if (rc != 0) {
		if (err[0])
			cli_error("%s: %s", im.path, err);
		rc = CLI_FAIL;
		goto out;
	}
	/* A later row with the id (or country and name) of an earlier one
	 * is a bad row like any other. */
	if (im.nids > 1) {
		qsort(im.ids, im.nids, sizeof(*im.ids), id_cmp);
		for (i = 1; i < im.nids; i++)
			if (memcmp(im.ids[i].id, im.ids[i - 1].id, 16) == 0 &&
			    !imp_is_bad(&im, im.ids[i].row)) {
				fprintf(stderr,
				    "%s:%ld: same id (or country and "
				    "name) as line %ld\n",
				    im.path, im.ids[i].line,
				    im.ids[i - 1].line);
				imp_mark_bad(&im, im.ids[i].row);
			}
	}
	if (im.bad > 0 && (!im.skip_invalid || im.dry_run)) {
		cli_error("%zu of %zu rows are invalid; %s", im.bad, im.rows,
		    im.dry_run ? "nothing stored (dry run)"
		               : "nothing stored (use --skip-invalid to store "
		                 "the good rows)");
		rc = CLI_FAIL;
		goto out;
	}
	if (im.dry_run) {
		printf("%zu rows valid; nothing stored (dry run)\n", im.rows);
		rc = CLI_OK;
		goto out;
	}
	/* Pass 2: read again and store the good rows, batch by batch. */
	im.pass = 2;
	im.rows = 0;
	rc = import_read(
	    im.path, fmt, batch, imp_batch_cb, &im, err, sizeof(err));
	if (im.progress)
		fputc('\n', stderr);
	if (rc != 0) {
		cli_error("%s: %s; %zu members were stored before this",
		    im.path, err[0] ? err : "import failed", im.stored);
		rc = CLI_FAIL;
		goto out;
	}
	printf("%zu members imported", im.stored);
	if (im.bad)
		printf(", %zu invalid rows skipped", im.bad);
	printf("\n");
	rc = CLI_OK;
out:
	free(im.ids);
	free(im.badmask);
	return rc;
}

/* ---- export ---- */

int
cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	int opt, all = 0, rc, fd = -1, saved = -1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'a': all = 1; break;
		case 'o': out = optarg; break;
		case 'h':
			printf(
			    "usage: stardust export [--all] [-o FILE]\n\n"
			    "Writes this node's own members (with --all, every "
			    "member it holds,\nfrom every origin) as JSON "
			    "Lines, "
			    "sorted by origin and id.\nThe output imports back "
			    "with `stardust import FILE.jsonl`.\n");
			return CLI_OK;
		default:
			cli_error("usage: stardust export [--all] [-o FILE]");
			return CLI_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("usage: stardust export [--all] [-o FILE]");
		return CLI_USAGE;
	}
	if (out != NULL) {
		fflush(stdout);
		if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		         0644)) < 0) {
			cli_error("%s: %s", out, strerror(errno));
			return CLI_FAIL;
		}
		saved = dup(STDOUT_FILENO);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	rc = member_list(c, all, 1, 0);
	if (fflush(stdout) != 0)
		rc = CLI_FAIL;
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	return rc;
}
