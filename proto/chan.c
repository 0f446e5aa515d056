#include "chan.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "err.h"
#include "frame.h"

_Static_assert(CHAN_KEY_BYTES == crypto_secretstream_xchacha20poly1305_KEYBYTES,
    "chan key size");
_Static_assert(
    CHAN_HEADER_BYTES == crypto_secretstream_xchacha20poly1305_HEADERBYTES,
    "chan header size");
_Static_assert(CHAN_ABYTES == crypto_secretstream_xchacha20poly1305_ABYTES,
    "chan expansion");
_Static_assert(CHAN_HELLO_BYTES == FRAME_HEADER_BYTES + CHAN_HEADER_BYTES,
    "chan hello frame");
_Static_assert(CHAN_FRAME_MAX <= 0xffffffffu, "chan frame fits be32");

/* Allocated whole with sodium_malloc: the two states hold the keys. Its
 * size is a multiple of its alignment, so the block is aligned. */
struct chan {
	crypto_secretstream_xchacha20poly1305_state tx;
	crypto_secretstream_xchacha20poly1305_state rx;
	uint8_t rxkey[CHAN_KEY_BYTES]; /* until the peer's hello arrives */
	int tx_closed; /* our final message was sealed */
	int rx_started; /* the peer's hello was taken */
	int rx_dead; /* the peer's final arrived, or a frame failed */
};

int
chan_new(const uint8_t tx[CHAN_KEY_BYTES], const uint8_t rx[CHAN_KEY_BYTES],
    uint8_t hello[CHAN_HELLO_BYTES], struct chan **out)
{
	struct chan *c;

	if (tx == NULL || rx == NULL || hello == NULL || out == NULL)
		return SD_EINVAL;
	if (sodium_init() < 0)
		return -ENOMEM;
	if ((c = sodium_malloc(sizeof(*c))) == NULL)
		return -ENOMEM;
	sodium_memzero(c, sizeof(*c));
	memcpy(c->rxkey, rx, CHAN_KEY_BYTES);
	frame_header(CHAN_HEADER_BYTES, hello);
	crypto_secretstream_xchacha20poly1305_init_push(
	    &c->tx, hello + FRAME_HEADER_BYTES, tx);
	*out = c;
	return 0;
}

void
chan_free(struct chan *c)
{
	sodium_free(c);
}

int
chan_seal(struct chan *c, const uint8_t *m, size_t mlen, int final,
    uint8_t *out, size_t outcap, size_t *outlen)
{
	unsigned char tag = final
	    ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
	    : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
	static const uint8_t empty[1];

	if (c == NULL || out == NULL || outlen == NULL ||
	    (m == NULL && mlen > 0))
		return SD_EINVAL;
	if (c->tx_closed)
		return SD_EPROTO;
	if (mlen > CHAN_MSG_MAX)
		return SD_ETOOBIG;
	if (outcap < CHAN_SEALED_BYTES(mlen))
		return -ENOBUFS;
	frame_header(mlen + CHAN_ABYTES, out);
	crypto_secretstream_xchacha20poly1305_push(&c->tx,
	    out + FRAME_HEADER_BYTES, NULL, m ? m : empty, mlen, NULL, 0, tag);
	*outlen = CHAN_SEALED_BYTES(mlen);
	if (final)
		c->tx_closed = 1;
	return 0;
}

/* The peer's hello: the header of its stream. */
static int
chan_open_hello(struct chan *c, const uint8_t *in, size_t inlen)
{
	int rc = 0;

	if (inlen != CHAN_HEADER_BYTES ||
	    crypto_secretstream_xchacha20poly1305_init_pull(
	        &c->rx, in, c->rxkey) != 0)
		rc = SD_EPROTO;
	else
		c->rx_started = 1;
	sodium_memzero(c->rxkey, sizeof(c->rxkey));
	return rc;
}

int
chan_open(struct chan *c, const uint8_t *in, size_t inlen, uint8_t *m,
    size_t mcap, size_t *mlen)
{
	unsigned char tag = 0;
	unsigned long long n = 0;
	uint8_t one[1];
	int rc;

	if (c == NULL || mlen == NULL)
		return SD_EINVAL;
	*mlen = 0;
	if (c->rx_dead)
		return SD_EPROTO;
	/* The cap first, before in is read or anything is decrypted. */
	if (inlen > CHAN_FRAME_MAX) {
		rc = SD_ETOOBIG;
		goto out_dead;
	}
	if (in == NULL && inlen > 0)
		return SD_EINVAL;
	if (!c->rx_started) {
		if ((rc = chan_open_hello(c, in, inlen)) != 0)
			goto out_dead;
		return CHAN_HELLO;
	}
	if (inlen < CHAN_ABYTES) {
		rc = SD_EPROTO;
		goto out_dead;
	}
	if (inlen - CHAN_ABYTES > 0 &&
	    (m == NULL || mcap < inlen - CHAN_ABYTES))
		return -ENOBUFS;
	/* secretstream writes nothing for an empty message, but wants a
	 * valid pointer. */
	if (crypto_secretstream_xchacha20poly1305_pull(&c->rx,
	        inlen == CHAN_ABYTES ? one : m, &n, &tag, in, inlen, NULL,
	        0) != 0) {
		rc = SD_ESIG;
		goto out_dead;
	}
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
		*mlen = (size_t)n;
		return CHAN_MESSAGE;
	}
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		*mlen = (size_t)n;
		c->rx_dead = 1;
		return CHAN_FINAL;
	}
	/* PUSH or REKEY: never sent by this protocol. Drop what was
	 * decrypted. */
	if (n > 0)
		sodium_memzero(m, (size_t)n);
	rc = SD_EPROTO;
out_dead:
	c->rx_dead = 1;
	return rc;
}
