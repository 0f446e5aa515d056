/*
 * frame: length-prefixed frames, as used on the control socket and between
 * peers (the handshake's messages, then each sealed message). A frame is a 4-byte big-endian payload length followed by
 * the payload. Every reader has a hard maximum, checked against the header
 * before any payload memory is allocated.
 */
#ifndef SD_FRAME_H
#define SD_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_BYTES 4
#define FRAME_CONTROL_MAX (32u * 1024 * 1024)

/* A streaming decoder: feed it bytes as they arrive, take whole frames. */
struct frame_reader {
	uint8_t *buf;
	size_t start, len, cap; /* buffered bytes are buf[start, start+len) */
	size_t max; /* largest payload accepted */
};

/* frame_reader_init(r, max): an empty reader accepting payloads <= max. */
void frame_reader_init(struct frame_reader *r, size_t max);

/* frame_reader_free(r): release r's buffer; r may be reused after init. */
void frame_reader_free(struct frame_reader *r);

/*
 * frame_reader_feed(r, p, n): append n bytes. SD_ETOOBIG if a buffered
 * header announces a payload above r->max (nothing is allocated for it);
 * the reader must then be discarded. Invalidates frames returned earlier.
 */
int frame_reader_feed(struct frame_reader *r, const uint8_t *p, size_t n);

/*
 * frame_reader_next(r, out, outlen): 1 and the next whole payload in
 * *out and *outlen (pointing into r's buffer, valid until the next feed or
 * next call), 0 if no whole frame is buffered yet, SD_ETOOBIG as above.
 */
int
frame_reader_next(struct frame_reader *r, const uint8_t **out, size_t *outlen);

/* frame_header(n, hdr): write the header for an n-byte payload. */
void frame_header(size_t n, uint8_t hdr[FRAME_HEADER_BYTES]);

/* frame_write_fd(fd, p, n): blocking write of one frame; 0 or -errno. */
int frame_write_fd(int fd, const uint8_t *p, size_t n);

/*
 * frame_read_fd(fd, max, out, outlen): blocking read of one frame of at
 * most max payload bytes into *out (malloc'd, caller frees). -EPIPE on a
 * clean end of stream before a header, SD_EPROTO on a truncated frame,
 * SD_ETOOBIG above max.
 */
int frame_read_fd(int fd, size_t max, uint8_t **out, size_t *outlen);

#endif
