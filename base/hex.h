/*
 * hex: lower-case hexadecimal, the one way bytes are written for people
 * (keys, member ids, log lines) and read back.
 */
#ifndef SD_HEX_H
#define SD_HEX_H

#include <stddef.h>
#include <stdint.h>

/* hex_encode(p, n, out): 2n lower-case hex digits of p and a NUL into
 * out (2n + 1 bytes). */
void hex_encode(const uint8_t *p, size_t n, char *out);

/* hex_decode(s, len, out, n): exactly 2n hex digits (either case) of
 * s[0, len) into out[n]. 0, or SD_EINVAL (wrong length, not hex) with
 * out untouched. */
int hex_decode(const char *s, size_t len, uint8_t *out, size_t n);

/* hex_digit(c): the value of one hex digit, or -1. */
int hex_digit(int c);

/* HEX_SHORT: hex digits of a key shown in log lines (its first 8 bytes),
 * and hex_short(p, out): those digits of p into out[HEX_SHORT + 1]. */
#define HEX_SHORT 16
void hex_short(const uint8_t *p, char out[HEX_SHORT + 1]);

#endif
