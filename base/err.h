/*
 * err: Stardust's error codes.
 *
 * Every function in the project returns 0 on success or a negative code:
 * either -errno for a system error or one of the SD_E* codes below.
 * Codes are append-only: a value, once released, keeps its meaning.
 */
#ifndef SD_ERR_H
#define SD_ERR_H

enum {
	SD_EBASE = -1000,
	SD_EINVAL = -1001, /* input failed validation */
	SD_ESIG = -1002, /* signature does not verify */
	SD_EDECODE = -1003, /* bytes are not a valid protobuf of that type */
	SD_ETOOBIG = -1004, /* a size cap was exceeded */
	SD_ENOTFOUND = -1005, /* no such member, record or key */
	SD_EEXIST = -1006, /* already exists */
	SD_ESCOPE = -1007, /* outside this origin's certificate scope */
	SD_ENOCERT = -1008, /* no valid certificate for this origin */
	SD_EPERM = -1009, /* file permissions too loose */
	SD_ESTORE = -1010, /* LMDB failure */
	SD_EFULL = -1011, /* store is full (LMDB map size reached) */
	SD_EPROTO = -1012, /* protocol violation (frame, version) */
	SD_EVERSION = -1013, /* protocol version not spoken */
	SD_ECONFIG = -1014, /* bad configuration */
	SD_ESTALE = -1015, /* older or equal seq: ignored */
	SD_EREVOKED = -1016, /* origin's certificate was revoked */
	SD_EEXPIRED = -1017, /* certificate past its not_after */
	SD_ESCHEMA = -1018, /* store written by a later release (downgrade) */
};

/*
 * sd_strerror(code): a static, human-readable description of code (an
 * SD_E* code or -errno). Never returns NULL. Any thread.
 */
const char *sd_strerror(int code);

#endif
