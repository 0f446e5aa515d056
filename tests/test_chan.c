/*
 * test_chan: proto/chan.c. Messages of every interesting size (empty, one
 * byte, CHAN_MSG_MAX) go through sealed, framed, chunked and read back by a
 * frame_reader; every bit flip, truncation, reordering, replay, drop and
 * reflection is refused, and the channel stays refused afterwards; a frame
 * above the maximum is refused before its bytes are read; FINAL closes
 * cleanly. The wire format is checked against libsodium's secretstream
 * used directly, as docs/PROTOCOL.md describes it, and a channel keyed by
 * a real handshake (proto/hs.c) carries messages both ways.
 */
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "check.h"
#include "err.h"
#include "frame.h"
#include "hs.h"
#include "key.h"

static uint8_t k1[CHAN_KEY_BYTES], k2[CHAN_KEY_BYTES];

/* Two ends of one connection: a seals with k1, b with k2. */
struct pair {
	struct chan *a, *b;
	uint8_t hello_a[CHAN_HELLO_BYTES], hello_b[CHAN_HELLO_BYTES];
};

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		exit(2);
	return p;
}

static void
pair_new(struct pair *p, int exchange)
{
	uint8_t m[1];
	size_t n;

	if (chan_new(k1, k2, p->hello_a, &p->a) != 0 ||
	    chan_new(k2, k1, p->hello_b, &p->b) != 0)
		exit(2);
	if (exchange) {
		CHECK_INT(chan_open(p->b, p->hello_a + 4, CHAN_HEADER_BYTES, m,
		              sizeof(m), &n),
		    CHAN_HELLO);
		CHECK_INT(chan_open(p->a, p->hello_b + 4, CHAN_HEADER_BYTES, m,
		              sizeof(m), &n),
		    CHAN_HELLO);
	}
}

static void
pair_free(struct pair *p)
{
	chan_free(p->a);
	chan_free(p->b);
}

static void
fill(uint8_t *m, size_t n, size_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		m[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
}

/* Sizes of the round trip, in order; the last is sealed FINAL. */
static const size_t sizes[] = { 0, 1, 16, 17, 0, 4096, 65536, CHAN_MSG_MAX - 1,
	CHAN_MSG_MAX, 3, 0 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/*
 * The whole stream a to b, as bytes on the wire: hello, then the frames,
 * read back through a frame_reader fed in chunks of chunk bytes.
 */
static void
test_roundtrip(size_t chunk)
{
	struct pair p;
	struct frame_reader r;
	uint8_t *wire, *m, *want;
	const uint8_t *pl;
	size_t cap = CHAN_HELLO_BYTES, off, len, n, pn, i, got = 0;
	int rc, hello = 0, final = 0, bad = 0;

	for (i = 0; i < NSIZES; i++)
		cap += CHAN_SEALED_BYTES(sizes[i]);
	wire = xmalloc(cap);
	m = xmalloc(CHAN_MSG_MAX);
	want = xmalloc(CHAN_MSG_MAX);
	pair_new(&p, 0);
	memcpy(wire, p.hello_a, CHAN_HELLO_BYTES);
	len = CHAN_HELLO_BYTES;
	for (i = 0; i < NSIZES; i++) {
		fill(want, sizes[i], i);
		CHECK_INT(chan_seal(p.a, want, sizes[i], i == NSIZES - 1,
		              wire + len, cap - len, &n),
		    0);
		CHECK_INT(n, CHAN_SEALED_BYTES(sizes[i]));
		len += n;
	}
	CHECK_INT(len, cap);

	frame_reader_init(&r, CHAN_FRAME_MAX);
	for (off = 0; off < len && !bad; off += n) {
		n = len - off < chunk ? len - off : chunk;
		if (frame_reader_feed(&r, wire + off, n) != 0) {
			bad = 1;
			break;
		}
		while ((rc = frame_reader_next(&r, &pl, &pn)) == 1) {
			size_t ml = 99;
			rc = chan_open(p.b, pl, pn, m, CHAN_MSG_MAX, &ml);
			if (!hello) {
				CHECK_INT(rc, CHAN_HELLO);
				CHECK_INT(ml, 0);
				hello = 1;
				continue;
			}
			if (got >= NSIZES) {
				bad = 1;
				break;
			}
			fill(want, sizes[got], got);
			CHECK_INT(
			    rc, got == NSIZES - 1 ? CHAN_FINAL : CHAN_MESSAGE);
			CHECK_INT(ml, sizes[got]);
			CHECK(ml == sizes[got] && memcmp(m, want, ml) == 0);
			if (rc == CHAN_FINAL)
				final = 1;
			got++;
		}
		if (rc < 0)
			bad = 1;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(got, NSIZES);
	CHECK_INT(final, 1);
	CHECK_INT(r.len, 0);
	frame_reader_free(&r);

	/* After FINAL: nothing more is sealed or opened. */
	CHECK_INT(chan_seal(p.a, want, 1, 0, wire, cap, &n), SD_EPROTO);
	CHECK_INT(chan_open(p.b, wire + 4, 18, m, CHAN_MSG_MAX, &n), SD_EPROTO);
	/* The other direction is independent and still open. */
	CHECK_INT(chan_seal(p.b, want, 5, 0, wire, cap, &pn), 0);
	CHECK_INT(
	    chan_open(p.a, p.hello_b + 4, 24, m, CHAN_MSG_MAX, &n), CHAN_HELLO);
	CHECK_INT(chan_open(p.a, wire + 4, pn - 4, m, CHAN_MSG_MAX, &n),
	    CHAN_MESSAGE);
	CHECK_INT(n, 5);
	pair_free(&p);
	free(wire);
	free(m);
	free(want);
}

static void
test_seal_limits(void)
{
	struct pair p;
	uint8_t *big = xmalloc(CHAN_SEALED_BYTES(CHAN_MSG_MAX + 1));
	uint8_t f[64], m[64];
	size_t n = 7;

	pair_new(&p, 1);
	memset(big, 1, CHAN_MSG_MAX + 1);
	CHECK_INT(chan_seal(p.a, big, CHAN_MSG_MAX + 1, 0, big,
	              CHAN_SEALED_BYTES(CHAN_MSG_MAX + 1), &n),
	    SD_ETOOBIG);
	CHECK_INT(chan_seal(p.a, m, 10, 0, f, CHAN_SEALED_BYTES(10) - 1, &n),
	    -ENOBUFS);
	CHECK_INT(chan_seal(p.a, NULL, 10, 0, f, sizeof(f), &n), SD_EINVAL);
	/* None of these consumed a message: the next one opens first. */
	memset(m, 'x', 10);
	CHECK_INT(chan_seal(p.a, m, 10, 0, f, sizeof(f), &n), 0);
	CHECK_INT(f[0] == 0 && f[1] == 0 && f[2] == 0 && f[3] == 27, 1);
	memset(m, 0, sizeof(m));
	CHECK_INT(chan_open(p.b, f + 4, n - 4, m, 9, &n), -ENOBUFS);
	CHECK_INT(chan_open(p.b, f + 4, 27, m, sizeof(m), &n), CHAN_MESSAGE);
	CHECK_INT(n, 10);
	CHECK_INT(m[0], 'x');
	pair_free(&p);
	free(big);
}

static void
test_oversize(void)
{
	struct pair p;
	struct frame_reader r;
	uint8_t small[32], hdr[4], f[64], m[64];
	uint8_t *big = xmalloc(CHAN_FRAME_MAX + 1);
	size_t n = 5, fn;
	const uint8_t *pl;

	/* inlen is checked before in is touched: in is a 32-byte array
	 * (and m large enough for the claim), so decrypting it would read
	 * past its end and stop the test under ASan. */
	pair_new(&p, 1);
	CHECK_INT(chan_seal(p.a, m, 3, 0, f, sizeof(f), &fn), 0);
	memset(small, 0, sizeof(small));
	CHECK_INT(chan_open(p.b, small, CHAN_FRAME_MAX + 1, big,
	              CHAN_FRAME_MAX + 1, &n),
	    SD_ETOOBIG);
	CHECK_INT(n, 0);
	/* The direction is dead: even a good frame is refused now. */
	CHECK_INT(chan_open(p.b, f + 4, fn - 4, m, sizeof(m), &n), SD_EPROTO);
	pair_free(&p);

	/* Before the hello, too. */
	pair_new(&p, 0);
	CHECK_INT(
	    chan_open(p.b, small, (size_t)-1, m, sizeof(m), &n), SD_ETOOBIG);
	pair_free(&p);

	/* The frame reader at CHAN_FRAME_MAX refuses the header alone. */
	frame_reader_init(&r, CHAN_FRAME_MAX);
	frame_header(CHAN_FRAME_MAX + 1, hdr);
	CHECK_INT(frame_reader_feed(&r, hdr, sizeof(hdr)), SD_ETOOBIG);
	CHECK_INT(frame_reader_next(&r, &pl, &n), SD_ETOOBIG);
	frame_reader_free(&r);
	frame_reader_init(&r, CHAN_FRAME_MAX);
	frame_header(CHAN_FRAME_MAX, hdr);
	CHECK_INT(frame_reader_feed(&r, hdr, sizeof(hdr)), 0);
	CHECK_INT(frame_reader_next(&r, &pl, &n), 0);
	frame_reader_free(&r);
	free(big);
}

/* Every bit flip of a sealed frame's payload, and of the hello, is
 * refused; each on a fresh receiver (a refused frame ends the stream). */
static void
test_flips(void)
{
	uint8_t hello[CHAN_HELLO_BYTES], f[128], g[128], msg[40], m[64];
	struct chan *a, *b;
	size_t fn, n, bit;
	int ok;

	fill(msg, sizeof(msg), 9);
	if (chan_new(k1, k2, hello, &a) != 0)
		exit(2);
	CHECK_INT(chan_seal(a, msg, sizeof(msg), 0, f, sizeof(f), &fn), 0);
	for (bit = 0; bit < (fn - 4) * 8; bit++) {
		uint8_t h2[CHAN_HELLO_BYTES];
		if (chan_new(k2, k1, h2, &b) != 0)
			exit(2);
		memcpy(g, f, fn);
		g[4 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ok = chan_open(b, hello + 4, 24, m, sizeof(m), &n) ==
		        CHAN_HELLO &&
		    chan_open(b, g + 4, fn - 4, m, sizeof(m), &n) == SD_ESIG &&
		    n == 0 &&
		    chan_open(b, f + 4, fn - 4, m, sizeof(m), &n) == SD_EPROTO;
		if (!ok)
			fprintf(stderr, "frame bit %zu accepted\n", bit);
		CHECK(ok);
		chan_free(b);
	}
	for (bit = 0; bit < CHAN_HEADER_BYTES * 8; bit++) {
		uint8_t h2[CHAN_HELLO_BYTES], hb[CHAN_HELLO_BYTES];
		if (chan_new(k2, k1, h2, &b) != 0)
			exit(2);
		memcpy(hb, hello, sizeof(hb));
		hb[4 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ok = chan_open(b, hb + 4, 24, m, sizeof(m), &n) == CHAN_HELLO &&
		    chan_open(b, f + 4, fn - 4, m, sizeof(m), &n) == SD_ESIG;
		if (!ok)
			fprintf(stderr, "hello bit %zu accepted\n", bit);
		CHECK(ok);
		chan_free(b);
	}
	chan_free(a);
}

/* Seals three messages a to b into f[0..2]. */
static void
seal3(struct pair *p, uint8_t f[3][64], size_t fn[3])
{
	uint8_t msg[20];
	int i;

	for (i = 0; i < 3; i++) {
		memset(msg, 'a' + i, sizeof(msg));
		CHECK_INT(
		    chan_seal(p->a, msg, sizeof(msg), 0, f[i], 64, &fn[i]), 0);
	}
}

static int
open1(struct chan *c, const uint8_t *f, size_t fn)
{
	uint8_t m[64];
	size_t n;

	return chan_open(c, f + 4, fn - 4, m, sizeof(m), &n);
}

static void
test_order(void)
{
	struct pair p, q;
	uint8_t f[3][64], m[64];
	size_t fn[3], n;

	/* Reordered. */
	pair_new(&p, 1);
	seal3(&p, f, fn);
	CHECK_INT(open1(p.b, f[1], fn[1]), SD_ESIG);
	CHECK_INT(open1(p.b, f[0], fn[0]), SD_EPROTO);
	pair_free(&p);

	/* Replayed. */
	pair_new(&p, 1);
	seal3(&p, f, fn);
	CHECK_INT(open1(p.b, f[0], fn[0]), CHAN_MESSAGE);
	CHECK_INT(open1(p.b, f[0], fn[0]), SD_ESIG);
	pair_free(&p);

	/* Dropped. */
	pair_new(&p, 1);
	seal3(&p, f, fn);
	CHECK_INT(open1(p.b, f[0], fn[0]), CHAN_MESSAGE);
	CHECK_INT(open1(p.b, f[2], fn[2]), SD_ESIG);
	pair_free(&p);

	/* In order, all three, with their contents. */
	pair_new(&p, 1);
	seal3(&p, f, fn);
	CHECK_INT(chan_open(p.b, f[0] + 4, fn[0] - 4, m, sizeof(m), &n), 0);
	CHECK(n == 20 && m[0] == 'a' && m[19] == 'a');
	CHECK_INT(chan_open(p.b, f[1] + 4, fn[1] - 4, m, sizeof(m), &n), 0);
	CHECK(n == 20 && m[0] == 'b');
	CHECK_INT(chan_open(p.b, f[2] + 4, fn[2] - 4, m, sizeof(m), &n), 0);
	CHECK(n == 20 && m[0] == 'c');

	/* Reflected: a's own hello and frame back to a. */
	pair_new(&q, 0);
	seal3(&q, f, fn);
	CHECK_INT(
	    chan_open(q.a, q.hello_a + 4, 24, m, sizeof(m), &n), CHAN_HELLO);
	CHECK_INT(open1(q.a, f[0], fn[0]), SD_ESIG);
	pair_free(&q);

	/* Another connection under the same keys (another header). */
	pair_free(&p);
	pair_new(&p, 1);
	pair_new(&q, 1);
	seal3(&q, f, fn);
	CHECK_INT(open1(p.b, f[0], fn[0]), SD_ESIG);
	pair_free(&q);
	pair_free(&p);
}

static void
test_truncation(void)
{
	struct pair p;
	uint8_t f[64], m[64], hello[CHAN_HELLO_BYTES + 1];
	size_t fn, n;

	/* Shorter, longer, below the expansion, empty. */
	pair_new(&p, 1);
	CHECK_INT(chan_seal(p.a, m, 20, 0, f, sizeof(f), &fn), 0);
	CHECK_INT(chan_open(p.b, f + 4, fn - 5, m, sizeof(m), &n), SD_ESIG);
	pair_free(&p);
	pair_new(&p, 1);
	CHECK_INT(chan_seal(p.a, m, 20, 0, f, sizeof(f), &fn), 0);
	f[fn] = 0;
	CHECK_INT(chan_open(p.b, f + 4, fn - 3, m, sizeof(m), &n), SD_ESIG);
	pair_free(&p);
	pair_new(&p, 1);
	CHECK_INT(chan_seal(p.a, m, 20, 0, f, sizeof(f), &fn), 0);
	CHECK_INT(chan_open(p.b, f + 4, CHAN_ABYTES - 1, m, sizeof(m), &n),
	    SD_EPROTO);
	pair_free(&p);
	pair_new(&p, 1);
	CHECK_INT(chan_open(p.b, NULL, 0, m, sizeof(m), &n), SD_EPROTO);
	pair_free(&p);

	/* A hello of the wrong size. */
	pair_new(&p, 0);
	memcpy(hello, p.hello_a, CHAN_HELLO_BYTES);
	CHECK_INT(chan_open(p.b, hello + 4, 23, m, sizeof(m), &n), SD_EPROTO);
	pair_free(&p);
	pair_new(&p, 0);
	memcpy(hello, p.hello_a, CHAN_HELLO_BYTES);
	hello[CHAN_HELLO_BYTES] = 0;
	CHECK_INT(chan_open(p.b, hello + 4, 25, m, sizeof(m), &n), SD_EPROTO);
	pair_free(&p);
}

/* The wire as docs/PROTOCOL.md describes it, checked with libsodium's
 * secretstream directly; and tags chan never sends are refused. */
static void
test_wire(void)
{
	crypto_secretstream_xchacha20poly1305_state st;
	struct pair p;
	uint8_t f[3][64], m[64], hdr[24], c[64];
	size_t fn[3], n;
	unsigned long long mlen;
	unsigned char tag;
	int i;

	pair_new(&p, 0);
	CHECK(p.hello_a[0] == 0 && p.hello_a[1] == 0 && p.hello_a[2] == 0 &&
	    p.hello_a[3] == 24);
	for (i = 0; i < 2; i++)
		CHECK_INT(chan_seal(p.a, (const uint8_t *)"ab" + i, 1, 0, f[i],
		              64, &fn[i]),
		    0);
	CHECK_INT(
	    chan_seal(p.a, (const uint8_t *)"bye", 3, 1, f[2], 64, &fn[2]), 0);
	CHECK_INT(crypto_secretstream_xchacha20poly1305_init_pull(
	              &st, p.hello_a + 4, k1),
	    0);
	for (i = 0; i < 3; i++) {
		CHECK_INT(fn[i],
		    4 +
		        ((uint32_t)f[i][0] << 24 | (uint32_t)f[i][1] << 16 |
		            (uint32_t)f[i][2] << 8 | f[i][3]));
		CHECK_INT(crypto_secretstream_xchacha20poly1305_pull(&st, m,
		              &mlen, &tag, f[i] + 4, fn[i] - 4, NULL, 0),
		    0);
		CHECK_INT(tag,
		    i == 2 ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
		           : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	}
	CHECK(mlen == 3 && memcmp(m, "bye", 3) == 0);
	pair_free(&p);

	/* A PUSH or REKEY tag from someone holding the key: refused. */
	for (i = 0; i < 2; i++) {
		pair_new(&p, 0);
		crypto_secretstream_xchacha20poly1305_init_push(&st, hdr, k1);
		crypto_secretstream_xchacha20poly1305_push(&st, c, NULL,
		    (const uint8_t *)"hi", 2, NULL, 0,
		    i == 0 ? crypto_secretstream_xchacha20poly1305_TAG_PUSH
		           : crypto_secretstream_xchacha20poly1305_TAG_REKEY);
		CHECK_INT(
		    chan_open(p.b, hdr, 24, m, sizeof(m), &n), CHAN_HELLO);
		CHECK_INT(chan_open(p.b, c, 2 + CHAN_ABYTES, m, sizeof(m), &n),
		    SD_EPROTO);
		CHECK_INT(n, 0);
		pair_free(&p);
	}
}

/* A FINAL with no content, then the same direction is closed. */
static void
test_final(void)
{
	struct pair p;
	uint8_t f[64], m[64];
	size_t fn, n = 9;

	pair_new(&p, 1);
	CHECK_INT(chan_seal(p.a, NULL, 0, 1, f, sizeof(f), &fn), 0);
	CHECK_INT(fn, 4 + CHAN_ABYTES);
	CHECK_INT(chan_seal(p.a, NULL, 0, 1, f + 32, 32, &n), SD_EPROTO);
	CHECK_INT(chan_open(p.b, f + 4, fn - 4, NULL, 0, &n), CHAN_FINAL);
	CHECK_INT(n, 0);
	CHECK_INT(chan_open(p.b, f + 4, fn - 4, m, sizeof(m), &n), SD_EPROTO);
	pair_free(&p);
}

/* A handshake's keys drive a channel both ways. */
static void
test_with_hs(void)
{
	struct key *ic, *is;
	struct hs *c, *s;
	struct chan *cc, *sc;
	uint8_t root[32], m1[HS_MSG_MAX], m2[HS_MSG_MAX], hc[CHAN_HELLO_BYTES],
	    hsv[CHAN_HELLO_BYTES], f[64], m[64];
	const uint8_t *tx, *rx;
	size_t n1, n2, n;

	randombytes_buf(root, sizeof(root));
	if (key_generate(&ic) != 0 || key_generate(&is) != 0 ||
	    hs_new(HS_CLIENT, ic, root, &c) != 0 ||
	    hs_new(HS_SERVER, is, root, &s) != 0)
		exit(2);
	CHECK_INT(hs_step(c, NULL, 0, m1, sizeof(m1), &n1), 0);
	CHECK_INT(hs_step(s, m1, n1, m2, sizeof(m2), &n2), 0);
	CHECK_INT(hs_step(c, m2, n2, m1, sizeof(m1), &n1), 0);
	CHECK_INT(hs_step(s, m1, n1, m2, sizeof(m2), &n2), 1);
	CHECK_INT(hs_step(c, m2, n2, NULL, 0, &n1), 1);
	CHECK_INT(hs_keys(c, &tx, &rx), 0);
	CHECK_INT(chan_new(tx, rx, hc, &cc), 0);
	CHECK_INT(hs_keys(s, &tx, &rx), 0);
	CHECK_INT(chan_new(tx, rx, hsv, &sc), 0);
	/* The channels copied the keys: the handshakes can go. */
	hs_free(c);
	hs_free(s);
	CHECK_INT(chan_open(sc, hc + 4, 24, m, sizeof(m), &n), CHAN_HELLO);
	CHECK_INT(chan_open(cc, hsv + 4, 24, m, sizeof(m), &n), CHAN_HELLO);
	CHECK_INT(
	    chan_seal(cc, (const uint8_t *)"ping", 4, 0, f, sizeof(f), &n), 0);
	CHECK_INT(chan_open(sc, f + 4, n - 4, m, sizeof(m), &n), CHAN_MESSAGE);
	CHECK(n == 4 && memcmp(m, "ping", 4) == 0);
	CHECK_INT(
	    chan_seal(sc, (const uint8_t *)"pong", 4, 0, f, sizeof(f), &n), 0);
	CHECK_INT(chan_open(cc, f + 4, n - 4, m, sizeof(m), &n), CHAN_MESSAGE);
	CHECK(n == 4 && memcmp(m, "pong", 4) == 0);
	chan_free(cc);
	chan_free(sc);
	key_free(ic);
	key_free(is);
}

int
main(void)
{
	uint8_t h[CHAN_HELLO_BYTES];
	struct chan *c = NULL;

	if (sodium_init() < 0)
		return 2;
	randombytes_buf(k1, sizeof(k1));
	randombytes_buf(k2, sizeof(k2));
	CHECK_INT(chan_new(NULL, k2, h, &c), SD_EINVAL);
	CHECK(c == NULL);
	chan_free(NULL);

	test_roundtrip(1u << 20);
	test_roundtrip(4093);
	test_seal_limits();
	test_oversize();
	test_flips();
	test_order();
	test_truncation();
	test_wire();
	test_final();
	test_with_hs();
	return check_done("test_chan");
}
