/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FWCTL_NET_H
#define _FWCTL_NET_H

#include <netinet/in.h>
#include "core.h"

/*
 * The network section of the NDVM (ndvm.net), applied by "fwctl boot"
 * through rtnetlink, so that the image needs no ip(8):
 *
 *   bridge NAME                         create a bridge and bring it up
 *   link IFACE [mtu N] [master BRIDGE]  bring IFACE up (after the
 *                                       changes), waiting for it to appear
 *   addr IFACE ADDRESS/PLEN             IPv4 or IPv6 (no DAD)
 *   route PREFIX|default [via GW] [dev IFACE]
 *   sysctl KEY VALUE                    a net.* sysctl, e.g.
 *                                       net.ipv4.ip_forward 1
 *
 * One statement a line, "#" starts a comment. The file is parsed in full
 * before anything is applied; statements are applied in order.
 */
enum fw_net_op { FW_NET_BRIDGE, FW_NET_LINK, FW_NET_ADDR, FW_NET_ROUTE,
		 FW_NET_SYSCTL };

struct fw_net_stmt {
	enum fw_net_op op;
	u32 line;
	char dev[16];		/* IFNAMSIZ */
	char master[16];
	u32 mtu;
	int family;		/* AF_INET or AF_INET6 */
	u8 addr[16];		/* addr, route destination */
	u8 plen;
	u8 gw[16];
	bool has_gw;
	char key[128], value[64];
};

struct fw_net {
	struct fw_net_stmt *stmt;
	u32 n, cap;
};

/* 0, -ENOENT if @path does not exist, else 1 with the reason recorded. */
int fw_net_parse(const char *path, struct fw_net *net);
/* Apply in order; wait up to @wait seconds for each interface. 0 or 1. */
int fw_net_apply(const struct fw_net *net, int wait);
void fw_net_free(struct fw_net *net);

#endif /* _FWCTL_NET_H */
