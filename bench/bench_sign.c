/*
 * bench_sign: how many records one thread can sign and verify per second.
 *
 * The import rate of a node is bounded by ed25519 signing: every member
 * stored is a new record signed under the write lock. This measures that
 * bound on a record of realistic size (a member as sdgen writes it: about
 * 630 bytes of signed message, 680 as an encoded record), first as the raw
 * libsodium operation on the exact signed message (domain || origin ||
 * be64(seq) || body), then
 * through proto/record.c as the daemon calls it (message assembly,
 * signing, SignedRecord encoding; and on the receiving side decoding,
 * verifying and validating).
 *
 * Output is key=value lines so scripts can pick figures out with awk:
 *   body_bytes, message_bytes, record_bytes, sign_rate_per_s,
 *   verify_rate_per_s, record_sign_rate_per_s, record_open_rate_per_s
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codes.h"
#include "err.h"
#include "key.h"
#include "record.h"
#include "sdtest.h"

/* Iterations between clock reads: small enough to stop on time, large
 * enough that reading the clock costs nothing measurable. */
#define BENCH_CHUNK 64

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A member like the ones sdgen writes: about 575 bytes encoded, 680 as a
 * signed record; sdgen's members average 650. */
static const struct sdtest_member bench_member = {
	.name = "Kallio Laser Engineering Oy",
	.country = "FI",
	.region = "FI1D7",
	.city = "Rovaniemi",
	.website = "https://www.kallio-laser-engineering.fi",
	.email = "info@kallio-laser-engineering.fi",
	.desc = "Kallio Laser Engineering Oy is a small metalworking "
	        "company in Rovaniemi, Finland, founded in 2004. We "
	        "specialise in laser cutting, sheet metal fabrication "
	        "and robotic welding for the mining industry.",
	.sectors = { "25.11", "25.62" },
	.caps = { "laser cutting", "sheet metal fabrication", "robotic welding",
	    "powder coating", "contract manufacturing" },
	.offers = { "laser cutting", "subcontracting", "prototyping" },
	.seeks = { "industrial automation", "export partners" },
	.langs = { "fi", "en", "sv" },
	.employees = 27,
	.founded = 2004,
};

/*
 * bench_body(out, outlen): encode bench_member, signed now, into *out
 * (malloc'd, caller frees).
 */
static int
bench_body(uint8_t **out, size_t *outlen)
{
	static const uint8_t id[MEMBER_ID_BYTES] = { 0x5d, 0x17, 0x42 };
	Sd__RecordBody body;
	Sd__Member m;

	sdtest_member_body(&body, &m, id, &bench_member);
	body.signed_at_ms = record_now_ms();
	return sdtest_body_pack(&body, out, outlen);
}

/* One verifying thread: the same message for `secs` seconds. */
struct bench_verifier {
	const uint8_t *sig, *msg, *pk;
	size_t mlen;
	double secs;
	uint64_t n;
	int bad;
};

static void *
bench_verify_run(void *arg)
{
	struct bench_verifier *v = arg;
	double t0 = bench_now();
	int i;

	do {
		for (i = 0; i < BENCH_CHUNK; i++, v->n++)
			if (crypto_sign_verify_detached(
			        v->sig, v->msg, v->mlen, v->pk) != 0)
				v->bad = 1;
	} while (bench_now() - t0 < v->secs);
	return NULL;
}

/* Writes be64(seq) at p: the part of the message that changes per record. */
static void
bench_put_seq(uint8_t *p, uint64_t seq)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(seq >> (56 - 8 * i));
}

static void
bench_usage(FILE *f)
{
	fprintf(f,
	    "usage: bench_sign [--seconds S]\n"
	    "\n"
	    "Measures single-thread ed25519 signing for S seconds (default 2)\n"
	    "and verifying, record_sign and record_open for S/2 seconds each,\n"
	    "on a realistic member record, and prints key=value lines.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t sig[crypto_sign_BYTES], *body = NULL, *msg = NULL, *rec = NULL;
	size_t bodylen, mlen, reclen = 0, dlen = strlen(RECORD_DOMAIN);
	struct key *k = NULL;
	struct codes *codes = NULL;
	struct record opened;
	double secs = 2.0, t0, t;
	char *end, err[256];
	uint64_t n, seq;
	int opt, i, rc = 1;

	while ((opt = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			secs = strtod(optarg, &end);
			if (*end || !(secs > 0.0 && secs <= 600.0)) {
				fprintf(stderr,
				    "bench_sign: --seconds must be in "
				    "(0, 600]\n");
				return 2;
			}
			break;
		case 'h': bench_usage(stdout); return 0;
		default: bench_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		bench_usage(stderr);
		return 2;
	}
	if (sodium_init() < 0 || crypto_sign_keypair(pk, sk) != 0 ||
	    bench_body(&body, &bodylen) != 0 || key_generate(&k) != 0 ||
	    codes_new(&codes) != 0) {
		fprintf(stderr, "bench_sign: set-up failed\n");
		goto out;
	}
	/* The exact message record_sign signs. */
	mlen = dlen + crypto_sign_PUBLICKEYBYTES + 8 + bodylen;
	if ((msg = malloc(mlen)) == NULL)
		goto out;
	memcpy(msg, RECORD_DOMAIN, dlen);
	memcpy(msg + dlen, pk, sizeof(pk));
	memcpy(msg + dlen + sizeof(pk) + 8, body, bodylen);
	printf("body_bytes=%zu\nmessage_bytes=%zu\n", bodylen, mlen);

	/* Signing: a new seq each time, as for consecutive records. */
	seq = 0;
	t0 = bench_now();
	do {
		for (i = 0; i < BENCH_CHUNK; i++) {
			bench_put_seq(msg + dlen + sizeof(pk), ++seq);
			crypto_sign_detached(sig, NULL, msg, mlen, sk);
		}
	} while ((t = bench_now() - t0) < secs);
	printf("sign_rate_per_s=%.0f\n", (double)seq / t);

	/* Verifying the last signature over and over costs what verifying
	 * distinct records does: ed25519 verification has no cache. */
	n = 0;
	t0 = bench_now();
	do {
		for (i = 0; i < BENCH_CHUNK; i++, n++)
			if (crypto_sign_verify_detached(sig, msg, mlen, pk) !=
			    0) {
				fprintf(stderr,
				    "bench_sign: a good signature "
				    "failed to verify\n");
				goto out;
			}
	} while ((t = bench_now() - t0) < secs / 2);
	printf("verify_rate_per_s=%.0f\n", (double)n / t);

	/* Two threads at once, as a syncing node verifies. */
	{
		struct bench_verifier v[2];
		pthread_t th;
		for (i = 0; i < 2; i++) {
			memset(&v[i], 0, sizeof(v[i]));
			v[i].sig = sig;
			v[i].msg = msg;
			v[i].pk = pk;
			v[i].mlen = mlen;
			v[i].secs = secs / 2;
		}
		t0 = bench_now();
		if (pthread_create(&th, NULL, bench_verify_run, &v[1]) != 0) {
			fprintf(stderr, "bench_sign: pthread_create failed\n");
			goto out;
		}
		bench_verify_run(&v[0]);
		pthread_join(th, NULL);
		t = bench_now() - t0;
		if (v[0].bad || v[1].bad) {
			fprintf(stderr,
			    "bench_sign: a good signature failed "
			    "to verify\n");
			goto out;
		}
		printf(
		    "verify2_rate_per_s=%.0f\n", (double)(v[0].n + v[1].n) / t);
	}

	/* The daemon's path: record_sign allocates, signs and encodes. */
	n = 0;
	t0 = bench_now();
	do {
		for (i = 0; i < BENCH_CHUNK; i++) {
			free(rec);
			rec = NULL;
			if (record_sign(k, ++n, body, bodylen, &rec, &reclen) !=
			    0) {
				fprintf(
				    stderr, "bench_sign: record_sign failed\n");
				goto out;
			}
		}
	} while ((t = bench_now() - t0) < secs / 2);
	printf("record_bytes=%zu\nrecord_sign_rate_per_s=%.0f\n", reclen,
	    (double)n / t);

	/* The receiving side: decode, verify, validate against the lists. */
	n = 0;
	t0 = bench_now();
	do {
		for (i = 0; i < BENCH_CHUNK; i++, n++) {
			memset(&opened, 0, sizeof(opened));
			if (record_open(codes, rec, reclen, record_now_ms(),
			        &opened, err, sizeof(err)) != 0) {
				fprintf(stderr, "bench_sign: record_open: %s\n",
				    err);
				goto out;
			}
			record_close(&opened);
		}
	} while ((t = bench_now() - t0) < secs / 2);
	printf("record_open_rate_per_s=%.0f\n", (double)n / t);
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	free(body);
	free(msg);
	free(rec);
	key_free(k);
	codes_free(codes);
	return rc;
}
