#include "frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

void
frame_reader_init(struct frame_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void
frame_reader_free(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->start = r->len = r->cap = 0;
}

static size_t
frame_peek_len(const uint8_t *h)
{
	return ((size_t)h[0] << 24) | ((size_t)h[1] << 16) |
	    ((size_t)h[2] << 8) | (size_t)h[3];
}

static int
frame_reader_check(const struct frame_reader *r)
{
	if (r->len >= FRAME_HEADER_BYTES &&
	    frame_peek_len(r->buf + r->start) > r->max)
		return SD_ETOOBIG;
	return 0;
}

int
frame_reader_feed(struct frame_reader *r, const uint8_t *p, size_t n)
{
	size_t need;
	uint8_t *nb;
	int rc;

	if ((rc = frame_reader_check(r)) != 0)
		return rc;
	if (r->start > 0 && r->len > 0)
		memmove(r->buf, r->buf + r->start, r->len);
	r->start = 0;
	/* Take no more than the rest of the current header first, so a
	 * hostile length is refused before the buffer grows for it. */
	while (n > 0) {
		size_t take = n;
		if (r->len < FRAME_HEADER_BYTES) {
			take = FRAME_HEADER_BYTES - r->len;
			if (take > n)
				take = n;
		}
		need = r->len + take;
		if (need > r->cap) {
			size_t ncap = r->cap ? r->cap : 4096;
			while (ncap < need)
				ncap *= 2;
			if ((nb = realloc(r->buf, ncap)) == NULL)
				return -ENOMEM;
			r->buf = nb;
			r->cap = ncap;
		}
		memcpy(r->buf + r->len, p, take);
		r->len += take;
		p += take;
		n -= take;
		if ((rc = frame_reader_check(r)) != 0)
			return rc;
	}
	return 0;
}

int
frame_reader_next(struct frame_reader *r, const uint8_t **out, size_t *outlen)
{
	size_t plen;
	int rc;

	if ((rc = frame_reader_check(r)) != 0)
		return rc;
	if (r->len < FRAME_HEADER_BYTES)
		return 0;
	plen = frame_peek_len(r->buf + r->start);
	if (r->len - FRAME_HEADER_BYTES < plen)
		return 0;
	*out = r->buf + r->start + FRAME_HEADER_BYTES;
	*outlen = plen;
	r->start += FRAME_HEADER_BYTES + plen;
	r->len -= FRAME_HEADER_BYTES + plen;
	return 1;
}

void
frame_header(size_t n, uint8_t hdr[FRAME_HEADER_BYTES])
{
	hdr[0] = (uint8_t)(n >> 24);
	hdr[1] = (uint8_t)(n >> 16);
	hdr[2] = (uint8_t)(n >> 8);
	hdr[3] = (uint8_t)n;
}

static int
frame_write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads exactly n bytes: 0, -EPIPE at end of stream before any byte,
 * SD_EPROTO at end of stream after some, or -errno. */
static int
frame_read_all(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, p + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return got == 0 ? -EPIPE : SD_EPROTO;
		got += (size_t)r;
	}
	return 0;
}

int
frame_write_fd(int fd, const uint8_t *p, size_t n)
{
	uint8_t hdr[FRAME_HEADER_BYTES];
	int rc;

	if (n > 0xffffffffu)
		return SD_ETOOBIG;
	frame_header(n, hdr);
	if ((rc = frame_write_all(fd, hdr, sizeof(hdr))) != 0)
		return rc;
	return frame_write_all(fd, p, n);
}

int
frame_read_fd(int fd, size_t max, uint8_t **out, size_t *outlen)
{
	uint8_t hdr[FRAME_HEADER_BYTES], *buf;
	size_t n;
	int rc;

	if ((rc = frame_read_all(fd, hdr, sizeof(hdr))) != 0)
		return rc;
	n = frame_peek_len(hdr);
	if (n > max)
		return SD_ETOOBIG;
	if ((buf = malloc(n ? n : 1)) == NULL)
		return -ENOMEM;
	if ((rc = frame_read_all(fd, buf, n)) != 0) {
		free(buf);
		return rc == -EPIPE ? SD_EPROTO : rc;
	}
	*out = buf;
	*outlen = n;
	return 0;
}
