/*
 * web: the partner-search page (web/, docs/API.md "Web page"), compiled
 * into stardustd by cmake/embed.cmake. The page is three static files;
 * it fetches the JSON API (/api/...) itself, so nothing here knows about
 * members or the node. No sockets: daemon/api.c routes to it.
 */
#ifndef SD_WEB_H
#define SD_WEB_H

#include <stddef.h>

/* A file of the page. The pointers point into static, read-only data. */
struct web_file {
	const char *path; /* as requested, "/app.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/*
 * web_file_find(path, len, out): the page's file for the URL path
 * path[0..len) (no query string): "/" and "/index.html" are the page,
 * "/app.js" and "/app.css" its script and style. 0 with *out filled in;
 * SD_ENOTFOUND for any other path (*out untouched). Any thread.
 */
int web_file_find(const char *path, size_t len, struct web_file *out);

#endif
