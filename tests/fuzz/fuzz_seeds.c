/*
 * fuzz_seeds DIR: writes seed inputs for every fuzz target into
 * DIR/<target>/, made with the project's own encoders: signed member,
 * tombstone, certificate and revocation records and their bodies, frames
 * around them, configuration files, CSV and JSON Lines rows and queries.
 * The committed corpus (tests/fuzz/corpus) is its output; scripts/fuzz.sh
 * can regenerate it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frame.h"
#include "key.h"
#include "record.h"
#include "sdtest.h"

static const char *fs_dir;

static void
fs_put(const char *target, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fs_dir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		exit(1);
	snprintf(path, sizeof(path), "%s/%s/%s", fs_dir, target, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Writes a record seed (flag byte 0: signed bytes), a body seed (flag 1:
 * to be signed by the target) and a frame seed around the record. */
static void
fs_record(
    const struct key *k, uint64_t seq, Sd__RecordBody *b, const char *name)
{
	uint8_t *body, *rec, *buf, hdr[FRAME_HEADER_BYTES];
	size_t blen, rlen;
	char nm[64];

	b->signed_at_ms = 1760000000000ull;
	if (sdtest_body_pack(b, &body, &blen) != 0 ||
	    record_sign(k, seq, body, blen, &rec, &rlen) != 0 ||
	    (buf = malloc(
	         (blen > rlen ? blen : rlen) + 1 + FRAME_HEADER_BYTES)) == NULL)
		exit(1);
	buf[0] = 0;
	memcpy(buf + 1, rec, rlen);
	snprintf(nm, sizeof(nm), "%s-signed", name);
	fs_put("record", nm, buf, rlen + 1);
	buf[0] = 1;
	memcpy(buf + 1, body, blen);
	snprintf(nm, sizeof(nm), "%s-body", name);
	fs_put("record", nm, buf, blen + 1);
	frame_header(rlen, hdr);
	buf[0] = 5; /* piece size for fuzz_frame */
	memcpy(buf + 1, hdr, FRAME_HEADER_BYTES);
	memcpy(buf + 1 + FRAME_HEADER_BYTES, rec, rlen);
	fs_put("frame", name, buf, rlen + 1 + FRAME_HEADER_BYTES);
	free(buf);
	free(rec);
	free(body);
}

/* The seeds' records: a member with every kind of field, its tombstone,
 * a certificate with regions and an address, and a revocation. */
static const struct sdtest_member fs_member = { .name = "Lappi Laser Oy",
	.country = "FI",
	.region = "FI1D7",
	.city = "Rovaniemi",
	.website = "https://lappilaser.example.fi",
	.email = "info@lappilaser.example.fi",
	.desc = "Precision parts for arctic industry.",
	.sectors = { "25.62" },
	.caps = { "laser cutting", "sheet metal" },
	.offers = { "laser cutting of steel" },
	.seeks = { "metal recycling" },
	.langs = { "fi", "en" },
	.employees = 8,
	.founded = 2009 };
static const struct sdtest_cert fs_cert = { .name = "Lapland",
	.countries = { "FI", "SE" },
	.nuts = { "FI1D" },
	.addresses = { "127.0.0.1:7401" },
	.not_after_ms = 1900000000000ull };

int
main(int argc, char **argv)
{
	struct key *root, *node;
	uint8_t id[MEMBER_ID_BYTES] = { 0xa0, 1 };
	Sd__RecordBody b;
	Sd__Member m;
	Sd__Tombstone t;
	Sd__NodeCert nc;
	Sd__Revocation rv;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seeds DIR\n");
		return 2;
	}
	fs_dir = argv[1];
	if ((mkdir(fs_dir, 0755) != 0 && errno != EEXIST) ||
	    key_generate(&root) != 0 || key_generate(&node) != 0)
		return 1;
	sdtest_member_body(&b, &m, id, &fs_member);
	fs_record(node, 2, &b, "member");
	sdtest_tombstone_body(&b, &t, id);
	fs_record(node, 3, &b, "tombstone");
	sdtest_cert_body(&b, &nc, node->pk, &fs_cert);
	fs_record(root, 1, &b, "cert");
	sdtest_revocation_body(&b, &rv, node->pk, "key lost");
	fs_record(root, 2, &b, "revocation");
	{
		static const char conf[] =
		    "# a node\nname = Lapland\n"
		    "root_key = "
		    "0f1e2d3c4b5a69780f1e2d3c4b5a69780f1e2d3c4b5a69780f1e2d3c4b"
		    "5a6978\n"
		    "data_dir = .\nlisten = 127.0.0.1:7401\n"
		    "peers = 127.0.0.1:7402, [::1]:7403\nmap_size_mb = 1024\n"
		    "gossip_ms = 500\nmax_outbound = 4\nlog_level = debug\n";
		fs_put("config", "node.conf", conf, sizeof(conf) - 1);
	}
	{
		static const char csv[] =
		    "\x00name,kind,country,region,city,sectors,capabilities,"
		    "offers,seeks,employees\n"
		    "Lappi Laser Oy,sme,FI,FI1D7,Rovaniemi,25.62,laser "
		    "cutting;sheet metal,"
		    "laser cutting of steel,metal recycling,8\n"
		    "\"Kraków "
		    "\"\"Waste\"\"\",large,PL,PL213,Kraków,38.21,waste "
		    "management,,,300\n";
		static const char jsonl[] =
		    "\x01{\"name\":\"Lappi Laser "
		    "Oy\",\"kind\":\"sme\",\"country\":\"FI\","
		    "\"region\":\"FI1D7\",\"capabilities\":[\"laser cutting\"],"
		    "\"employees\":8,\"memberships\":["
		    "\"00000000000000000000000000000001\"]}\n"
		    "{\"name\":\"Tallinn Robotics "
		    "O\\u00dc\",\"kind\":\"sme\",\"country\":\"EE\"}\n";
		fs_put("import", "rows.csv", csv, sizeof(csv) - 1);
		fs_put("import", "rows.jsonl", jsonl, sizeof(jsonl) - 1);
	}
	{
		static const char *q[] = {
			"laser cutting\nFI,LT\n\nFI1\nC25\nsmall\n\n10-50\n",
			"\"waste recycling\" photon*\n\nFI\n\n\n\n\n\nlaser "
			"cutting\nrobotics\nrecycling\n",
			"jyväskylä\n\n\n\n38\nmicro,small\n",
			"laser\n\n\n\n\n\n01402c1da73d834c27de1bf72ee57f8bb2039"
			"fb001a0b501a9b108822f01a303\n",
		};
		size_t i;
		char nm[16];
		for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
			snprintf(nm, sizeof(nm), "q%zu", i);
			fs_put("query", nm, q[i], strlen(q[i]));
		}
	}
	{
		/* hs: which message, how (0 flip, 1 truncate, 2 append). */
		static const uint8_t h[][4] = { { 0, 0, 0, 0 }, { 1, 0, 3, 1 },
			{ 2, 1, 64, 0 }, { 3, 2, 0, 0 } };
		size_t i;
		char nm[16];
		for (i = 0; i < 4; i++) {
			snprintf(nm, sizeof(nm), "m%zu", i);
			fs_put("hs", nm, h[i], sizeof(h[i]));
		}
	}
	key_free(root);
	key_free(node);
	return 0;
}
