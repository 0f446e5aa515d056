/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): each defines
 * LLVMFuzzerTestOneInput and is built only with clang and -DSD_FUZZ=ON
 * (scripts/fuzz.sh). Inputs are hostile bytes; a target fails only by a
 * sanitizer report, a crash or a broken invariant (fuzz_check).
 */
#ifndef SD_FUZZ_H
#define SD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* fuzz_check(cond, what): abort with a message if an invariant breaks. */
#define fuzz_check(cond, what)                                                 \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "invariant broken: %s\n", (what));     \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
