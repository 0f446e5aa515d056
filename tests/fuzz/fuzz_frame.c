/* The streaming frame decoder: bytes arrive in arbitrary pieces (the
 * first input byte picks the piece size); every frame taken is within the
 * cap, and an oversize header is refused before anything is allocated. */
#include <string.h>

#include "err.h"
#include "frame.h"
#include "fuzz.h"

#define FUZZ_FRAME_MAX 4096

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_reader r;
	size_t piece, off;
	int rc = 0;

	if (size == 0)
		return 0;
	piece = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	frame_reader_init(&r, FUZZ_FRAME_MAX);
	for (off = 0; off < size && rc >= 0; off += piece) {
		size_t n = size - off < piece ? size - off : piece;
		const uint8_t *p;
		size_t plen;
		if ((rc = frame_reader_feed(&r, data + off, n)) < 0) {
			fuzz_check(rc == SD_ETOOBIG, "feed: only SD_ETOOBIG");
			break;
		}
		while ((rc = frame_reader_next(&r, &p, &plen)) == 1) {
			fuzz_check(
			    plen <= FUZZ_FRAME_MAX, "frame above the cap");
			if (plen > 0)
				fuzz_check(p != NULL, "frame without bytes");
		}
		fuzz_check(
		    rc == 0 || rc == SD_ETOOBIG, "next: 0, 1 or ETOOBIG");
		fuzz_check(r.cap <= FUZZ_FRAME_MAX + FRAME_HEADER_BYTES + 4096,
		    "buffer grew beyond a frame");
	}
	frame_reader_free(&r);
	return 0;
}
