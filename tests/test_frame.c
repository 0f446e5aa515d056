/*
 * test_frame: proto/frame.c. The streaming reader yields exactly the frames
 * written whatever the chunking, refuses an oversize header before it
 * allocates for it, and the blocking fd helpers report EOF, truncation and
 * oversize frames with their documented codes.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "frame.h"

/* Payload sizes of the test stream: empty ones, tiny ones, one that
 * exceeds the reader's first 4096-byte buffer, and one exactly at the
 * stream maximum used below. */
static const size_t sizes[] = { 0, 1, 5, 0, 300, 4093, 5000, 0, 17, 9000 };
#define NFRAMES (sizeof(sizes) / sizeof(sizes[0]))
#define STREAM_MAX 9000

static uint8_t
payload_byte(size_t frame, size_t i)
{
	return (uint8_t)(frame * 31 + i * 7 + (i >> 8));
}

/* The whole stream, as a writer would send it (caller frees). */
static uint8_t *
stream_build(size_t *len)
{
	size_t total = 0, f, i, off = 0;
	uint8_t *s;

	for (f = 0; f < NFRAMES; f++)
		total += FRAME_HEADER_BYTES + sizes[f];
	if ((s = malloc(total)) == NULL)
		exit(2);
	for (f = 0; f < NFRAMES; f++) {
		frame_header(sizes[f], s + off);
		off += FRAME_HEADER_BYTES;
		for (i = 0; i < sizes[f]; i++)
			s[off++] = payload_byte(f, i);
	}
	*len = total;
	return s;
}

/* Checks one returned frame against the expected frame number. */
static int
frame_matches(size_t f, const uint8_t *p, size_t n)
{
	size_t i;

	if (f >= NFRAMES || n != sizes[f])
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] != payload_byte(f, i))
			return 0;
	return 1;
}

/* A small deterministic generator, so a failure can be replayed. */
static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Feeds the stream in chunks (chunk 0: byte by byte; otherwise random
 * sizes from 1 to maxchunk from seed) and returns the number of frames
 * that came out right, or -1 at the first wrong one or any error.
 */
static int
feed_stream(const uint8_t *s, size_t len, size_t maxchunk, uint32_t seed)
{
	struct frame_reader r;
	const uint8_t *p;
	size_t off = 0, n, got = 0;
	int rc, ok = 1;

	frame_reader_init(&r, STREAM_MAX);
	while (off < len && ok) {
		n = maxchunk == 0 ? 1 : 1 + xorshift(&seed) % maxchunk;
		if (n > len - off)
			n = len - off;
		if (frame_reader_feed(&r, s + off, n) != 0) {
			ok = 0;
			break;
		}
		off += n;
		while ((rc = frame_reader_next(&r, &p, &n)) == 1) {
			if (!frame_matches(got, p, n)) {
				fprintf(stderr, "frame %zu wrong (len %zu)\n",
				    got, n);
				ok = 0;
				break;
			}
			got++;
		}
		if (rc < 0)
			ok = 0;
	}
	/* Nothing more, and no partial frame left over. */
	if (ok && frame_reader_next(&r, &p, &n) != 0)
		ok = 0;
	if (ok && r.len != 0)
		ok = 0;
	frame_reader_free(&r);
	return ok ? (int)got : -1;
}

static void
test_reader_chunks(void)
{
	uint8_t *s;
	size_t len, bad = 0;
	uint32_t seed;

	s = stream_build(&len);
	CHECK_INT(feed_stream(s, len, 0, 0), NFRAMES); /* byte by byte */
	CHECK_INT(feed_stream(s, len, len, 1), NFRAMES);
	for (seed = 1; seed <= 200; seed++) {
		if (feed_stream(s, len, 1 + seed % 64, seed) != (int)NFRAMES ||
		    feed_stream(s, len, 1 + seed * 97 % 12000, seed) !=
		        (int)NFRAMES) {
			if (bad++ == 0)
				fprintf(stderr,
				    "random chunks, seed %u: wrong\n", seed);
		}
	}
	CHECK_INT(bad, 0);

	/* The whole stream in one feed. */
	{
		struct frame_reader r;
		const uint8_t *p;
		size_t n, got = 0, good = 0;

		frame_reader_init(&r, STREAM_MAX);
		CHECK_INT(frame_reader_feed(&r, s, len), 0);
		while (frame_reader_next(&r, &p, &n) == 1) {
			good += frame_matches(got, p, n);
			got++;
		}
		CHECK_INT(got, NFRAMES);
		CHECK_INT(good, NFRAMES);
		frame_reader_free(&r);
		frame_reader_free(&r); /* twice is harmless */
	}
	free(s);

	/* A partial frame yields nothing yet. */
	{
		struct frame_reader r;
		uint8_t hdr[FRAME_HEADER_BYTES];
		const uint8_t *p = NULL;
		size_t n = 0;

		frame_reader_init(&r, 100);
		CHECK_INT(frame_reader_next(&r, &p, &n), 0);
		frame_header(3, hdr);
		CHECK_INT(frame_reader_feed(&r, hdr, 3), 0);
		CHECK_INT(frame_reader_next(&r, &p, &n), 0);
		CHECK_INT(frame_reader_feed(&r, hdr + 3, 1), 0);
		CHECK_INT(frame_reader_next(&r, &p, &n), 0);
		CHECK_INT(frame_reader_feed(&r, (const uint8_t *)"ab", 2), 0);
		CHECK_INT(frame_reader_next(&r, &p, &n), 0);
		CHECK_INT(frame_reader_feed(&r, (const uint8_t *)"c", 1), 0);
		CHECK_INT(frame_reader_next(&r, &p, &n), 1);
		CHECK_INT(n, 3);
		CHECK(p != NULL && memcmp(p, "abc", 3) == 0);
		CHECK_INT(frame_reader_next(&r, &p, &n), 0);
		frame_reader_free(&r);
	}
}

static void
test_reader_oversize(void)
{
	struct frame_reader r;
	uint8_t hdr[FRAME_HEADER_BYTES], junk[256];
	const uint8_t *p;
	size_t n, i;

	memset(junk, 'j', sizeof(junk));

	/* max + 1, byte by byte: refused on the 4th header byte. */
	frame_reader_init(&r, 1000);
	frame_header(1001, hdr);
	for (i = 0; i < 3; i++)
		CHECK_INT(frame_reader_feed(&r, hdr + i, 1), 0);
	CHECK_INT(frame_reader_feed(&r, hdr + 3, 1), SD_ETOOBIG);
	CHECK(r.cap <= 4096);
	CHECK_INT(frame_reader_next(&r, &p, &n), SD_ETOOBIG);
	CHECK_INT(frame_reader_feed(&r, junk, sizeof(junk)), SD_ETOOBIG);
	CHECK(r.cap <= 4096);
	frame_reader_free(&r);

	/* Exactly max is accepted and nothing is preallocated for it. */
	frame_reader_init(&r, FRAME_CONTROL_MAX);
	frame_header(FRAME_CONTROL_MAX, hdr);
	CHECK_INT(frame_reader_feed(&r, hdr, sizeof(hdr)), 0);
	CHECK_INT(frame_reader_next(&r, &p, &n), 0);
	CHECK(r.cap <= 4096);
	frame_reader_free(&r);

	/* max + 1 of the control maximum, header and payload bytes in one
	 * feed: refused, and the buffer did not grow for the payload. */
	frame_reader_init(&r, FRAME_CONTROL_MAX);
	{
		uint8_t chunk[FRAME_HEADER_BYTES + sizeof(junk)];

		frame_header((size_t)FRAME_CONTROL_MAX + 1, chunk);
		memcpy(chunk + FRAME_HEADER_BYTES, junk, sizeof(junk));
		CHECK_INT(
		    frame_reader_feed(&r, chunk, sizeof(chunk)), SD_ETOOBIG);
		CHECK(r.cap <= 4096);
		CHECK(r.len <= FRAME_HEADER_BYTES);
	}
	frame_reader_free(&r);

	/* The largest header there is. */
	frame_reader_init(&r, FRAME_CONTROL_MAX);
	memset(hdr, 0xff, sizeof(hdr));
	CHECK_INT(frame_reader_feed(&r, hdr, sizeof(hdr)), SD_ETOOBIG);
	CHECK(r.cap <= 4096);
	frame_reader_free(&r);

	/* A good frame, then an oversize header, in one feed: the good frame
	 * comes out, then the refusal. */
	frame_reader_init(&r, 1000);
	{
		uint8_t chunk[2 * FRAME_HEADER_BYTES + 2];

		frame_header(2, chunk);
		chunk[4] = 'o';
		chunk[5] = 'k';
		frame_header(1001, chunk + 6);
		CHECK_INT(frame_reader_feed(&r, chunk, sizeof(chunk)), 0);
		CHECK_INT(frame_reader_next(&r, &p, &n), 1);
		CHECK(n == 2 && memcmp(p, "ok", 2) == 0);
		CHECK_INT(frame_reader_next(&r, &p, &n), SD_ETOOBIG);
		CHECK_INT(frame_reader_feed(&r, junk, 10), SD_ETOOBIG);
		CHECK(r.cap <= 4096);
	}
	frame_reader_free(&r);
}

static void
test_fd_roundtrip(void)
{
	static const size_t fsz[] = { 0, 1, 100, 30000 };
	uint8_t *big, *out = NULL;
	size_t outlen = 0, i, f;
	int sv[2], rc, status;
	pid_t pid;

	if ((big = malloc(1 << 20)) == NULL)
		exit(2);
	for (i = 0; i < (1 << 20); i++)
		big[i] = (uint8_t)(i * 13 + (i >> 10));

	/* Small frames fit in the socket buffer: write, then read. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	for (f = 0; f < sizeof(fsz) / sizeof(fsz[0]); f++)
		CHECK_INT(frame_write_fd(sv[0], big, fsz[f]), 0);
	for (f = 0; f < sizeof(fsz) / sizeof(fsz[0]); f++) {
		out = NULL;
		rc = frame_read_fd(sv[1], 1 << 20, &out, &outlen);
		CHECK_INT(rc, 0);
		if (rc == 0) {
			CHECK_INT(outlen, fsz[f]);
			CHECK(
			    outlen == fsz[f] && memcmp(out, big, outlen) == 0);
			free(out);
		}
	}
	close(sv[0]);
	/* Then the writer's end closed cleanly: -EPIPE. */
	CHECK_INT(frame_read_fd(sv[1], 1 << 20, &out, &outlen), -EPIPE);
	close(sv[1]);

	/* A 1 MiB frame, larger than the socket buffer, from a child: many
	 * partial writes and reads. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(sv[1]);
		_exit(frame_write_fd(sv[0], big, 1 << 20) == 0 ? 0 : 1);
	}
	close(sv[0]);
	out = NULL;
	rc = frame_read_fd(sv[1], 1 << 20, &out, &outlen);
	CHECK_INT(rc, 0);
	if (rc == 0) {
		CHECK_INT(outlen, 1 << 20);
		CHECK(outlen == (1 << 20) && memcmp(out, big, outlen) == 0);
		free(out);
	}
	CHECK_INT(frame_read_fd(sv[1], 1 << 20, &out, &outlen), -EPIPE);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	close(sv[1]);
	free(big);
}

static void
test_fd_errors(void)
{
	uint8_t hdr[FRAME_HEADER_BYTES], *out = NULL;
	size_t outlen = 12345;
	int sv[2];

	/* Header, then close: truncated. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	frame_header(10, hdr);
	CHECK(write(sv[0], hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr));
	close(sv[0]);
	CHECK_INT(frame_read_fd(sv[1], 100, &out, &outlen), SD_EPROTO);
	CHECK(out == NULL);
	close(sv[1]);

	/* Header and part of the payload, then close: truncated. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(write(sv[0], hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr));
	CHECK(write(sv[0], "abc", 3) == 3);
	close(sv[0]);
	CHECK_INT(frame_read_fd(sv[1], 100, &out, &outlen), SD_EPROTO);
	CHECK(out == NULL);
	close(sv[1]);

	/* Half a header, then close: truncated too. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(write(sv[0], hdr, 2) == 2);
	close(sv[0]);
	CHECK_INT(frame_read_fd(sv[1], 100, &out, &outlen), SD_EPROTO);
	close(sv[1]);

	/* Nothing at all, then close: a clean end of stream. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[0]);
	CHECK_INT(frame_read_fd(sv[1], 100, &out, &outlen), -EPIPE);
	CHECK(out == NULL);
	close(sv[1]);

	/* Oversize: refused from the header alone, the writer still open. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	frame_header(101, hdr);
	CHECK(write(sv[0], hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr));
	CHECK_INT(frame_read_fd(sv[1], 100, &out, &outlen), SD_ETOOBIG);
	CHECK(out == NULL);
	CHECK_INT(outlen, 12345);
	/* Exactly max is fine. */
	CHECK_INT(frame_write_fd(sv[0], (const uint8_t *)"x", 1), 0);
	CHECK_INT(frame_read_fd(sv[1], 1, &out, &outlen), 0);
	CHECK_INT(outlen, 1);
	free(out);
	out = NULL;
	frame_header(0xffffffffu, hdr);
	CHECK(write(sv[0], hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr));
	CHECK_INT(
	    frame_read_fd(sv[1], FRAME_CONTROL_MAX, &out, &outlen), SD_ETOOBIG);
	CHECK(out == NULL);
	close(sv[0]);
	close(sv[1]);

	/* Writing to a closed peer: -EPIPE, not a signal. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[1]);
	CHECK_INT(frame_write_fd(sv[0], (const uint8_t *)"x", 1), -EPIPE);
	close(sv[0]);

	/* A bad descriptor. */
	CHECK_INT(frame_read_fd(-1, 100, &out, &outlen), -EBADF);
	CHECK_INT(frame_write_fd(-1, (const uint8_t *)"x", 1), -EBADF);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_reader_chunks();
	test_reader_oversize();
	test_fd_roundtrip();
	test_fd_errors();
	return check_done("test_frame");
}
