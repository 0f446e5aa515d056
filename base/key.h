/*
 * key: ed25519 identity keys. The only module that touches secret keys.
 *
 * A secret key lives in sodium_malloc'd memory (guarded, locked, wiped on
 * free) and on disk in a file of mode 0600 holding its hex encoding. A key
 * file with looser permissions is refused, as ssh does.
 */
#ifndef SD_KEY_H
#define SD_KEY_H

#include <stddef.h>
#include <stdint.h>

#define KEY_PUBLIC_BYTES 32
#define KEY_SIG_BYTES 64

struct key {
	uint8_t pk[KEY_PUBLIC_BYTES];
	uint8_t *sk; /* crypto_sign_SECRETKEYBYTES, sodium_malloc'd */
};

/* key_generate(out): a new random key pair in *out (caller frees with
 * key_free). Returns 0 or a negative error. */
int key_generate(struct key **out);

/* key_from_seed(seed, out): the key pair that the 32 bytes seed
 * determine (ed25519's seed), in *out (caller frees with key_free): for
 * runs that must replay exactly (the simulator). Returns 0 or -ENOMEM. */
int key_from_seed(const uint8_t seed[32], struct key **out);

/* key_save(k, path): write k's secret key to a new file path, mode 0600,
 * fsynced. Refuses (-EEXIST) to overwrite an existing file. */
int key_save(const struct key *k, const char *path);

/* key_load(path, out): read a key written by key_save. SD_EPERM if the
 * file is readable or writable by group or others; SD_EINVAL if malformed. */
int key_load(const char *path, struct key **out);

/* key_free(k): wipe and release k. key_free(NULL) is a no-op. */
void key_free(struct key *k);

/* key_sign(k, m, mlen, sig): detached ed25519 signature of m. Any thread. */
int key_sign(const struct key *k, const uint8_t *m, size_t mlen,
    uint8_t sig[KEY_SIG_BYTES]);

/* key_public_hex(pk, out): 64 hex digits and a NUL into out[65]
 * (hex_encode of the key: base/hex.h). */
void key_public_hex(const uint8_t pk[KEY_PUBLIC_BYTES], char out[65]);

/* key_public_parse(hex, pk): parse a string of exactly 64 hex digits
 * (either case) into pk. SD_EINVAL otherwise (hex NULL included), with pk
 * untouched. */
int key_public_parse(const char *hex, uint8_t pk[KEY_PUBLIC_BYTES]);

#endif
