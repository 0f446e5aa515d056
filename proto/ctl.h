/*
 * ctl: the control protocol between stardustd and the stardust CLI
 * (proto/control.proto, docs/PROTOCOL.md "Control"), as bgpd.h is shared
 * with bgpctl: the messages and the limits both ends apply. The CLI
 * includes this and nothing of the daemon's.
 */
#ifndef SD_CTL_H
#define SD_CTL_H

#include "control.pb-c.h"
#include "key.h"
#include "record.h"

/* Request.version and Response.version; anything else is refused. */
#define CTL_VERSION 1
/* Members in one ListMembers answer: by default, and at most. */
#define CTL_LIST_DEFAULT 1000
#define CTL_LIST_MAX 10000
/* ListMembers.after and Response.next: origin || member id. */
#define CTL_MEMBER_KEY_BYTES (KEY_PUBLIC_BYTES + MEMBER_ID_BYTES)
/* Members in one PutMembers request. */
#define CTL_PUT_MAX 20000

#endif
