/*
 * chan: the encrypted peer stream that follows the handshake (proto/hs.h),
 * as pure functions over byte buffers. One crypto_secretstream_xchacha20-
 * poly1305 stream per direction, keyed by the session keys the handshake
 * produced; secretstream's implicit counter makes every tampered,
 * truncated, reordered, replayed or reflected frame fail to open.
 *
 * On the wire each direction is a sequence of frames (proto/frame.h: a
 * 4-byte big-endian length, then the payload):
 *   - first the hello: a frame whose 24-byte payload is the secretstream
 *     header (chan_new writes it, whole, into hello);
 *   - then one frame per message: payload = ciphertext of the message,
 *     CHAN_ABYTES longer than it, at most CHAN_FRAME_MAX bytes;
 *   - optionally a last message sealed with TAG_FINAL: a clean close.
 * A receiver reads frames with a struct frame_reader whose max is
 * CHAN_FRAME_MAX and passes each payload to chan_open.
 *
 * A struct chan holds key material and lives in sodium_malloc'd memory.
 * Threads: one struct chan may be used by one thread at a time (sealing
 * and opening included); distinct channels are independent.
 */
#ifndef SD_CHAN_H
#define SD_CHAN_H

#include <stddef.h>
#include <stdint.h>

#define CHAN_KEY_BYTES 32
#define CHAN_HEADER_BYTES 24 /* secretstream header */
#define CHAN_ABYTES 17 /* ciphertext expansion: 1 tag byte + 16 MAC */
#define CHAN_MSG_MAX (1024u * 1024) /* largest plaintext message */
#define CHAN_FRAME_MAX (CHAN_MSG_MAX + CHAN_ABYTES) /* largest payload */
#define CHAN_HELLO_BYTES (4 + CHAN_HEADER_BYTES) /* the hello frame */
/* The frame chan_seal writes for an n-byte message. */
#define CHAN_SEALED_BYTES(n) (4 + (size_t)(n) + CHAN_ABYTES)

/* Positive results of chan_open. */
#define CHAN_MESSAGE 0 /* a message was opened */
#define CHAN_HELLO 1 /* the peer's hello was taken; no message */
#define CHAN_FINAL 2 /* the peer's last message: it closed cleanly */

struct chan;

/*
 * chan_new(tx, rx, hello, out): a new channel in *out that seals with key
 * tx and opens with key rx (CHAN_KEY_BYTES each, as hs_keys gives them;
 * copied, so the caller may free the handshake afterwards). Writes into hello the CHAN_HELLO_BYTES bytes
 * (a complete frame) the caller must send before any sealed frame.
 * Returns 0, SD_EINVAL for NULL arguments, or -ENOMEM.
 */
int chan_new(const uint8_t tx[CHAN_KEY_BYTES], const uint8_t rx[CHAN_KEY_BYTES],
    uint8_t hello[CHAN_HELLO_BYTES], struct chan **out);

/*
 * chan_seal(c, m, mlen, final, out, outcap, outlen): seal the next
 * message m (m may be NULL when mlen is 0) into out as a complete frame,
 * be32(mlen + CHAN_ABYTES) || ciphertext, of CHAN_SEALED_BYTES(mlen)
 * bytes, written to *outlen. With final non-zero the message is the
 * stream's last (TAG_FINAL) and the peer's chan_open reports CHAN_FINAL.
 * Returns 0; SD_ETOOBIG if mlen > CHAN_MSG_MAX, -ENOBUFS if outcap is too
 * small, SD_EINVAL for bad pointers (these three change nothing, the
 * message is not sealed); SD_EPROTO after a final message.
 */
int chan_seal(struct chan *c, const uint8_t *m, size_t mlen, int final,
    uint8_t *out, size_t outcap, size_t *outlen);

/*
 * chan_open(c, in, inlen, m, mcap, mlen): open the next received frame
 * payload in[0, inlen) (as frame_reader_next returns it, without the
 * length prefix). The first payload must be the peer's hello.
 *
 * Returns:
 *   CHAN_MESSAGE (0)  the message is in m[0, *mlen) (*mlen may be 0);
 *   CHAN_HELLO        the hello was taken, *mlen = 0;
 *   CHAN_FINAL        as CHAN_MESSAGE, and it was the peer's last;
 *   SD_ETOOBIG        inlen > CHAN_FRAME_MAX, checked before in is read;
 *   SD_EPROTO         a hello of the wrong size, a payload shorter than
 *                     CHAN_ABYTES, a tag other than MESSAGE or FINAL, or
 *                     any frame after FINAL or after an error;
 *   SD_ESIG           the frame does not authenticate: tampered,
 *                     truncated, reordered, replayed or not from the peer;
 *   -ENOBUFS          mcap < inlen - CHAN_ABYTES; nothing consumed, the
 *                     caller may retry with a larger m;
 *   SD_EINVAL         bad pointers; nothing consumed.
 * Any other error ends the receiving direction: every later chan_open
 * returns SD_EPROTO, and the caller should close the connection.
 */
int chan_open(struct chan *c, const uint8_t *in, size_t inlen, uint8_t *m,
    size_t mcap, size_t *mlen) __attribute__((warn_unused_result));

/* chan_free(c): wipe and release c. chan_free(NULL) is a no-op. */
void chan_free(struct chan *c);

#endif
