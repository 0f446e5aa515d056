/* A received record: decode, verify the signature, decode and validate
 * the body. Anything may fail; nothing may crash or leak. With input
 * byte 0 odd, the rest is taken as a record body and signed here first,
 * so the body validation (which a bad signature would hide) is fuzzed
 * too. */
#include <string.h>

#include "codes.h"
#include "fuzz.h"
#include "key.h"
#include "record.h"

static struct codes *fz_codes;
static struct key *fz_key;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (codes_new(&fz_codes) != 0 || key_generate(&fz_key) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record r = { 0 };
	uint8_t *signed_rec = NULL;
	size_t len = 0;
	char err[256];
	int rc;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		if (record_sign(
		        fz_key, 1, data + 1, size - 1, &signed_rec, &len) != 0)
			return 0;
		rc = record_open(fz_codes, signed_rec, len, record_now_ms(), &r,
		    err, sizeof(err));
	} else {
		rc = record_open(fz_codes, data + 1, size - 1, record_now_ms(),
		    &r, err, sizeof(err));
	}
	if (rc == 0) {
		fuzz_check(r.rec != NULL && r.body != NULL, "opened, empty");
		fuzz_check(r.rec->origin.len == KEY_PUBLIC_BYTES,
		    "opened with a malformed origin");
	} else {
		fuzz_check(err[0] != '\0', "refused without a message");
	}
	record_close(&r);
	free(signed_rec);
	return 0;
}
