/* stardust search: partner search through the local daemon. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "memberio.h"
#include "record.h"

static void
search_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust search [TEXT...] [--country CC]... "
	    "[--not-country CC]...\n"
	    "         [--region NUTS]... [--sector NACE]... [--kind KIND]...\n"
	    "         [--size micro|small|medium|large]... [--limit N] "
	    "[--json]\n"
	    "\n"
	    "Finds members across the whole federation held by this node.\n"
	    "Filters combine with AND; repeated values of one filter (or\n"
	    "comma-separated ones) with OR. TEXT words must all occur in the\n"
	    "name, capabilities, offers, seeks, description or city; case and\n"
	    "accents are ignored (jyvaskyla finds Jyväskylä). Results are\n"
	    "ranked by how rare the matched words are and where they matched\n"
	    "(name and capabilities weigh most).\n"
	    "\n"
	    "  --country CC       ISO 3166-1 alpha-2 code, e.g. FI\n"
	    "  --not-country CC   exclude a country\n"
	    "  --region NUTS      NUTS prefix at any level: FI1, FI1D, FI1D7\n"
	    "  --sector NACE      NACE prefix at any level: C, C25, 25.6, "
	    "25.62\n"
	    "  --kind KIND        sme, large, cluster, rto, university, "
	    "agency,\n"
	    "                     network, investor\n"
	    "  --size CLASS       by employees: micro <10, small <50, medium "
	    "<250,\n"
	    "                     large\n"
	    "  --limit N          at most N results (default 20, at most "
	    "10000)\n"
	    "  --json             one JSON object per line (see "
	    "docs/FORMATS.md)\n");
}

int
cmd_search(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "country", required_argument, NULL, 'c' },
		{ "not-country", required_argument, NULL, 'x' },
		{ "region", required_argument, NULL, 'r' },
		{ "sector", required_argument, NULL, 's' },
		{ "kind", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 'z' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	Sd__Request req = SD__REQUEST__INIT;
	Sd__Query q = SD__QUERY__INIT;
	Sd__Response *resp = NULL;
	char **kinds = NULL, *text = NULL;
	size_t nkinds = 0, i, tl = 0;
	int opt, rc = CLI_USAGE, json = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (cli_split_add(&q.countries, &q.n_countries, optarg))
				goto out;
			break;
		case 'x':
			if (cli_split_add(
			        &q.not_countries, &q.n_not_countries, optarg))
				goto out;
			break;
		case 'r':
			if (cli_split_add(&q.regions, &q.n_regions, optarg))
				goto out;
			break;
		case 's':
			if (cli_split_add(&q.sectors, &q.n_sectors, optarg))
				goto out;
			break;
		case 'k':
			if (cli_split_add(&kinds, &nkinds, optarg))
				goto out;
			break;
		case 'z':
			if (cli_split_add(&q.sizes, &q.n_sizes, optarg))
				goto out;
			break;
		case 'l': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || optarg[0] == '\0' || v < 1 || v > 10000) {
				cli_error("--limit must be 1 to 10000");
				goto out;
			}
			q.has_limit = 1;
			q.limit = (uint32_t)v;
			break;
		}
		case 'j': json = 1; break;
		case 'h':
			search_usage(stdout);
			rc = CLI_OK;
			goto out;
		default: search_usage(stderr); goto out;
		}
	}
	if (nkinds > 0) {
		if ((q.kinds = calloc(nkinds, sizeof(*q.kinds))) == NULL)
			goto out;
		for (i = 0; i < nkinds; i++) {
			int k = record_kind_parse(kinds[i]);
			if (k < 0) {
				cli_error(
				    "unknown kind '%s' (sme, large, cluster, "
				    "rto, university, agency, network, "
				    "investor)",
				    kinds[i]);
				goto out;
			}
			q.kinds[i] = (Sd__MemberKind)k;
		}
		q.n_kinds = nkinds;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		size_t al = strlen(argv[i]);
		char *nt = realloc(text, tl + al + 2);
		if (nt == NULL)
			goto out;
		text = nt;
		if (tl)
			text[tl++] = ' ';
		memcpy(text + tl, argv[i], al + 1);
		tl += al;
	}
	if (text != NULL && text[strspn(text, " \t")] == '\0') {
		cli_error("empty search text");
		goto out;
	}
	q.text = text;
	req.op_case = SD__REQUEST__OP_SEARCH;
	req.search = &q;
	if ((rc = cli_call(c, &req, &resp)) != CLI_OK)
		goto out;
	if (!json) {
		cli_cell(stdout, "NAME", 37);
		cli_cell(stdout, "KIND", 11);
		cli_cell(stdout, "CC", 3);
		cli_cell(stdout, "REGION", 7);
		cli_cell(stdout, "CITY", 15);
		cli_cell(stdout, "SCORE", 7);
		printf("WHY / CAPABILITIES\n");
	}
	for (i = 0; i < resp->n_hits; i++) {
		const Sd__Hit *h = resp->hits[i];
		struct record r = { 0 };
		char errb[256], score[16];
		const Sd__Member *m;
		if (cli_codes(c) == NULL ||
		    record_open(c->codes, h->record.data, h->record.len,
		        record_now_ms(), &r, errb, sizeof(errb)) != 0 ||
		    r.body->kind_case != SD__RECORD_BODY__KIND_MEMBER) {
			cli_error("daemon sent a bad record");
			record_close(&r);
			rc = CLI_FAIL;
			goto out;
		}
		m = r.body->member;
		if (json) {
			json_t *o =
			    memberio_to_json(m, r.rec->origin.data, r.rec->seq);
			char *s;
			json_object_set_new(o, "size",
			    m->has_employees
			        ? json_string(record_size_class(m->employees))
			        : json_null());
			json_object_set_new(o, "score", json_real(h->score));
			json_object_set_new(o, "matched",
			    json_string(h->n_matched ? h->matched[0] : ""));
			if ((s = json_dumps(
			         o, JSON_COMPACT | JSON_ENSURE_ASCII))) {
				puts(s);
				free(s);
			}
			json_decref(o);
		} else {
			char caps[512];
			size_t used = 0, k;
			caps[0] = '\0';
			for (k = 0;
			     k < m->n_capabilities && used < sizeof(caps) - 3;
			     k++)
				used += (size_t)snprintf(caps + used,
				    sizeof(caps) - used, "%s%s", k ? "; " : "",
				    m->capabilities[k]);
			snprintf(score, sizeof(score), "%.2f", h->score);
			cli_cell(stdout, m->name, 37);
			cli_cell(stdout, record_kind_name(m->kind), 11);
			cli_cell(stdout, m->country, 3);
			cli_cell(stdout, m->region ? m->region : "", 7);
			cli_cell(stdout, m->city ? m->city : "", 15);
			cli_cell(stdout, score, 7);
			cli_cell(
			    stdout, h->n_matched ? h->matched[0] : caps, 60);
			fputc('\n', stdout);
		}
		record_close(&r);
	}
	if (!json)
		printf("%" PRIu64 " match%s, %zu shown\n", resp->total,
		    resp->total == 1 ? "" : "es", resp->n_hits);
out:
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	cli_strv_free(q.countries, q.n_countries);
	cli_strv_free(q.not_countries, q.n_not_countries);
	cli_strv_free(q.regions, q.n_regions);
	cli_strv_free(q.sectors, q.n_sectors);
	cli_strv_free(q.sizes, q.n_sizes);
	cli_strv_free(kinds, nkinds);
	free(q.kinds);
	free(text);
	return rc;
}
