/* The handshake: a real client and server, with one of the four messages
 * tampered with in flight (input byte 0 picks which, byte 1 how: flip
 * bytes, truncate, or append). A tampered message must end the handshake
 * with an error, never complete it with the wrong peer, and never
 * complete it at all unless nothing was changed. */
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "hs.h"
#include "key.h"

static struct key *fz_client, *fz_server;
static uint8_t fz_root[KEY_PUBLIC_BYTES];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct key *root;

	(void)argc;
	(void)argv;
	if (key_generate(&fz_client) != 0 || key_generate(&fz_server) != 0 ||
	    key_generate(&root) != 0)
		abort();
	memcpy(fz_root, root->pk, KEY_PUBLIC_BYTES);
	key_free(root);
	return 0;
}

/* Applies the input's mutation to msg (len *n, room HS_MSG_MAX * 2). */
static void
fz_mutate(uint8_t *msg, size_t *n, const uint8_t *data, size_t size)
{
	size_t i;

	if (size < 2)
		return;
	switch (data[1] % 3) {
	case 0: /* flip: pairs (position, xor) */
		for (i = 2; i + 1 < size; i += 2)
			if (*n > 0)
				msg[data[i] % *n] ^= data[i + 1];
		break;
	case 1: /* truncate */
		if (size > 2 && data[2] % (HS_MSG_MAX + 1) < *n)
			*n = data[2] % (HS_MSG_MAX + 1);
		break;
	default: /* append */
		for (i = 2; i < size && *n < 2 * HS_MSG_MAX; i++)
			msg[(*n)++] = data[i];
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs *c = NULL, *s = NULL;
	uint8_t msg[2 * HS_MSG_MAX], out[HS_MSG_MAX], pk[KEY_PUBLIC_BYTES];
	size_t n = 0, outlen, step;
	int target = size > 0 ? data[0] % 4 : -1, tampered = 0;
	int rc_c = 0, rc_s = 0;

	if (hs_new(HS_CLIENT, fz_client, fz_root, &c) != 0 ||
	    hs_new(HS_SERVER, fz_server, fz_root, &s) != 0)
		abort();
	if (hs_step(c, NULL, 0, msg, sizeof(msg), &n) != 0)
		abort();
	/* msg1 (to server), msg2 (to client), msg3 (to server), msg4. */
	for (step = 0; step < 4; step++) {
		struct hs *to = step % 2 == 0 ? s : c;
		int rc;
		if ((int)step == target) {
			uint8_t orig[sizeof(msg)];
			size_t on = n;
			memcpy(orig, msg, n);
			fz_mutate(msg, &n, data, size);
			/* Flips may cancel out: compare what is sent. */
			tampered = n != on || memcmp(orig, msg, n) != 0;
		}
		rc = hs_step(to, msg, n, out, sizeof(out), &outlen);
		if (to == s)
			rc_s = rc;
		else
			rc_c = rc;
		if (rc < 0)
			break;
		fuzz_check(outlen <= sizeof(out), "message above HS_MSG_MAX");
		memcpy(msg, out, outlen);
		n = outlen;
		if (rc == 1 && to == c)
			break;
	}
	if (tampered) {
		fuzz_check(!(rc_c == 1 && rc_s == 1),
		    "a tampered handshake completed on both ends");
	} else {
		fuzz_check(rc_c == 1 && rc_s == 1, "a clean handshake failed");
		fuzz_check(hs_peer(c, pk) == 0 &&
		        memcmp(pk, fz_server->pk, KEY_PUBLIC_BYTES) == 0,
		    "client sees the wrong server");
		fuzz_check(hs_peer(s, pk) == 0 &&
		        memcmp(pk, fz_client->pk, KEY_PUBLIC_BYTES) == 0,
		    "server sees the wrong client");
	}
	hs_free(c);
	hs_free(s);
	return 0;
}
