#include "hex.h"

#include <string.h>

#include "err.h"

void
hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
	size_t i;

	if (len != 2 * n)
		return SD_EINVAL;
	for (i = 0; i < len; i++)
		if (hex_digit((unsigned char)s[i]) < 0)
			return SD_EINVAL;
	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(hex_digit((unsigned char)s[2 * i]) << 4 |
		    hex_digit((unsigned char)s[2 * i + 1]));
	return 0;
}

void
hex_short(const uint8_t *p, char out[HEX_SHORT + 1])
{
	hex_encode(p, HEX_SHORT / 2, out);
}
