#include "hreq.h"

#include <string.h>

static int
hreq_on_url(http_parser *p, const char *at, size_t len)
{
	struct hreq *r = p->data;

	if (r->urllen + len > HREQ_HEAD_MAX)
		return 1;
	memcpy(r->url + r->urllen, at, len);
	r->urllen += len;
	r->url[r->urllen] = '\0';
	return 0;
}

/* Header fields and values count towards the limit; their content is
 * not used. */
static int
hreq_on_header(http_parser *p, const char *at, size_t len)
{
	struct hreq *r = p->data;

	(void)at;
	r->head += len;
	return r->head + r->urllen > HREQ_HEAD_MAX;
}

static int
hreq_on_body(http_parser *p, const char *at, size_t len)
{
	struct hreq *r = p->data;

	(void)at;
	(void)len;
	r->bad = 413;
	return 1;
}

static int
hreq_on_complete(http_parser *p)
{
	struct hreq *r = p->data;

	r->complete = 1;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings hreq_settings = {
	.on_url = hreq_on_url,
	.on_header_field = hreq_on_header,
	.on_header_value = hreq_on_header,
	.on_body = hreq_on_body,
	.on_message_complete = hreq_on_complete,
};

void
hreq_init(struct hreq *r)
{
	r->urllen = r->head = 0;
	r->url[0] = '\0';
	r->complete = r->bad = 0;
	r->fed = 0;
	r->trailing = 0;
	http_parser_init(&r->parser, HTTP_REQUEST);
	r->parser.data = r;
}

int
hreq_feed(struct hreq *r, const char *p, size_t n)
{
	enum http_errno e;
	size_t done;

	if (r->complete) {
		r->trailing = 1;
		return 1;
	}
	r->fed += n;
	done = http_parser_execute(&r->parser, &hreq_settings, p, n);
	if (r->complete && !r->bad) {
		r->trailing = done < n;
		return 1;
	}
	e = HTTP_PARSER_ERRNO(&r->parser);
	if (e == HPE_OK && done == n)
		return 0;
	if (!r->bad)
		r->bad = e == HPE_CB_url ? 414
		    : e == HPE_CB_header_field || e == HPE_CB_header_value ||
		        e == HPE_HEADER_OVERFLOW
		    ? 431
		    : 400;
	r->complete = 1;
	return 1;
}

int
hreq_keep_alive(const struct hreq *r)
{
	return r->complete && !r->bad && !r->trailing &&
	    http_should_keep_alive(&r->parser);
}

const char *
hreq_method(const struct hreq *r)
{
	return http_method_str((enum http_method)r->parser.method);
}
