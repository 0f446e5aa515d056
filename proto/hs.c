#include "hs.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define HS_NET_LABEL "stardust/network/v1"
#define HS_TRANSCRIPT_LABEL "stardust/handshake/v1"
/* crypto_kdf context and subkey id of the keys that seal msg3 and msg4. */
#define HS_BOX_CONTEXT "sdhsbox1"
#define HS_BOX_SUBKEY 1

#define HS_EPK_BYTES crypto_kx_PUBLICKEYBYTES
#define HS_TAG_BYTES 32
#define HS_HASH_BYTES 32
#define HS_PROOF_BYTES (KEY_PUBLIC_BYTES + KEY_SIG_BYTES)

/* Offsets inside msg1 and msg2, which share a layout. */
#define HS_OFF_EPK 1
#define HS_OFF_TAG (1 + HS_EPK_BYTES)

/* Everything secret, in one sodium_malloc'd block (guarded, locked,
 * wiped on free). Allocated only once the handshake is worth it. */
struct hs_secret {
	uint8_t esk[crypto_kx_SECRETKEYBYTES]; /* wiped right after kx */
	uint8_t tx[HS_KEY_BYTES];
	uint8_t rx[HS_KEY_BYTES];
	uint8_t box[crypto_secretbox_KEYBYTES]; /* scratch, wiped after use */
	uint8_t proof[HS_PROOF_BYTES]; /* scratch, wiped after use */
};

/*
 * The public part lives in ordinary memory, so that a server can hold one
 * per unauthenticated connection cheaply. K_net is derived from the root
 * public key, which every node's configuration carries; it keeps outsiders
 * out but is no secret of this node, and its MACs are still compared in
 * constant time.
 */
struct hs {
	int role;
	int phase;
	int failed;
	const struct key *id;
	uint8_t knet[HS_NETKEY_BYTES];
	uint8_t epk[HS_EPK_BYTES]; /* this side's ephemeral public key */
	uint8_t msg1[HS_MSG1_BYTES];
	uint8_t msg2[HS_MSG2_BYTES];
	uint8_t peer[KEY_PUBLIC_BYTES];
	struct hs_secret *sec;
};

void
hs_network_key(
    const uint8_t root_pk[KEY_PUBLIC_BYTES], uint8_t out[HS_NETKEY_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, HS_NETKEY_BYTES);
	crypto_generichash_update(
	    &st, (const uint8_t *)HS_NET_LABEL, strlen(HS_NET_LABEL));
	crypto_generichash_update(&st, root_pk, KEY_PUBLIC_BYTES);
	crypto_generichash_final(&st, out, HS_NETKEY_BYTES);
}

int
hs_new(int role, const struct key *id, const uint8_t root_pk[KEY_PUBLIC_BYTES],
    struct hs **out)
{
	struct hs *h;

	if ((role != HS_CLIENT && role != HS_SERVER) || id == NULL ||
	    root_pk == NULL || out == NULL)
		return SD_EINVAL;
	if (sodium_init() < 0)
		return -ENOMEM;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	h->role = role;
	h->phase = role == HS_CLIENT ? HS_PHASE_START : HS_PHASE_MSG1;
	h->id = id;
	hs_network_key(root_pk, h->knet);
	*out = h;
	return 0;
}

void
hs_free(struct hs *h)
{
	if (h == NULL)
		return;
	sodium_free(h->sec);
	sodium_memzero(h, sizeof(*h));
	free(h);
}

int
hs_phase(const struct hs *h)
{
	return h->phase;
}

void
hs_refusal(uint8_t out[HS_REFUSAL_BYTES])
{
	out[0] = 0;
	out[1] = HS_VERSION;
}

int
hs_peer(const struct hs *h, uint8_t pk[KEY_PUBLIC_BYTES])
{
	if (h->phase != HS_PHASE_DONE || h->failed)
		return SD_EPROTO;
	memcpy(pk, h->peer, KEY_PUBLIC_BYTES);
	return 0;
}

int
hs_keys(const struct hs *h, const uint8_t **tx, const uint8_t **rx)
{
	if (h->phase != HS_PHASE_DONE || h->failed)
		return SD_EPROTO;
	*tx = h->sec->tx;
	*rx = h->sec->rx;
	return 0;
}

/* The MAC of msg1 (a = version || e_c) or msg2 (a = version || e_s,
 * b = e_c): keyed BLAKE2b-256. */
static void
hs_tag(const struct hs *h, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, uint8_t tag[HS_TAG_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, h->knet, HS_NETKEY_BYTES, HS_TAG_BYTES);
	crypto_generichash_update(&st, a, alen);
	if (blen > 0)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, tag, HS_TAG_BYTES);
}

/* The hash that role's side signs: BLAKE2b-256(label || msg1 || msg2 ||
 * role byte). */
static void
hs_transcript(const struct hs *h, int role, uint8_t out[HS_HASH_BYTES])
{
	crypto_generichash_state st;
	uint8_t r = (uint8_t)role;

	crypto_generichash_init(&st, NULL, 0, HS_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)HS_TRANSCRIPT_LABEL,
	    strlen(HS_TRANSCRIPT_LABEL));
	crypto_generichash_update(&st, h->msg1, HS_MSG1_BYTES);
	crypto_generichash_update(&st, h->msg2, HS_MSG2_BYTES);
	crypto_generichash_update(&st, &r, 1);
	crypto_generichash_final(&st, out, HS_HASH_BYTES);
}

/*
 * Checks version, length and MAC of msg1 or msg2 (in that order: a longer
 * first message of a future version must still get SD_EVERSION). bound is
 * e_c for msg2, NULL for msg1. Cheap: one keyed BLAKE2b, no allocation.
 */
static int
hs_check_hello(const struct hs *h, const uint8_t *in, size_t inlen, size_t want,
    const uint8_t *bound)
{
	uint8_t tag[HS_TAG_BYTES];
	int rc = 0;

	if (inlen < 1)
		return SD_EPROTO;
	if (in[0] != HS_VERSION)
		return SD_EVERSION;
	if (inlen != want)
		return SD_EPROTO;
	hs_tag(h, in, HS_OFF_TAG, bound, bound ? HS_EPK_BYTES : 0, tag);
	if (sodium_memcmp(tag, in + HS_OFF_TAG, HS_TAG_BYTES) != 0)
		rc = SD_ESIG;
	sodium_memzero(tag, sizeof(tag));
	return rc;
}

static int
hs_secret_alloc(struct hs *h)
{
	if ((h->sec = sodium_malloc(sizeof(*h->sec))) == NULL)
		return -ENOMEM;
	sodium_memzero(h->sec, sizeof(*h->sec));
	return 0;
}

/* Writes this side's msg3 or msg4 (HS_MSG3_BYTES) into out: its identity
 * and transcript signature, sealed under the box key of its tx key. */
static int
hs_prove(struct hs *h, uint8_t *out)
{
	static const uint8_t nonce[crypto_secretbox_NONCEBYTES];
	struct hs_secret *s = h->sec;
	uint8_t hash[HS_HASH_BYTES];
	int rc;

	hs_transcript(h, h->role, hash);
	memcpy(s->proof, h->id->pk, KEY_PUBLIC_BYTES);
	if ((rc = key_sign(
	         h->id, hash, sizeof(hash), s->proof + KEY_PUBLIC_BYTES)) != 0)
		goto out_wipe;
	crypto_kdf_derive_from_key(
	    s->box, sizeof(s->box), HS_BOX_SUBKEY, HS_BOX_CONTEXT, s->tx);
	/* The box key is used for this one message only, so a fixed nonce
	 * never repeats under it. */
	crypto_secretbox_easy(out, s->proof, HS_PROOF_BYTES, nonce, s->box);
out_wipe:
	sodium_memzero(s->box, sizeof(s->box));
	sodium_memzero(s->proof, sizeof(s->proof));
	return rc;
}

/* Opens the peer's msg3 or msg4 and verifies its signature over the
 * transcript with the peer's role byte; on success the peer's identity is
 * in h->peer. */
static int
hs_verify(struct hs *h, const uint8_t *in, size_t inlen)
{
	static const uint8_t nonce[crypto_secretbox_NONCEBYTES];
	struct hs_secret *s = h->sec;
	uint8_t hash[HS_HASH_BYTES];
	int rc = 0;

	if (inlen != HS_MSG3_BYTES)
		return SD_EPROTO;
	crypto_kdf_derive_from_key(
	    s->box, sizeof(s->box), HS_BOX_SUBKEY, HS_BOX_CONTEXT, s->rx);
	if (crypto_secretbox_open_easy(s->proof, in, inlen, nonce, s->box) !=
	    0) {
		rc = SD_ESIG;
		goto out_wipe;
	}
	hs_transcript(h, h->role == HS_CLIENT ? HS_SERVER : HS_CLIENT, hash);
	if (crypto_sign_verify_detached(s->proof + KEY_PUBLIC_BYTES, hash,
	        sizeof(hash), s->proof) != 0) {
		rc = SD_ESIG;
		goto out_wipe;
	}
	memcpy(h->peer, s->proof, KEY_PUBLIC_BYTES);
out_wipe:
	sodium_memzero(s->box, sizeof(s->box));
	sodium_memzero(s->proof, sizeof(s->proof));
	return rc;
}

/* Client, first call: a fresh ephemeral key and msg1. */
static int
hs_client_start(struct hs *h, uint8_t *out)
{
	int rc;

	if ((rc = hs_secret_alloc(h)) != 0)
		return rc;
	crypto_kx_keypair(h->epk, h->sec->esk);
	h->msg1[0] = HS_VERSION;
	memcpy(h->msg1 + HS_OFF_EPK, h->epk, HS_EPK_BYTES);
	hs_tag(h, h->msg1, HS_OFF_TAG, NULL, 0, h->msg1 + HS_OFF_TAG);
	memcpy(out, h->msg1, HS_MSG1_BYTES);
	return 0;
}

/* Server, msg1: authenticate it, then an ephemeral key, the session keys
 * and msg2. */
static int
hs_server_msg1(struct hs *h, const uint8_t *in, size_t inlen, uint8_t *out)
{
	int rc;

	/* Nothing before this check allocates or computes more than one
	 * keyed hash of 33 bytes. */
	if ((rc = hs_check_hello(h, in, inlen, HS_MSG1_BYTES, NULL)) != 0)
		return rc;
	if ((rc = hs_secret_alloc(h)) != 0)
		return rc;
	memcpy(h->msg1, in, HS_MSG1_BYTES);
	crypto_kx_keypair(h->epk, h->sec->esk);
	rc = crypto_kx_server_session_keys(
	    h->sec->rx, h->sec->tx, h->epk, h->sec->esk, h->msg1 + HS_OFF_EPK);
	sodium_memzero(h->sec->esk, sizeof(h->sec->esk));
	if (rc != 0)
		return SD_EPROTO; /* e_c is a low-order point */
	h->msg2[0] = HS_VERSION;
	memcpy(h->msg2 + HS_OFF_EPK, h->epk, HS_EPK_BYTES);
	hs_tag(h, h->msg2, HS_OFF_TAG, h->msg1 + HS_OFF_EPK, HS_EPK_BYTES,
	    h->msg2 + HS_OFF_TAG);
	memcpy(out, h->msg2, HS_MSG2_BYTES);
	return 0;
}

/* Client, msg2: authenticate it, derive the session keys, prove. */
static int
hs_client_msg2(struct hs *h, const uint8_t *in, size_t inlen, uint8_t *out)
{
	int rc;

	if ((rc = hs_check_hello(h, in, inlen, HS_MSG2_BYTES, h->epk)) != 0)
		return rc;
	memcpy(h->msg2, in, HS_MSG2_BYTES);
	rc = crypto_kx_client_session_keys(
	    h->sec->rx, h->sec->tx, h->epk, h->sec->esk, h->msg2 + HS_OFF_EPK);
	sodium_memzero(h->sec->esk, sizeof(h->sec->esk));
	if (rc != 0)
		return SD_EPROTO;
	return hs_prove(h, out);
}

/* Output size of the step h is about to take. */
static size_t
hs_step_out(const struct hs *h)
{
	switch (h->phase) {
	case HS_PHASE_START: return HS_MSG1_BYTES;
	case HS_PHASE_MSG1: return HS_MSG2_BYTES;
	case HS_PHASE_MSG2: return HS_MSG3_BYTES;
	case HS_PHASE_MSG3: return HS_MSG4_BYTES;
	default: return 0;
	}
}

int
hs_step(struct hs *h, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	int rc, done = 0;

	if (h == NULL || outlen == NULL || (in == NULL && inlen > 0))
		return SD_EINVAL;
	*outlen = 0;
	if (h->failed || h->phase == HS_PHASE_DONE)
		return SD_EPROTO;
	if (h->phase == HS_PHASE_START && (in != NULL || inlen > 0))
		return SD_EINVAL;
	if (out == NULL ? hs_step_out(h) > 0 : outcap < hs_step_out(h))
		return -ENOBUFS;
	switch (h->phase) {
	case HS_PHASE_START:
		if ((rc = hs_client_start(h, out)) != 0)
			goto out_fail;
		*outlen = HS_MSG1_BYTES;
		h->phase = HS_PHASE_MSG2;
		break;
	case HS_PHASE_MSG1:
		if ((rc = hs_server_msg1(h, in, inlen, out)) != 0)
			goto out_fail;
		*outlen = HS_MSG2_BYTES;
		h->phase = HS_PHASE_MSG3;
		break;
	case HS_PHASE_MSG2:
		if ((rc = hs_client_msg2(h, in, inlen, out)) != 0)
			goto out_fail;
		*outlen = HS_MSG3_BYTES;
		h->phase = HS_PHASE_MSG4;
		break;
	case HS_PHASE_MSG3:
		/* msg4 goes out only once msg3 verified. */
		if ((rc = hs_verify(h, in, inlen)) != 0 ||
		    (rc = hs_prove(h, out)) != 0)
			goto out_fail;
		*outlen = HS_MSG4_BYTES;
		h->phase = HS_PHASE_DONE;
		done = 1;
		break;
	case HS_PHASE_MSG4:
		if ((rc = hs_verify(h, in, inlen)) != 0)
			goto out_fail;
		h->phase = HS_PHASE_DONE;
		done = 1;
		break;
	default: rc = SD_EPROTO; goto out_fail;
	}
	return done;

out_fail:
	/* Nothing partial leaves: no output, and the session keys go. */
	*outlen = 0;
	h->failed = 1;
	if (h->sec != NULL) {
		sodium_free(h->sec);
		h->sec = NULL;
	}
	return rc;
}
