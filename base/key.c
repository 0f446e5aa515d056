#include "key.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "hex.h"

/* The secret key file holds "tag hex(sk)". Its hex goes through libsodium's
 * sodium_bin2hex and sodium_hex2bin, which run in constant time, rather
 * than base/hex.c (a table lookup per digit): public bytes may show in
 * timing, a secret key must not. */
#define KEY_FILE_TAG "stardust-ed25519-secret-v1 "
#define KEY_HEX_LEN (crypto_sign_SECRETKEYBYTES * 2)

static struct key *
key_alloc(void)
{
	struct key *k;

	if (sodium_init() < 0)
		return NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if ((k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

int
key_generate(struct key **out)
{
	struct key *k;

	if ((k = key_alloc()) == NULL)
		return -ENOMEM;
	crypto_sign_keypair(k->pk, k->sk);
	*out = k;
	return 0;
}

int
key_from_seed(const uint8_t seed[32], struct key **out)
{
	struct key *k;

	if ((k = key_alloc()) == NULL)
		return -ENOMEM;
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	*out = k;
	return 0;
}

int
key_save(const struct key *k, const char *path)
{
	char *buf;
	size_t taglen = strlen(KEY_FILE_TAG), len = taglen + KEY_HEX_LEN + 1;
	int fd, rc = 0;

	if (sodium_init() < 0 || (buf = sodium_malloc(len + 1)) == NULL)
		return -ENOMEM;
	memcpy(buf, KEY_FILE_TAG, taglen);
	sodium_bin2hex(
	    buf + taglen, KEY_HEX_LEN + 1, k->sk, crypto_sign_SECRETKEYBYTES);
	buf[len - 1] = '\n';
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) <
	    0) {
		rc = -errno;
		goto out_free;
	}
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0)
		rc = -errno ? -errno : -EIO;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0)
		unlink(path);
out_free:
	sodium_free(buf);
	return rc;
}

int
key_load(const char *path, struct key **out)
{
	struct key *k = NULL;
	struct stat st;
	char *buf;
	size_t taglen = strlen(KEY_FILE_TAG), want = taglen + KEY_HEX_LEN;
	ssize_t n;
	int fd, rc = 0;

	if (sodium_init() < 0 || (buf = sodium_malloc(want + 2)) == NULL)
		return -ENOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		goto out_free;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out_close;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		rc = SD_EPERM;
		goto out_close;
	}
	n = read(fd, buf, want + 2);
	if (n < (ssize_t)want || n > (ssize_t)want + 1 ||
	    memcmp(buf, KEY_FILE_TAG, taglen) != 0 ||
	    (n == (ssize_t)want + 1 && buf[want] != '\n')) {
		rc = SD_EINVAL;
		goto out_close;
	}
	if ((k = key_alloc()) == NULL) {
		rc = -ENOMEM;
		goto out_close;
	}
	if (sodium_hex2bin(k->sk, crypto_sign_SECRETKEYBYTES, buf + taglen,
	        KEY_HEX_LEN, NULL, NULL, NULL) != 0) {
		rc = SD_EINVAL;
		goto out_close;
	}
	/* The public key is the second half of libsodium's secret key; check
	 * that it matches the seed so a damaged file cannot sign as another. */
	{
		uint8_t pk[crypto_sign_PUBLICKEYBYTES],
		    seed[crypto_sign_SEEDBYTES];
		uint8_t *sk2 = sodium_malloc(crypto_sign_SECRETKEYBYTES);

		if (sk2 == NULL) {
			rc = -ENOMEM;
			goto out_close;
		}
		crypto_sign_ed25519_sk_to_seed(seed, k->sk);
		crypto_sign_seed_keypair(pk, sk2, seed);
		sodium_memzero(seed, sizeof(seed));
		if (sodium_memcmp(sk2, k->sk, crypto_sign_SECRETKEYBYTES) != 0)
			rc = SD_EINVAL;
		sodium_free(sk2);
		memcpy(k->pk, pk, sizeof(pk));
	}
out_close:
	close(fd);
out_free:
	sodium_free(buf);
	if (rc == 0) {
		*out = k;
	} else {
		key_free(k);
	}
	return rc;
}

void
key_free(struct key *k)
{
	if (k == NULL)
		return;
	sodium_free(k->sk);
	free(k);
}

int
key_sign(const struct key *k, const uint8_t *m, size_t mlen,
    uint8_t sig[KEY_SIG_BYTES])
{
	if (crypto_sign_detached(sig, NULL, m, mlen, k->sk) != 0)
		return SD_ESIG;
	return 0;
}

void
key_public_hex(const uint8_t pk[KEY_PUBLIC_BYTES], char out[65])
{
	hex_encode(pk, KEY_PUBLIC_BYTES, out);
}

int
key_public_parse(const char *hex, uint8_t pk[KEY_PUBLIC_BYTES])
{
	if (hex == NULL)
		return SD_EINVAL;
	return hex_decode(hex, strlen(hex), pk, KEY_PUBLIC_BYTES);
}
