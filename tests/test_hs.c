/*
 * test_hs: proto/hs.c. A full handshake gives both ends crosswise equal
 * session keys and each other's identity; a peer without the network key
 * is refused at msg1 before the server does any work; every bit flip,
 * truncation, extension, replay and reflection of each message is refused;
 * a msg3 signed by another key than the one it names is refused. A client
 * written here from docs/PROTOCOL.md alone interoperates with the server
 * (so the document and the code agree), and K_net and a msg1 MAC are
 * checked against values computed independently with Python's hashlib.
 */
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "hs.h"
#include "key.h"

static struct key *id_client, *id_server, *id_other;
static uint8_t root[KEY_PUBLIC_BYTES], root_other[KEY_PUBLIC_BYTES];

/* One handshake between two in-memory parties; m[k] is message k. */
struct sess {
	struct hs *c, *s;
	uint8_t m[5][HS_MSG_MAX];
	size_t n[5];
	int rc[5]; /* what the step producing m[k] returned */
};

static void
sess_init(struct sess *x, const uint8_t *croot, const uint8_t *sroot)
{
	memset(x, 0, sizeof(*x));
	if (hs_new(HS_CLIENT, id_client, croot, &x->c) != 0 ||
	    hs_new(HS_SERVER, id_server, sroot, &x->s) != 0) {
		fprintf(stderr, "hs_new failed\n");
		exit(2);
	}
}

static void
sess_free(struct sess *x)
{
	hs_free(x->c);
	hs_free(x->s);
	x->c = x->s = NULL;
}

/* Delivers message k-1 to its recipient, which produces message k (k = 1:
 * the client's first step). Returns that step's result. */
static int
sess_make(struct sess *x, int k)
{
	struct hs *h = (k % 2) ? x->c : x->s;

	if (k == 1)
		x->rc[1] = hs_step(h, NULL, 0, x->m[1], HS_MSG_MAX, &x->n[1]);
	else
		x->rc[k] = hs_step(
		    h, x->m[k - 1], x->n[k - 1], x->m[k], HS_MSG_MAX, &x->n[k]);
	return x->rc[k];
}

/* Produces messages 1..k; 0 if every step went as the protocol says. */
static int
sess_run(struct sess *x, int k)
{
	int i;

	for (i = 1; i <= k; i++)
		if (sess_make(x, i) != (i == 4 ? 1 : 0))
			return -1;
	return 0;
}

/* The recipient of message k. */
static struct hs *
sess_to(struct sess *x, int k)
{
	return (k % 2) ? x->s : x->c;
}

static const size_t msg_bytes[5] = { 0, HS_MSG1_BYTES, HS_MSG2_BYTES,
	HS_MSG3_BYTES, HS_MSG4_BYTES };

static void
test_kat(void)
{
	/* python3: blake2b(b"stardust/network/v1" + bytes(range(32)),
	 * digest_size=32); the tag: blake2b(bytes([1, 9]) + bytes(31),
	 * digest_size=32, key=K_net). */
	static const char *knet_hex =
	    "ee73985aca7b734047ee8af9ef262dc7bf9503c1c253268698f9750b70e6ca5d";
	static const char *tag_hex =
	    "1a952dd72fa57d7481eb4f71646a001ad759a5530343a48e331d5b72f5c467aa";
	uint8_t rk[32], knet[32], want[32], msg1[HS_MSG1_BYTES];
	uint8_t out[HS_MSG_MAX];
	size_t i, n = 99;
	struct hs *s;

	for (i = 0; i < 32; i++)
		rk[i] = (uint8_t)i;
	hs_network_key(rk, knet);
	sodium_hex2bin(want, 32, knet_hex, 64, NULL, NULL, NULL);
	CHECK(memcmp(knet, want, 32) == 0);

	/* A msg1 built by Python (e_c = the X25519 base point 9) is
	 * accepted by a server of that federation. */
	memset(msg1, 0, sizeof(msg1));
	msg1[0] = 1;
	msg1[1] = 9;
	sodium_hex2bin(msg1 + 33, 32, tag_hex, 64, NULL, NULL, NULL);
	CHECK_INT(hs_new(HS_SERVER, id_server, rk, &s), 0);
	CHECK_INT(hs_step(s, msg1, sizeof(msg1), out, sizeof(out), &n), 0);
	CHECK_INT(n, HS_MSG2_BYTES);
	CHECK_INT(out[0], HS_VERSION);
	CHECK_INT(hs_phase(s), HS_PHASE_MSG3);
	hs_free(s);

	/* The same msg1 for another root key is not. */
	CHECK_INT(hs_new(HS_SERVER, id_server, root, &s), 0);
	CHECK_INT(
	    hs_step(s, msg1, sizeof(msg1), out, sizeof(out), &n), SD_ESIG);
	hs_free(s);

	/* The refusal: no valid version, then the one spoken. */
	hs_refusal(out);
	CHECK_INT(out[0], 0);
	CHECK_INT(out[1], 1);
}

static void
test_full(void)
{
	struct sess x, y;
	const uint8_t *ctx, *crx, *stx, *srx, *ytx, *yrx;
	uint8_t pk[KEY_PUBLIC_BYTES], out[HS_MSG_MAX];
	size_t n = 7;
	int k;

	sess_init(&x, root, root);
	CHECK_INT(hs_phase(x.c), HS_PHASE_START);
	CHECK_INT(hs_phase(x.s), HS_PHASE_MSG1);
	CHECK_INT(hs_peer(x.c, pk), SD_EPROTO);
	CHECK_INT(hs_keys(x.s, &stx, &srx), SD_EPROTO);
	for (k = 1; k <= 4; k++) {
		CHECK_INT(sess_make(&x, k), k == 4 ? 1 : 0);
		CHECK_INT(x.n[k], msg_bytes[k]);
		if (k <= 2)
			CHECK_INT(x.m[k][0], HS_VERSION);
		/* The server has no identity to give before msg3. */
		CHECK_INT(hs_peer(x.s, pk), k == 4 ? 0 : SD_EPROTO);
	}
	CHECK_INT(hs_phase(x.c), HS_PHASE_MSG4);
	CHECK_INT(hs_phase(x.s), HS_PHASE_DONE);
	/* msg4 completes the client, which has nothing more to send. */
	CHECK_INT(hs_step(x.c, x.m[4], x.n[4], NULL, 0, &n), 1);
	CHECK_INT(n, 0);
	CHECK_INT(hs_phase(x.c), HS_PHASE_DONE);

	CHECK_INT(hs_peer(x.c, pk), 0);
	CHECK(memcmp(pk, id_server->pk, KEY_PUBLIC_BYTES) == 0);
	CHECK_INT(hs_peer(x.s, pk), 0);
	CHECK(memcmp(pk, id_client->pk, KEY_PUBLIC_BYTES) == 0);
	CHECK_INT(hs_keys(x.c, &ctx, &crx), 0);
	CHECK_INT(hs_keys(x.s, &stx, &srx), 0);
	if (hs_keys(x.c, &ctx, &crx) != 0 || hs_keys(x.s, &stx, &srx) != 0) {
		sess_free(&x);
		return;
	}
	CHECK(sodium_memcmp(ctx, srx, HS_KEY_BYTES) == 0);
	CHECK(sodium_memcmp(crx, stx, HS_KEY_BYTES) == 0);
	CHECK(sodium_memcmp(ctx, crx, HS_KEY_BYTES) != 0);
	CHECK(!sodium_is_zero(ctx, HS_KEY_BYTES));

	/* Identities travel encrypted: neither public key appears in
	 * any message. */
	for (k = 1; k <= 4; k++) {
		CHECK(memmem(x.m[k], x.n[k], id_client->pk, 8) == NULL);
		CHECK(memmem(x.m[k], x.n[k], id_server->pk, 8) == NULL);
	}

	/* Done is done. */
	CHECK_INT(
	    hs_step(x.c, x.m[4], x.n[4], out, sizeof(out), &n), SD_EPROTO);
	CHECK_INT(
	    hs_step(x.s, x.m[3], x.n[3], out, sizeof(out), &n), SD_EPROTO);

	/* A second session between the same two has fresh keys. */
	sess_init(&y, root, root);
	CHECK_INT(sess_run(&y, 4), 0);
	CHECK_INT(hs_keys(y.s, &ytx, &yrx), 0);
	if (hs_keys(y.s, &ytx, &yrx) == 0) {
		CHECK(sodium_memcmp(ytx, stx, HS_KEY_BYTES) != 0);
		CHECK(sodium_memcmp(yrx, srx, HS_KEY_BYTES) != 0);
	}
	CHECK(memcmp(y.m[1], x.m[1], HS_MSG1_BYTES) != 0);
	sess_free(&y);
	sess_free(&x);
}

static void
test_wrong_root(void)
{
	struct sess x;
	uint8_t out[HS_MSG_MAX], poison[HS_MSG_MAX];
	size_t n = 42;

	sess_init(&x, root_other, root);
	CHECK_INT(sess_make(&x, 1), 0);
	memset(out, 0xa5, sizeof(out));
	memcpy(poison, out, sizeof(out));
	CHECK_INT(hs_step(x.s, x.m[1], x.n[1], out, sizeof(out), &n), SD_ESIG);
	/* Refused before any work: no output, nothing written, the phase
	 * not advanced (the server's ephemeral key, its first X25519
	 * operation, comes with the step that advances it). */
	CHECK_INT(n, 0);
	CHECK(memcmp(out, poison, sizeof(out)) == 0);
	CHECK_INT(hs_phase(x.s), HS_PHASE_MSG1);
	/* And the handshake is over. */
	CHECK_INT(
	    hs_step(x.s, x.m[1], x.n[1], out, sizeof(out), &n), SD_EPROTO);
	sess_free(&x);

	/* A server of another federation refuses a client's msg2 the
	 * same way, from the client's side. */
	sess_init(&x, root, root_other);
	CHECK_INT(sess_make(&x, 1), 0);
	CHECK_INT(sess_make(&x, 2), SD_ESIG);
	sess_free(&x);
}

static void
test_version(void)
{
	struct sess x;
	uint8_t buf[HS_FRAME_MAX], out[HS_MSG_MAX], ref[HS_REFUSAL_BYTES];
	size_t n;
	int v;

	/* Any other version byte, at the expected length or any other,
	 * gets SD_EVERSION (length and MAC are version 1's). */
	for (v = 0; v < 256; v++) {
		size_t len = (v % 3 == 0) ? HS_MSG1_BYTES
		    : (v % 3 == 1)        ? 2
		                          : HS_FRAME_MAX;
		if (v == HS_VERSION)
			continue;
		sess_init(&x, root, root);
		CHECK_INT(sess_make(&x, 1), 0);
		memset(buf, 0, sizeof(buf));
		memcpy(buf, x.m[1], x.n[1]);
		buf[0] = (uint8_t)v;
		n = 5;
		CHECK_INT(
		    hs_step(x.s, buf, len, out, sizeof(out), &n), SD_EVERSION);
		CHECK_INT(n, 0);
		CHECK_INT(hs_phase(x.s), HS_PHASE_MSG1);
		sess_free(&x);
	}

	/* A client that gets the refusal, or a msg2 of another version. */
	sess_init(&x, root, root);
	CHECK_INT(sess_make(&x, 1), 0);
	hs_refusal(ref);
	CHECK_INT(
	    hs_step(x.c, ref, sizeof(ref), out, sizeof(out), &n), SD_EVERSION);
	sess_free(&x);
	sess_init(&x, root, root);
	CHECK_INT(sess_run(&x, 2), 0);
	x.m[2][0] = 2;
	CHECK_INT(sess_make(&x, 3), SD_EVERSION);
	sess_free(&x);
}

/* Every single-bit flip of message k is refused by its recipient, which
 * then answers nothing and stays in its phase. */
static void
test_flips(int k)
{
	struct sess x;
	size_t bit, len = msg_bytes[k];
	int rc, want, phase, ok;

	for (bit = 0; bit < len * 8; bit++) {
		sess_init(&x, root, root);
		CHECK_INT(sess_run(&x, k), 0);
		phase = hs_phase(sess_to(&x, k));
		x.m[k][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		rc = k == 4 ? hs_step(x.c, x.m[4], x.n[4], NULL, 0, &x.n[0])
		            : sess_make(&x, k + 1);
		want = (k <= 2 && bit < 8) ? SD_EVERSION : SD_ESIG;
		ok = rc == want && (k == 4 || x.n[k + 1] == 0) &&
		    hs_phase(sess_to(&x, k)) == phase;
		if (!ok)
			fprintf(stderr, "msg%d bit %zu: rc %d\n", k, bit, rc);
		CHECK(ok);
		sess_free(&x);
	}
}

static void
test_lengths(void)
{
	static const uint8_t zeros[HS_FRAME_MAX];
	uint8_t buf[HS_FRAME_MAX], out[HS_MSG_MAX];
	struct sess x;
	size_t lens[5], n, i;
	int k, rc;

	for (k = 1; k <= 4; k++) {
		lens[0] = 0;
		lens[1] = 1;
		lens[2] = msg_bytes[k] - 1;
		lens[3] = msg_bytes[k] + 1;
		lens[4] = HS_FRAME_MAX;
		for (i = 0; i < 5; i++) {
			sess_init(&x, root, root);
			CHECK_INT(sess_run(&x, k), 0);
			memcpy(buf, zeros, sizeof(buf));
			memcpy(buf, x.m[k], x.n[k]);
			n = 3;
			if (k == 4)
				rc = hs_step(x.c, buf, lens[i], NULL, 0, &n);
			else
				rc = hs_step(sess_to(&x, k), buf, lens[i], out,
				    sizeof(out), &n);
			CHECK_INT(rc, SD_EPROTO);
			CHECK_INT(n, 0);
			sess_free(&x);
		}
	}
}

static void
test_replay(void)
{
	struct sess old, x;
	uint8_t out[HS_MSG_MAX];
	size_t n;

	sess_init(&old, root, root);
	CHECK_INT(sess_run(&old, 4), 0);

	/* An old msg1 is a valid MAC, so a new server answers it (no
	 * stateless check can tell), but the old msg3 then fails: the new
	 * server's ephemeral key changed every session key. */
	sess_init(&x, root, root);
	CHECK_INT(hs_step(x.s, old.m[1], old.n[1], out, sizeof(out), &n), 0);
	CHECK_INT(
	    hs_step(x.s, old.m[3], old.n[3], out, sizeof(out), &n), SD_ESIG);
	CHECK_INT(n, 0);
	sess_free(&x);

	/* An old msg2 to a new client: its MAC is bound to the old e_c. */
	sess_init(&x, root, root);
	CHECK_INT(sess_make(&x, 1), 0);
	CHECK_INT(
	    hs_step(x.c, old.m[2], old.n[2], out, sizeof(out), &n), SD_ESIG);
	sess_free(&x);

	/* An old msg4 to a new client that got a fresh msg2. */
	sess_init(&x, root, root);
	CHECK_INT(sess_run(&x, 3), 0);
	CHECK_INT(hs_step(x.c, old.m[4], old.n[4], NULL, 0, &n), SD_ESIG);
	sess_free(&x);

	/* An old msg3 to a new server in the right phase. */
	sess_init(&x, root, root);
	CHECK_INT(sess_run(&x, 2), 0);
	CHECK_INT(
	    hs_step(x.s, old.m[3], old.n[3], out, sizeof(out), &n), SD_ESIG);
	sess_free(&x);

	/* Reflections: a server's own msg2 as msg1, a client's own msg1
	 * as msg2, its own msg3 as msg4. */
	sess_init(&x, root, root);
	CHECK_INT(sess_run(&x, 2), 0);
	{
		struct hs *s2;
		CHECK_INT(hs_new(HS_SERVER, id_server, root, &s2), 0);
		CHECK_INT(
		    hs_step(s2, x.m[2], x.n[2], out, sizeof(out), &n), SD_ESIG);
		hs_free(s2);
	}
	CHECK_INT(hs_step(x.c, x.m[1], x.n[1], out, sizeof(out), &n), SD_ESIG);
	sess_free(&x);
	sess_init(&x, root, root);
	CHECK_INT(sess_run(&x, 3), 0);
	CHECK_INT(hs_step(x.c, x.m[3], x.n[3], NULL, 0, &n), SD_ESIG);
	sess_free(&x);
	sess_free(&old);
}

/*
 * A client written from docs/PROTOCOL.md alone, talking to the real
 * server. how: 0 honest; 1 claims id_client but signs with id_other;
 * 2 signs the server's role byte; 3 seals with the raw tx key instead of
 * the derived box key; 4 sends a low-order e_c (all zeros) with a valid
 * MAC. Returns the server's result for the last message it got.
 */
static int
doc_client(int how)
{
	static const uint8_t nonce[crypto_secretbox_NONCEBYTES];
	uint8_t knet[32], epk[32], esk[32], rx[32], tx[32], box[32];
	uint8_t msg1[65], msg2[HS_MSG_MAX], msg3[112], msg4[HS_MSG_MAX];
	uint8_t tag[32], h[32], proof[96], role;
	const uint8_t *stx = NULL, *srx = NULL;
	crypto_generichash_state st;
	struct hs *s;
	size_t n;
	int rc;

	hs_network_key(root, knet);
	crypto_kx_keypair(epk, esk);
	msg1[0] = 1;
	memcpy(msg1 + 1, epk, 32);
	if (how == 4)
		memset(msg1 + 1, 0, 32);
	crypto_generichash(msg1 + 33, 32, msg1, 33, knet, 32);
	CHECK_INT(hs_new(HS_SERVER, id_server, root, &s), 0);
	rc = hs_step(s, msg1, sizeof(msg1), msg2, sizeof(msg2), &n);
	if (rc != 0)
		goto out;
	CHECK_INT(n, 65);
	/* msg2's MAC covers version || e_s || e_c. */
	crypto_generichash_init(&st, knet, 32, 32);
	crypto_generichash_update(&st, msg2, 33);
	crypto_generichash_update(&st, epk, 32);
	crypto_generichash_final(&st, tag, 32);
	CHECK(memcmp(tag, msg2 + 33, 32) == 0);
	CHECK_INT(crypto_kx_client_session_keys(rx, tx, epk, esk, msg2 + 1), 0);

	/* The transcript hash for role 1 (the client). */
	role = how == 2 ? HS_SERVER : HS_CLIENT;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"stardust/handshake/v1",
	    strlen("stardust/handshake/v1"));
	crypto_generichash_update(&st, msg1, 65);
	crypto_generichash_update(&st, msg2, 65);
	crypto_generichash_update(&st, &role, 1);
	crypto_generichash_final(&st, h, 32);
	memcpy(proof, id_client->pk, 32);
	CHECK_INT(
	    key_sign(how == 1 ? id_other : id_client, h, 32, proof + 32), 0);
	if (how == 3)
		memcpy(box, tx, 32);
	else
		crypto_kdf_derive_from_key(box, 32, 1, "sdhsbox1", tx);
	crypto_secretbox_easy(msg3, proof, sizeof(proof), nonce, box);
	rc = hs_step(s, msg3, sizeof(msg3), msg4, sizeof(msg4), &n);
	if (rc != 1)
		goto out;

	/* msg4: the server's identity and signature over role byte 2. */
	CHECK_INT(n, 112);
	crypto_kdf_derive_from_key(box, 32, 1, "sdhsbox1", rx);
	CHECK_INT(crypto_secretbox_open_easy(proof, msg4, n, nonce, box), 0);
	CHECK(memcmp(proof, id_server->pk, 32) == 0);
	role = HS_SERVER;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"stardust/handshake/v1",
	    strlen("stardust/handshake/v1"));
	crypto_generichash_update(&st, msg1, 65);
	crypto_generichash_update(&st, msg2, 65);
	crypto_generichash_update(&st, &role, 1);
	crypto_generichash_final(&st, h, 32);
	CHECK_INT(crypto_sign_verify_detached(proof + 32, h, 32, proof), 0);
	/* The stream keys are crypto_kx's, crosswise. */
	CHECK_INT(hs_keys(s, &stx, &srx), 0);
	CHECK(stx != NULL && memcmp(stx, rx, 32) == 0);
	CHECK(srx != NULL && memcmp(srx, tx, 32) == 0);
	/* The box keys are not the stream keys. */
	CHECK(memcmp(box, rx, 32) != 0);
out:
	hs_free(s);
	return rc;
}

static void
test_doc_client(void)
{
	CHECK_INT(doc_client(0), 1);
	CHECK_INT(doc_client(1), SD_ESIG);
	CHECK_INT(doc_client(2), SD_ESIG);
	CHECK_INT(doc_client(3), SD_ESIG);
	CHECK_INT(doc_client(4), SD_EPROTO);
}

static void
test_api(void)
{
	struct hs *h = NULL;
	uint8_t out[HS_MSG_MAX], in[1] = { 1 };
	size_t n;

	CHECK_INT(hs_new(0, id_client, root, &h), SD_EINVAL);
	CHECK_INT(hs_new(3, id_client, root, &h), SD_EINVAL);
	CHECK_INT(hs_new(HS_CLIENT, NULL, root, &h), SD_EINVAL);
	CHECK(h == NULL);
	hs_free(NULL);

	/* Caller bugs change nothing. */
	CHECK_INT(hs_new(HS_CLIENT, id_client, root, &h), 0);
	CHECK_INT(hs_step(h, in, sizeof(in), out, sizeof(out), &n), SD_EINVAL);
	CHECK_INT(hs_step(h, NULL, 0, out, HS_MSG1_BYTES - 1, &n), -ENOBUFS);
	CHECK_INT(hs_step(h, NULL, 0, NULL, 0, &n), -ENOBUFS);
	CHECK_INT(hs_step(h, NULL, 5, out, sizeof(out), &n), SD_EINVAL);
	CHECK_INT(hs_phase(h), HS_PHASE_START);
	CHECK_INT(hs_step(h, NULL, 0, out, HS_MSG1_BYTES, &n), 0);
	CHECK_INT(n, HS_MSG1_BYTES);
	hs_free(h);

	/* A handshake that failed stays failed. */
	{
		struct sess x;
		sess_init(&x, root, root);
		CHECK_INT(sess_run(&x, 3), 0);
		x.m[3][50] ^= 1;
		CHECK_INT(sess_make(&x, 4), SD_ESIG);
		x.m[3][50] ^= 1;
		CHECK_INT(sess_make(&x, 4), SD_EPROTO);
		CHECK_INT(hs_peer(x.s, out), SD_EPROTO);
		sess_free(&x);
	}
}

int
main(void)
{
	int k;

	if (sodium_init() < 0 || key_generate(&id_client) != 0 ||
	    key_generate(&id_server) != 0 || key_generate(&id_other) != 0)
		return 2;
	randombytes_buf(root, sizeof(root));
	randombytes_buf(root_other, sizeof(root_other));

	test_kat();
	test_full();
	test_wrong_root();
	test_version();
	for (k = 1; k <= 4; k++)
		test_flips(k);
	test_lengths();
	test_replay();
	test_doc_client();
	test_api();

	key_free(id_client);
	key_free(id_server);
	key_free(id_other);
	return check_done("test_hs");
}
