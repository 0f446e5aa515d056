/*
 * evilpeer: a misbehaving federation peer for the end-to-end tests. It
 * holds a real, certified node key, completes the real handshake with a
 * daemon, sends its certificate, and then does one thing (MODE):
 *   good       a valid member record of its own (the control case: stored)
 *   badsig     the same record with one bit of its signature flipped
 *   scope      a correctly signed member outside its certificate's country
 *   forged     a member record claiming origin FORGE_ORIGIN (a certified
 *              node's key), signed by itself
 *   oversize   a frame header above the channel's maximum
 *   truncated  a frame header announcing 100 bytes, then 10, then close
 *   version    a sync message of version 0 (no version at all)
 *   later      a message of a later release: version 99, a message kind
 *              (field 15) and a field (40) this build cannot name; the
 *              peer must keep the connection ("open")
 *   future     a record of a kind of a later release (RecordBody field
 *              9, opaque), seq $EVIL_SEQ (default 1), subject
 *              $EVIL_SUBJECT (unset: none), payload $EVIL_TEXT
 *   fetch      asks (Want) for every record of origin FORGE_ORIGIN and
 *              prints each record received, in hex, one a line (for 10 s
 *              at most, until a batch of that origin without `more`);
 *              then "fetched N"
 * It announces the capabilities in $EVIL_CAPS (unset: none, as a node of
 * the first release).
 *   replay     the record bytes in the file $EVIL_RECORD again, as a
 *              batch (0, 1], $EVIL_WAIT_MS milliseconds after its
 *              certificate was sent
 * With $EVIL_RECORD set, the other modes save the record they send
 * there. It prints "closed" if the daemon dropped the connection within
 * 2 s, "open" otherwise.
 *
 * usage: evilpeer KEYFILE ROOTPUB CERTFILE PORT MODE [FORGE_ORIGIN]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "err.h"
#include "frame.h"
#include "gossip.pb-c.h"
#include "hs.h"
#include "key.h"
#include "record.h"
#include "sdtest.h"

static int
die(const char *what)
{
	fprintf(stderr, "evilpeer: %s\n", what);
	exit(2);
}

static void
send_sealed(int fd, struct chan *ch, Sd__PeerMsg *m)
{
	size_t len = sd__peer_msg__get_packed_size(m), outlen;
	uint8_t *buf = malloc(len + 1), *out = malloc(CHAN_SEALED_BYTES(len));

	if (buf == NULL || out == NULL)
		die("oom");
	sd__peer_msg__pack(m, buf);
	if (chan_seal(ch, buf, len, 0, out, CHAN_SEALED_BYTES(len), &outlen) !=
	        0 ||
	    write(fd, out, outlen) != (ssize_t)outlen)
		die("send");
	free(buf);
	free(out);
}

/* A member record of origin k (seq 1), country cc. */
static uint8_t *
member_record(const struct key *k, const char *cc, size_t *len)
{
	static const uint8_t id[MEMBER_ID_BYTES] = { 0xee, 1 };
	struct sdtest_member s = {
		.name = "Evil Peer Test Oy", .country = cc, .employees = -1
	};
	Sd__RecordBody b;
	Sd__Member m;
	uint8_t *rec;

	sdtest_member_body(&b, &m, id, &s);
	if (sdtest_record_sign(k, 1, &b, record_now_ms(), &rec, len) != 0)
		die("sign");
	return rec;
}

/* A record of a kind of a later release, of origin k: see "future". */
static uint8_t *
future_record(const struct key *k, size_t *len)
{
	const char *seq = getenv("EVIL_SEQ"), *text = getenv("EVIL_TEXT");
	Sd__RecordBody b;
	struct sdtest_future f;
	uint8_t *rec;

	sdtest_future_body(&b, &f, getenv("EVIL_SUBJECT"),
	    text != NULL ? text : "a later release's record");
	if (sdtest_record_sign(k, seq != NULL ? strtoull(seq, NULL, 10) : 1, &b,
	        record_now_ms(), &rec, len) != 0)
		die("sign");
	return rec;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint8_t *
load_record(const char *path, size_t *len)
{
	uint8_t *rec = malloc(70000);
	FILE *f;

	if (path == NULL || rec == NULL || (f = fopen(path, "rb")) == NULL)
		die("replay: EVIL_RECORD");
	*len = fread(rec, 1, 70000, f);
	fclose(f);
	return rec;
}

static void
save_record(const char *path, const uint8_t *rec, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(rec, 1, len, f) != len || fclose(f) != 0)
		die("EVIL_RECORD: cannot write");
}

/* Sends a Want for every record of origin and prints those received (see
 * "fetch"); returns how many. */
static int
fetch(int fd, struct chan *ch, const uint8_t *origin)
{
	Sd__PeerMsg m;
	Sd__Want w;
	long t0 = now_ms();
	int n = 0, done = 0;

	sd__peer_msg__init(&m);
	sd__want__init(&w);
	m.version = 1;
	m.m_case = SD__PEER_MSG__M_WANT;
	m.want = &w;
	w.origin.data = (uint8_t *)origin;
	w.origin.len = 32;
	w.after = 0;
	send_sealed(fd, ch, &m);
	while (!done && now_ms() - t0 < 10000) {
		struct pollfd p = { fd, POLLIN, 0 };
		uint8_t *in = NULL, *msg;
		size_t inlen, mlen, i;
		Sd__PeerMsg *pm;
		int rc;
		if (poll(&p, 1, 10000 - (int)(now_ms() - t0)) <= 0)
			break;
		if (frame_read_fd(fd, CHAN_FRAME_MAX, &in, &inlen) != 0)
			break;
		if ((msg = malloc(inlen + 1)) == NULL)
			die("oom");
		rc = chan_open(ch, in, inlen, msg, inlen + 1, &mlen);
		free(in);
		if (rc < 0)
			die("chan_open");
		if (rc != CHAN_MESSAGE ||
		    (pm = sd__peer_msg__unpack(NULL, mlen, msg)) == NULL) {
			free(msg);
			continue;
		}
		if (pm->m_case == SD__PEER_MSG__M_BATCH &&
		    pm->batch->origin.len == 32 &&
		    memcmp(pm->batch->origin.data, origin, 32) == 0) {
			for (i = 0; i < pm->batch->n_records; i++, n++) {
				size_t j;
				for (j = 0; j < pm->batch->records[i].len; j++)
					printf("%02x",
					    pm->batch->records[i].data[j]);
				printf("\n");
			}
			done = !pm->batch->more;
		}
		sd__peer_msg__free_unpacked(pm, NULL);
		free(msg);
	}
	printf("fetched %d\n", n);
	return n;
}

int
main(int argc, char **argv)
{
	struct key *k = NULL;
	struct hs *h = NULL;
	struct chan *ch = NULL;
	uint8_t root[32], msg[HS_MSG_MAX], hello[CHAN_HELLO_BYTES], cert[70000];
	uint8_t *in = NULL, *rec;
	const uint8_t *tx, *rx;
	struct sockaddr_in sa;
	size_t outlen, inlen, certlen, reclen;
	const char *mode;
	FILE *f;
	int fd, rc;
	long t0;

	uint8_t forge[32];

	if (argc != 6 && argc != 7)
		die("usage: evilpeer KEYFILE ROOTPUB CERTFILE PORT MODE "
		    "[FORGE_ORIGIN]");
	if (argc == 7 && key_public_parse(argv[6], forge) != 0)
		die("forge origin");
	mode = argv[5];
	if (key_load(argv[1], &k) != 0 || key_public_parse(argv[2], root) != 0)
		die("key or root");
	if ((f = fopen(argv[3], "rb")) == NULL)
		die("cert file");
	certlen = fread(cert, 1, sizeof(cert), f);
	fclose(f);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(argv[4]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("connect");
	if (hs_new(HS_CLIENT, k, root, &h) != 0)
		die("hs_new");
	rc = hs_step(h, NULL, 0, msg, sizeof(msg), &outlen);
	if (rc != 0 || frame_write_fd(fd, msg, outlen) != 0)
		die("msg1");
	while (rc == 0) {
		if (frame_read_fd(fd, HS_FRAME_MAX, &in, &inlen) != 0)
			die("handshake refused");
		rc = hs_step(h, in, inlen, msg, sizeof(msg), &outlen);
		free(in);
		if (rc < 0)
			die("handshake failed");
		if (outlen > 0 && frame_write_fd(fd, msg, outlen) != 0)
			die("handshake write");
	}
	if (hs_keys(h, &tx, &rx) != 0 || chan_new(tx, rx, hello, &ch) != 0)
		die("chan");
	if (write(fd, hello, sizeof(hello)) != (ssize_t)sizeof(hello))
		die("hello");
	{
		Sd__PeerMsg m;
		sd__peer_msg__init(&m);
		m.version = 1;
		m.m_case = SD__PEER_MSG__M_CERT;
		m.cert.data = cert;
		m.cert.len = certlen;
		/* The capabilities to announce (sync/sync.h SYNC_CAP_*):
		 * none, as a node of the first release, unless told. */
		if (getenv("EVIL_CAPS") != NULL) {
			m.has_caps = 1;
			m.caps =
			    (uint32_t)strtoul(getenv("EVIL_CAPS"), NULL, 0);
		}
		send_sealed(fd, ch, &m);
	}
	usleep(300000);
	if (strcmp(mode, "fetch") == 0) {
		if (argc != 7)
			die("fetch: ORIGIN");
		fetch(fd, ch, forge);
		goto out;
	} else if (strcmp(mode, "later") == 0) {
		struct sdtest_later_msg l;
		Sd__PeerMsg m;
		sdtest_later_msg(&m, &l);
		send_sealed(fd, ch, &m);
	} else if (strcmp(mode, "oversize") == 0) {
		uint8_t hdr[4];
		frame_header(CHAN_FRAME_MAX + 1, hdr);
		if (write(fd, hdr, 4) != 4)
			die("write");
	} else if (strcmp(mode, "truncated") == 0) {
		uint8_t hdr[4];
		frame_header(100, hdr);
		if (write(fd, hdr, 4) != 4 || write(fd, "0123456789", 10) != 10)
			die("write");
		printf("sent\n");
		goto out;
	} else {
		Sd__PeerMsg m;
		Sd__RecordBatch b;
		ProtobufCBinaryData r;
		sd__peer_msg__init(&m);
		sd__record_batch__init(&b);
		m.version = strcmp(mode, "version") == 0 ? 0 : 1;
		m.m_case = SD__PEER_MSG__M_BATCH;
		m.batch = &b;
		if (strcmp(mode, "replay") == 0) {
			const char *wait = getenv("EVIL_WAIT_MS");
			rec = load_record(getenv("EVIL_RECORD"), &reclen);
			if (wait != NULL)
				usleep((useconds_t)atoi(wait) * 1000u);
		} else if (strcmp(mode, "future") == 0) {
			rec = future_record(k, &reclen);
		} else if (strcmp(mode, "scope") == 0) {
			rec = member_record(k, "SE", &reclen);
		} else if (strcmp(mode, "forged") == 0) {
			/* Signed by us, claiming a fresh key as its origin. */
			Sd__SignedRecord *sr;
			rec = member_record(k, "FI", &reclen);
			if (argc != 7 ||
			    (sr = sd__signed_record__unpack(
			         NULL, reclen, rec)) == NULL)
				die("forge");
			memcpy(sr->origin.data, forge, 32);
			sd__signed_record__pack(sr, rec);
			sd__signed_record__free_unpacked(sr, NULL);
		} else {
			rec = member_record(k, "FI", &reclen);
		}
		if (strcmp(mode, "badsig") == 0)
			rec[reclen - 1] ^= 0x01; /* the signature is last */
		if (strcmp(mode, "replay") != 0 &&
		    getenv("EVIL_RECORD") != NULL)
			save_record(getenv("EVIL_RECORD"), rec, reclen);
		r.data = rec;
		r.len = reclen;
		b.origin.data = strcmp(mode, "forged") == 0 ? forge : k->pk;
		b.origin.len = 32;
		b.from = 0;
		b.to = 1;
		if (strcmp(mode, "future") == 0 && getenv("EVIL_SEQ") != NULL) {
			/* The batch (seq - 1, seq]: the earlier seqs came
			 * before. */
			b.to = strtoull(getenv("EVIL_SEQ"), NULL, 10);
			b.from = b.to - 1;
		}
		b.records = &r;
		b.n_records = 1;
		send_sealed(fd, ch, &m);
		free(rec);
	}
	t0 = now_ms();
	/* Drain (digests come every gossip_ms) until the daemon closes, or
	 * 2 s pass. */
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		char buf[4096];
		long left = 2000 - (now_ms() - t0);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			printf("open\n");
			break;
		}
		if (read(fd, buf, sizeof(buf)) <= 0) {
			printf("closed\n");
			break;
		}
	}
out:
	close(fd);
	chan_free(ch);
	hs_free(h);
	key_free(k);
	return 0;
}
