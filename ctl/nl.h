/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FWCTL_NL_H
#define _FWCTL_NL_H

#include <libmnl/libmnl.h>
#include "core.h"

struct fw_nl {
	struct mnl_socket *sock;
	u16 family;
	u32 portid;
	u32 seq;
	char err[1024];		/* the kernel's extack text, if any */
};

int fw_nl_open(struct fw_nl *n);
void fw_nl_close(struct fw_nl *n);
struct nlmsghdr *fw_nl_put(struct fw_nl *n, void *buf, u8 cmd, u16 flags);
int fw_nl_talk(struct fw_nl *n, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data);
const char *fw_nl_attr_path(const struct nlmsghdr *nlh, u32 off, char *buf,
			    size_t len);

#endif /* _FWCTL_NL_H */
