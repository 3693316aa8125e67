// SPDX-License-Identifier: GPL-2.0
/*
 * The NDVM's network section (see net.h): parse it whole, then apply it
 * with rtnetlink requests, one acknowledged message a statement.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include "fwctl.h"
#include "net.h"
#include "parse.h"

/* ---- parsing ---- */

static int fw_net_ifname(const char *s, char *out, const char *file, u32 line)
{
	if (!s || !*s || strlen(s) >= 16 || strchr(s, '/'))
		return fw_fail("%s:%u: want an interface name", file, line);
	strcpy(out, s);
	return 0;
}

/* ADDR[/PLEN]; without /PLEN a host address. */
static int fw_net_prefix(const char *s, struct fw_net_stmt *st, u8 *addr,
			 bool want_plen, const char *file, u32 line)
{
	char buf[64], *slash, *end;
	long plen;

	if (!s || strlen(s) >= sizeof(buf))
		return fw_fail("%s:%u: want an address", file, line);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		st->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		st->family = AF_INET6;
	else
		return fw_fail("%s:%u: '%s' is not an IPv4 or IPv6 address",
			       file, line, buf);
	if (!want_plen)
		return slash ? fw_fail("%s:%u: no /prefix here", file, line) : 0;
	if (!slash)
		return fw_fail("%s:%u: '%s' wants a /prefix length", file,
			       line, s);
	plen = strtol(slash, &end, 10);
	if (!*slash || *end || plen < 0 ||
	    plen > (st->family == AF_INET ? 32 : 128))
		return fw_fail("%s:%u: bad prefix length '/%s'", file, line,
			       slash);
	st->plen = plen;
	return 0;
}

static int fw_net_sysctl(struct fw_net_stmt *st, char **w, int nw,
			 const char *file, u32 line)
{
	const char *c;

	if (nw != 3)
		return fw_fail("%s:%u: want 'sysctl KEY VALUE'", file, line);
	if (strncmp(w[1], "net.", 4) || strlen(w[1]) >= sizeof(st->key) ||
	    strstr(w[1], "..") || strchr(w[1], '/'))
		return fw_fail("%s:%u: only net.* sysctls, not '%s'", file,
			       line, w[1]);
	if (strlen(w[2]) >= sizeof(st->value))
		return fw_fail("%s:%u: sysctl value too long", file, line);
	for (c = w[1]; *c; c++)
		if (!(isalnum((unsigned char)*c) || strchr("._-", *c)))
			return fw_fail("%s:%u: bad sysctl name '%s'", file,
				       line, w[1]);
	strcpy(st->key, w[1]);
	strcpy(st->value, w[2]);
	return 0;
}

static int fw_net_route(struct fw_net_stmt *st, char **w, int nw,
			const char *file, u32 line)
{
	int i, fam = 0;

	for (i = 2; i < nw; i += 2) {
		if (i + 1 >= nw)
			return fw_fail("%s:%u: '%s' wants a value", file, line,
				       w[i]);
		if (!strcmp(w[i], "via")) {
			if (fw_net_prefix(w[i + 1], st, st->gw, false, file,
					  line))
				return 1;
			st->has_gw = true;
			fam = st->family;
		} else if (!strcmp(w[i], "dev")) {
			if (fw_net_ifname(w[i + 1], st->dev, file, line))
				return 1;
		} else {
			return fw_fail("%s:%u: unknown route option '%s'",
				       file, line, w[i]);
		}
	}
	if (!strcmp(w[1], "default")) {
		if (!fam)
			return fw_fail("%s:%u: %s", file, line,
				       "'default' wants 'via GATEWAY' (or write 0.0.0.0/0, ::/0)");
		memset(st->addr, 0, sizeof(st->addr));
		st->plen = 0;
		st->family = fam;
		return 0;
	}
	if (fw_net_prefix(w[1], st, st->addr, true, file, line))
		return 1;
	if (fam && fam != st->family)
		return fw_fail("%s:%u: gateway and prefix of different families",
			       file, line);
	if (!st->has_gw && !st->dev[0])
		return fw_fail("%s:%u: a route wants 'via' or 'dev'", file,
			       line);
	return 0;
}

static int fw_net_link(struct fw_net_stmt *st, char **w, int nw,
		       const char *file, u32 line)
{
	char *end;
	int i;

	if (nw < 2 || fw_net_ifname(w[1], st->dev, file, line))
		return fw_fail("%s:%u: want 'link IFACE [mtu N] [master BRIDGE]'",
			       file, line);
	for (i = 2; i < nw; i += 2) {
		if (i + 1 >= nw)
			return fw_fail("%s:%u: '%s' wants a value", file, line,
				       w[i]);
		if (!strcmp(w[i], "mtu")) {
			st->mtu = strtoul(w[i + 1], &end, 10);
			if (*end || st->mtu < 68 || st->mtu > 65535)
				return fw_fail("%s:%u: bad mtu '%s'", file,
					       line, w[i + 1]);
		} else if (!strcmp(w[i], "master")) {
			if (fw_net_ifname(w[i + 1], st->master, file, line))
				return 1;
		} else {
			return fw_fail("%s:%u: unknown link option '%s'", file,
				       line, w[i]);
		}
	}
	return 0;
}

static int fw_net_stmt(struct fw_net_stmt *st, char **w, int nw,
		       const char *file, u32 line)
{
	if (!strcmp(w[0], "bridge")) {
		st->op = FW_NET_BRIDGE;
		if (nw != 2)
			return fw_fail("%s:%u: want 'bridge NAME'", file, line);
		return fw_net_ifname(w[1], st->dev, file, line);
	}
	if (!strcmp(w[0], "link")) {
		st->op = FW_NET_LINK;
		return fw_net_link(st, w, nw, file, line);
	}
	if (!strcmp(w[0], "addr")) {
		st->op = FW_NET_ADDR;
		if (nw != 3)
			return fw_fail("%s:%u: want 'addr IFACE ADDRESS/PLEN'",
				       file, line);
		return fw_net_ifname(w[1], st->dev, file, line) ||
		       fw_net_prefix(w[2], st, st->addr, true, file, line);
	}
	if (!strcmp(w[0], "route")) {
		st->op = FW_NET_ROUTE;
		if (nw < 2)
			return fw_fail("%s:%u: want 'route PREFIX|default ...'",
				       file, line);
		return fw_net_route(st, w, nw, file, line);
	}
	if (!strcmp(w[0], "sysctl")) {
		st->op = FW_NET_SYSCTL;
		return fw_net_sysctl(st, w, nw, file, line);
	}
	return fw_fail("%s:%u: unknown statement '%s' (bridge, link, addr, route, sysctl)",
		       file, line, w[0]);
}

int fw_net_parse(const char *path, struct fw_net *net)
{
	char buf[512], *w[16], *p, *save;
	struct fw_net_stmt *st;
	u32 line = 0;
	int nw, ret = 0;
	FILE *f;

	memset(net, 0, sizeof(*net));
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENOENT :
		       fw_fail("%s: %s", path, strerror(errno));
	while (!ret && fgets(buf, sizeof(buf), f)) {
		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			ret = fw_fail("%s:%u: line too long", path, line);
			break;
		}
		buf[strcspn(buf, "#")] = '\0';
		nw = 0;
		for (p = strtok_r(buf, " \t\r\n", &save); p && nw < 16;
		     p = strtok_r(NULL, " \t\r\n", &save))
			w[nw++] = p;
		if (!nw)
			continue;
		if (p) {
			ret = fw_fail("%s:%u: too many words", path, line);
			break;
		}
		st = fw_grow(net->stmt, &net->cap, net->n, sizeof(*st));
		if (!st) {
			ret = fw_fail("%s", strerror(ENOMEM));
			break;
		}
		net->stmt = st;
		st += net->n;
		st->line = line;
		ret = fw_net_stmt(st, w, nw, path, line);
		net->n++;
	}
	if (!ret && ferror(f))
		ret = fw_fail("%s: read error", path);
	fclose(f);
	if (ret)
		fw_net_free(net);
	return ret;
}

void fw_net_free(struct fw_net *net)
{
	free(net->stmt);
	memset(net, 0, sizeof(*net));
}

/* ---- applying ---- */

struct fw_rtnl {
	struct mnl_socket *sock;
	u32 portid, seq;
};

static int fw_rtnl_talk(struct fw_rtnl *rt, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++rt->seq;
	if (mnl_socket_sendto(rt->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(rt->sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, rt->seq, rt->portid, NULL, NULL);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

/* The interface's index, waiting up to @wait seconds for it to appear. */
static int fw_net_index(const char *dev, int wait, const struct fw_net_stmt *st)
{
	struct timespec ts = { 0, 100 * 1000000L };
	unsigned int idx;
	int i;

	for (i = 0; i <= wait * 10; i++) {
		idx = if_nametoindex(dev);
		if (idx)
			return idx;
		nanosleep(&ts, NULL);
	}
	fw_fail("ndvm.net:%u: no interface %s after %d s", st->line, dev,
		wait);
	return 0;
}

static struct nlmsghdr *fw_rtnl_msg(char *buf, u16 type, u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

static int fw_net_bridge(struct fw_rtnl *rt, const struct fw_net_stmt *st)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct nlattr *info;

	nlh = fw_rtnl_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, st->dev);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return fw_rtnl_talk(rt, nlh);
}

static int fw_net_link_up(struct fw_rtnl *rt, const struct fw_net_stmt *st,
			  int wait)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int idx, master = 0;

	idx = fw_net_index(st->dev, wait, st);
	if (!idx)
		return 1;
	if (st->master[0]) {
		master = fw_net_index(st->master, 0, st);
		if (!master)
			return 1;
	}
	nlh = fw_rtnl_msg(buf, RTM_NEWLINK, 0);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = idx;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	if (st->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, st->mtu);
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	return fw_rtnl_talk(rt, nlh);
}

static int fw_net_addr(struct fw_rtnl *rt, const struct fw_net_stmt *st,
		       int wait)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t alen = st->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int idx;

	idx = fw_net_index(st->dev, wait, st);
	if (!idx)
		return 1;
	nlh = fw_rtnl_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = st->family;
	ifa->ifa_prefixlen = st->plen;
	ifa->ifa_index = idx;
	ifa->ifa_flags = st->family == AF_INET6 ? IFA_F_NODAD : 0;
	mnl_attr_put(nlh, IFA_LOCAL, alen, st->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, st->addr);
	return fw_rtnl_talk(rt, nlh);
}

static int fw_net_route_add(struct fw_rtnl *rt, const struct fw_net_stmt *st,
			    int wait)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t alen = st->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int idx = 0;

	if (st->dev[0]) {
		idx = fw_net_index(st->dev, wait, st);
		if (!idx)
			return 1;
	}
	nlh = fw_rtnl_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = st->family;
	rtm->rtm_dst_len = st->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = st->has_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (st->plen)
		mnl_attr_put(nlh, RTA_DST, alen, st->addr);
	if (st->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, st->gw);
	if (idx)
		mnl_attr_put_u32(nlh, RTA_OIF, idx);
	return fw_rtnl_talk(rt, nlh);
}

static int fw_net_sysctl_set(const struct fw_net_stmt *st)
{
	char path[160], *c;
	size_t len = strlen(st->value);
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/%s", st->key);
	for (c = path + strlen("/proc/sys/"); *c; c++)
		if (*c == '.')
			*c = '/';
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, st->value, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static const char *const fw_net_op_names[] = {
	[FW_NET_BRIDGE] = "bridge", [FW_NET_LINK] = "link",
	[FW_NET_ADDR] = "addr", [FW_NET_ROUTE] = "route",
	[FW_NET_SYSCTL] = "sysctl",
};

int fw_net_apply(const struct fw_net *net, int wait)
{
	const struct fw_net_stmt *st;
	struct fw_rtnl rt = { 0 };
	int ret = 0;
	u32 i;

	if (!net->n)
		return 0;
	rt.sock = mnl_socket_open(NETLINK_ROUTE);
	if (!rt.sock || mnl_socket_bind(rt.sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = fw_fail("rtnetlink: %s", strerror(errno));
		goto out;
	}
	rt.portid = mnl_socket_get_portid(rt.sock);
	for (i = 0; !ret && i < net->n; i++) {
		st = &net->stmt[i];
		switch (st->op) {
		case FW_NET_BRIDGE:
			ret = fw_net_bridge(&rt, st);
			break;
		case FW_NET_LINK:
			ret = fw_net_link_up(&rt, st, wait);
			break;
		case FW_NET_ADDR:
			ret = fw_net_addr(&rt, st, wait);
			break;
		case FW_NET_ROUTE:
			ret = fw_net_route_add(&rt, st, wait);
			break;
		case FW_NET_SYSCTL:
			ret = fw_net_sysctl_set(st);
			break;
		}
		if (ret < 0)	/* > 0: the reason is recorded already */
			ret = fw_fail("ndvm.net:%u: %s: %s", st->line,
				      fw_net_op_names[st->op], strerror(-ret));
	}
out:
	if (rt.sock)
		mnl_socket_close(rt.sock);
	return ret ? 1 : 0;
}
