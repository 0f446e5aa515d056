#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"

struct client {
	int fd;
};

int
client_connect(const char *path, struct client **out)
{
	struct sockaddr_un sa;
	struct client *c;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	*out = c;
	return 0;
}

void
client_close(struct client *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

int
client_call(struct client *c, Sd__Request *req, Sd__Response **resp)
{
	uint8_t *buf, *in = NULL;
	size_t len, inlen;
	int rc;

	req->version = CTL_VERSION;
	len = sd__request__get_packed_size(req);
	if (len > FRAME_CONTROL_MAX)
		return SD_ETOOBIG;
	if ((buf = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	sd__request__pack(req, buf);
	rc = frame_write_fd(c->fd, buf, len);
	free(buf);
	if (rc != 0)
		return rc;
	if ((rc = frame_read_fd(c->fd, FRAME_CONTROL_MAX, &in, &inlen)) != 0)
		return rc == -EPIPE ? SD_EPROTO : rc;
	*resp = sd__response__unpack(NULL, inlen, in);
	free(in);
	if (*resp == NULL)
		return SD_EDECODE;
	if ((*resp)->version != CTL_VERSION) {
		sd__response__free_unpacked(*resp, NULL);
		return SD_EVERSION;
	}
	return 0;
}
