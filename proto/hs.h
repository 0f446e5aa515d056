/*
 * hs: the peer transport handshake (version 1), as pure functions over
 * byte buffers. No sockets, no event loop, no clock: the caller moves the
 * messages, wraps each in a frame (proto/frame.h), and enforces the
 * handshake timeout itself. docs/PROTOCOL.md, "Peer transport (version
 * 1)", describes the messages byte by byte.
 *
 * Four messages, client first:
 *   msg1 C->S  version || e_c || MAC(K_net, version || e_c)
 *   msg2 S->C  version || e_s || MAC(K_net, version || e_s || e_c)
 *   msg3 C->S  secretbox(box key of C's tx key, id_c || sig_c(transcript))
 *   msg4 S->C  secretbox(box key of S's tx key, id_s || sig_s(transcript))
 * K_net is derived from the federation's root public key, so a peer
 * without it is refused at msg1 by one keyed BLAKE2b and a constant-time
 * compare, before the server allocates secret memory or does any X25519.
 * The ephemeral X25519 keys give forward secrecy; both ed25519 identities
 * travel encrypted and sign the transcript, so each end learns the other's
 * identity and a passive observer learns neither.
 *
 * Whether the peer's identity holds a valid, unrevoked certificate is the
 * caller's decision, after hs_step returns 1 (hs_peer).
 *
 * Threads: the functions are pure and reentrant. One struct hs may be used
 * by one thread at a time; distinct handshakes are independent.
 */
#ifndef SD_HS_H
#define SD_HS_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"

#define HS_VERSION 1

/* Roles, also the role byte of the transcript each side signs. */
#define HS_CLIENT 1
#define HS_SERVER 2

#define HS_NETKEY_BYTES 32
#define HS_KEY_BYTES 32 /* each session key */
#define HS_MSG1_BYTES 65
#define HS_MSG2_BYTES 65
#define HS_MSG3_BYTES 112
#define HS_MSG4_BYTES 112
#define HS_MSG_MAX 112 /* the largest message hs_step writes */
#define HS_REFUSAL_BYTES 2

/*
 * The largest frame payload a reader should accept while the handshake
 * runs (frame_reader_init(r, HS_FRAME_MAX)): tight, because the peer is
 * not yet authenticated, yet large enough that a longer first message of
 * a future version still reaches hs_step and gets an explicit refusal.
 */
#define HS_FRAME_MAX 1024

/* Phases, as returned by hs_phase: the message a handshake waits for. */
enum {
	HS_PHASE_START = 0, /* client: nothing sent yet */
	HS_PHASE_MSG1 = 1, /* server: waits for msg1 */
	HS_PHASE_MSG2 = 2, /* client: msg1 sent, waits for msg2 */
	HS_PHASE_MSG3 = 3, /* server: msg2 sent, waits for msg3 */
	HS_PHASE_MSG4 = 4, /* client: msg3 sent, waits for msg4 */
	HS_PHASE_DONE = 5, /* complete: hs_peer and hs_keys answer */
};

struct hs;

/*
 * hs_network_key(root_pk, out): K_net = BLAKE2b-256("stardust/network/v1"
 * || root_pk), the MAC key of msg1 and msg2. Any thread.
 */
void hs_network_key(
    const uint8_t root_pk[KEY_PUBLIC_BYTES], uint8_t out[HS_NETKEY_BYTES]);

/*
 * hs_new(role, id, root_pk, out): a new handshake in *out for role
 * HS_CLIENT or HS_SERVER, proving identity id (borrowed: id must stay
 * valid until hs_free) to peers of the federation of root key root_pk
 * (copied). Allocates one small ordinary block and no secret memory: that
 * waits until a client sends msg1 or a server has authenticated one.
 * Returns 0, SD_EINVAL for a bad role or NULL argument, or -ENOMEM.
 */
int hs_new(int role, const struct key *id,
    const uint8_t root_pk[KEY_PUBLIC_BYTES], struct hs **out);

/*
 * hs_step(h, in, inlen, out, outcap, outlen): advance the handshake with
 * one received message payload (the client's first call passes in = NULL,
 * inlen = 0 and gets msg1). Writes the next message to send, if any, into
 * out and its length into *outlen (0 when there is none).
 *
 * Returns:
 *   0            accepted; send out[0, *outlen) and wait for the next message;
 *   1            complete; send out[0, *outlen) if *outlen > 0 (the
 *                server's msg4), then both ends switch to proto/chan.h;
 *   SD_EVERSION  the peer speaks another version: a server should send
 *                hs_refusal's bytes, then close; a client got a refusal
 *                or a msg2 of another version;
 *   SD_ESIG      a MAC, decryption or signature failed (for a server at
 *                msg1: the peer lacks the network key);
 *   SD_EPROTO    wrong length, a degenerate ephemeral key, or a call
 *                after completion or failure;
 *   SD_EINVAL    bad arguments (in NULL with inlen > 0, an input where
 *                none is expected); -ENOBUFS if outcap is below the size
 *                of the message this step writes (at most HS_MSG_MAX).
 * SD_EINVAL and -ENOBUFS are caller bugs and change nothing; every other
 * error ends the handshake for good (the caller closes the connection).
 *
 * A server checks msg1's version, exact length and MAC, in this order,
 * before anything else: a refused msg1 leaves the phase at HS_PHASE_MSG1,
 * *outlen at 0 and no secret memory allocated. A client must not send
 * application data before hs_step returned 1 on msg4.
 */
int hs_step(struct hs *h, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t outcap, size_t *outlen) __attribute__((warn_unused_result));

/* hs_phase(h): h's HS_PHASE_*. It advances only when a message was
 * accepted, so after an error it tells where the handshake stopped. */
int hs_phase(const struct hs *h);

/* hs_refusal(out): the 2 bytes a server sends in answer to a msg1 of a
 * version it does not speak: 0x00 (no valid version) || HS_VERSION. */
void hs_refusal(uint8_t out[HS_REFUSAL_BYTES]);

/* hs_peer(h, pk): the peer's authenticated ed25519 identity. 0, or
 * SD_EPROTO if the handshake has not completed. */
int hs_peer(const struct hs *h, uint8_t pk[KEY_PUBLIC_BYTES]);

/*
 * hs_keys(h, tx, rx): pointers to this side's session keys (HS_KEY_BYTES
 * each): *tx encrypts what this side sends, *rx what it receives; the
 * client's tx is the server's rx and vice versa. The keys live in h's
 * sodium_malloc'd memory, valid until hs_free(h): pass them to chan_new,
 * which copies them, then free h. 0, or SD_EPROTO before completion.
 */
int hs_keys(const struct hs *h, const uint8_t **tx, const uint8_t **rx);

/* hs_free(h): wipe and release h and its secrets. hs_free(NULL) is a
 * no-op. */
void hs_free(struct hs *h);

#endif
