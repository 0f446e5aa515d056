#include "err.h"

#include <string.h>

const char *
sd_strerror(int code)
{
	switch (code) {
	case 0: return "success";
	case SD_EINVAL: return "invalid input";
	case SD_ESIG: return "bad signature";
	case SD_EDECODE: return "malformed message";
	case SD_ETOOBIG: return "too big";
	case SD_ENOTFOUND: return "not found";
	case SD_EEXIST: return "already exists";
	case SD_ESCOPE: return "outside the node's certificate scope";
	case SD_ENOCERT: return "no valid node certificate";
	case SD_EPERM: return "file permissions too loose";
	case SD_ESTORE: return "storage error";
	case SD_EFULL: return "store is full";
	case SD_EPROTO: return "protocol error";
	case SD_EVERSION: return "unsupported protocol version";
	case SD_ECONFIG: return "bad configuration";
	case SD_ESTALE: return "older or equal version ignored";
	case SD_EREVOKED: return "certificate revoked";
	case SD_EEXPIRED: return "certificate expired";
	case SD_ESCHEMA:
		return "store schema of a later release (downgrade refused: "
		       "run "
		       "that release, or restore the backup taken before the "
		       "upgrade)";
	default: break;
	}
	if (code < 0 && code > SD_EBASE)
		return strerror(-code);
	return "unknown error";
}
