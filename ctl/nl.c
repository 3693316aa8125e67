// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink layer of fwctl: resolve the family, send one request, run
 * the replies through a callback, and turn an error and its extended ack
 * into text that names the attribute the kernel objected to.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "nl.h"

#define FW_NL_RCVBUF	(256 * 1024)

/* ---- attribute names, to explain extack offsets ---- */

enum fw_level {
	FW_L_NONE, FW_L_TOP, FW_L_SET, FW_L_ELEM, FW_L_RULE, FW_L_IFACE,
	FW_L_ADDR, FW_L_PORT, FW_L_ICMP, FW_L_IFRULE,
};

static const char *const fw_top_names[NDVMFW_A_MAX + 1] = {
	[NDVMFW_A_PAD] = "NDVMFW_A_PAD",
	[NDVMFW_A_POLICY] = "NDVMFW_A_POLICY",
	[NDVMFW_A_LOAD_FLAGS] = "NDVMFW_A_LOAD_FLAGS",
	[NDVMFW_A_SET] = "NDVMFW_A_SET",
	[NDVMFW_A_RULE] = "NDVMFW_A_RULE",
	[NDVMFW_A_LOADED] = "NDVMFW_A_LOADED",
	[NDVMFW_A_SEALED] = "NDVMFW_A_SEALED",
	[NDVMFW_A_FAIL_OPEN] = "NDVMFW_A_FAIL_OPEN",
	[NDVMFW_A_GENERATION] = "NDVMFW_A_GENERATION",
	[NDVMFW_A_DIGEST] = "NDVMFW_A_DIGEST",
	[NDVMFW_A_NRULES] = "NDVMFW_A_NRULES",
	[NDVMFW_A_NSETS] = "NDVMFW_A_NSETS",
	[NDVMFW_A_NELEMS] = "NDVMFW_A_NELEMS",
	[NDVMFW_A_POLICY_PACKETS] = "NDVMFW_A_POLICY_PACKETS",
	[NDVMFW_A_POLICY_BYTES] = "NDVMFW_A_POLICY_BYTES",
	[NDVMFW_A_UNLOADED_PACKETS] = "NDVMFW_A_UNLOADED_PACKETS",
	[NDVMFW_A_CLS_NODES] = "NDVMFW_A_CLS_NODES",
	[NDVMFW_A_CLS_BYTES] = "NDVMFW_A_CLS_BYTES",
	[NDVMFW_A_MALFORMED_PACKETS] = "NDVMFW_A_MALFORMED_PACKETS",
	[NDVMFW_A_FRAGMENT_PACKETS] = "NDVMFW_A_FRAGMENT_PACKETS",
	[NDVMFW_A_EXTHDR_PACKETS] = "NDVMFW_A_EXTHDR_PACKETS",
	[NDVMFW_A_VLAN_PACKETS] = "NDVMFW_A_VLAN_PACKETS",
	[NDVMFW_A_LOG_SUPPRESSED] = "NDVMFW_A_LOG_SUPPRESSED",
	[NDVMFW_A_IFRULE] = "NDVMFW_A_IFRULE",
	[NDVMFW_A_LINK] = "NDVMFW_A_LINK",
};

static const char *const fw_ifrule_names[NDVMFW_IFRULE_A_MAX + 1] = {
	[NDVMFW_IFRULE_A_KIND] = "NDVMFW_IFRULE_A_KIND",
	[NDVMFW_IFRULE_A_IFACE] = "NDVMFW_IFRULE_A_IFACE",
	[NDVMFW_IFRULE_A_MAC] = "NDVMFW_IFRULE_A_MAC",
	[NDVMFW_IFRULE_A_SET] = "NDVMFW_IFRULE_A_SET",
	[NDVMFW_IFRULE_A_BRIDGE] = "NDVMFW_IFRULE_A_BRIDGE",
};

static const char *const fw_set_names[NDVMFW_SET_A_MAX + 1] = {
	[NDVMFW_SET_A_ID] = "NDVMFW_SET_A_ID",
	[NDVMFW_SET_A_NAME] = "NDVMFW_SET_A_NAME",
	[NDVMFW_SET_A_ELEM] = "NDVMFW_SET_A_ELEM",
};

static const char *const fw_elem_names[NDVMFW_ELEM_A_MAX + 1] = {
	[NDVMFW_ELEM_A_ADDR] = "NDVMFW_ELEM_A_ADDR",
	[NDVMFW_ELEM_A_PREFIXLEN] = "NDVMFW_ELEM_A_PREFIXLEN",
};

static const char *const fw_rule_names[NDVMFW_RULE_A_MAX + 1] = {
	[NDVMFW_RULE_A_PAD] = "NDVMFW_RULE_A_PAD",
	[NDVMFW_RULE_A_VERDICT] = "NDVMFW_RULE_A_VERDICT",
	[NDVMFW_RULE_A_FLAGS] = "NDVMFW_RULE_A_FLAGS",
	[NDVMFW_RULE_A_IIF] = "NDVMFW_RULE_A_IIF",
	[NDVMFW_RULE_A_OIF] = "NDVMFW_RULE_A_OIF",
	[NDVMFW_RULE_A_FAMILY] = "NDVMFW_RULE_A_FAMILY",
	[NDVMFW_RULE_A_PROTO] = "NDVMFW_RULE_A_PROTO",
	[NDVMFW_RULE_A_SRC] = "NDVMFW_RULE_A_SRC",
	[NDVMFW_RULE_A_DST] = "NDVMFW_RULE_A_DST",
	[NDVMFW_RULE_A_ICMP] = "NDVMFW_RULE_A_ICMP",
	[NDVMFW_RULE_A_STATE] = "NDVMFW_RULE_A_STATE",
	[NDVMFW_RULE_A_INDEX] = "NDVMFW_RULE_A_INDEX",
	[NDVMFW_RULE_A_PACKETS] = "NDVMFW_RULE_A_PACKETS",
	[NDVMFW_RULE_A_BYTES] = "NDVMFW_RULE_A_BYTES",
};

static const char *const fw_iface_names[NDVMFW_IFACE_A_MAX + 1] = {
	[NDVMFW_IFACE_A_NAME] = "NDVMFW_IFACE_A_NAME",
	[NDVMFW_IFACE_A_PREFIX] = "NDVMFW_IFACE_A_PREFIX",
};

static const char *const fw_addr_names[NDVMFW_ADDR_A_MAX + 1] = {
	[NDVMFW_ADDR_A_SET] = "NDVMFW_ADDR_A_SET",
	[NDVMFW_ADDR_A_PORT] = "NDVMFW_ADDR_A_PORT",
};

static const char *const fw_port_names[NDVMFW_PORT_A_MAX + 1] = {
	[NDVMFW_PORT_A_LO] = "NDVMFW_PORT_A_LO",
	[NDVMFW_PORT_A_HI] = "NDVMFW_PORT_A_HI",
};

static const char *const fw_icmp_names[NDVMFW_ICMP_A_MAX + 1] = {
	[NDVMFW_ICMP_A_TYPE] = "NDVMFW_ICMP_A_TYPE",
	[NDVMFW_ICMP_A_CODE] = "NDVMFW_ICMP_A_CODE",
};

static const struct {
	const char *const *names;
	unsigned int max;
} fw_levels[] = {
	[FW_L_TOP] = { fw_top_names, NDVMFW_A_MAX },
	[FW_L_SET] = { fw_set_names, NDVMFW_SET_A_MAX },
	[FW_L_ELEM] = { fw_elem_names, NDVMFW_ELEM_A_MAX },
	[FW_L_RULE] = { fw_rule_names, NDVMFW_RULE_A_MAX },
	[FW_L_IFACE] = { fw_iface_names, NDVMFW_IFACE_A_MAX },
	[FW_L_ADDR] = { fw_addr_names, NDVMFW_ADDR_A_MAX },
	[FW_L_PORT] = { fw_port_names, NDVMFW_PORT_A_MAX },
	[FW_L_ICMP] = { fw_icmp_names, NDVMFW_ICMP_A_MAX },
	[FW_L_IFRULE] = { fw_ifrule_names, NDVMFW_IFRULE_A_MAX },
};

static enum fw_level fw_child_level(enum fw_level l, unsigned int type)
{
	switch (l) {
	case FW_L_TOP:
		return type == NDVMFW_A_SET ? FW_L_SET :
		       type == NDVMFW_A_RULE ? FW_L_RULE :
		       type == NDVMFW_A_IFRULE ? FW_L_IFRULE : FW_L_NONE;
	case FW_L_IFRULE:
		return type == NDVMFW_IFRULE_A_IFACE ? FW_L_IFACE : FW_L_NONE;
	case FW_L_SET:
		return type == NDVMFW_SET_A_ELEM ? FW_L_ELEM : FW_L_NONE;
	case FW_L_RULE:
		if (type == NDVMFW_RULE_A_IIF || type == NDVMFW_RULE_A_OIF)
			return FW_L_IFACE;
		if (type == NDVMFW_RULE_A_SRC || type == NDVMFW_RULE_A_DST)
			return FW_L_ADDR;
		return type == NDVMFW_RULE_A_ICMP ? FW_L_ICMP : FW_L_NONE;
	case FW_L_ADDR:
		return type == NDVMFW_ADDR_A_PORT ? FW_L_PORT : FW_L_NONE;
	default:
		return FW_L_NONE;
	}
}

static void fw_path_append(char *buf, size_t len, enum fw_level l,
			   unsigned int type, unsigned int index)
{
	size_t used = strlen(buf);
	const char *name = NULL;

	if (type <= fw_levels[l].max)
		name = fw_levels[l].names[type];
	snprintf(buf + used, len - used, "%s%s", used ? " > " : "",
		 name ? name : "unknown attribute");
	used = strlen(buf);
	if (!name)
		snprintf(buf + used, len - used, " %u", type);
	else if (l == FW_L_TOP && (type == NDVMFW_A_SET ||
				   type == NDVMFW_A_RULE ||
				   type == NDVMFW_A_IFRULE))
		snprintf(buf + used, len - used, " #%u", index);
}

/**
 * fw_nl_attr_path - name the attribute at an offset of a request
 * @nlh: the request as sent
 * @off: byte offset from the start of @nlh, as in NLMSGERR_ATTR_OFFS
 * @buf: output, e.g. "NDVMFW_A_RULE #3 > NDVMFW_RULE_A_PROTO"
 * @len: size of @buf
 */
const char *fw_nl_attr_path(const struct nlmsghdr *nlh, u32 off, char *buf,
			    size_t len)
{
	const char *base = (const char *)nlh;
	enum fw_level l = FW_L_TOP;
	u32 start = NLMSG_HDRLEN + GENL_HDRLEN, end = nlh->nlmsg_len;
	unsigned int counts[NDVMFW_A_MAX + 1] = { 0 };

	buf[0] = 0;
	while (l != FW_L_NONE && start < end) {
		const struct nlattr *a = (const void *)(base + start);
		unsigned int type = a->nla_type & NLA_TYPE_MASK;
		u32 alen = NLA_ALIGN(a->nla_len);

		if (a->nla_len < NLA_HDRLEN || start + a->nla_len > end)
			break;
		if (off < start || off >= start + alen) {
			if (l == FW_L_TOP && type <= NDVMFW_A_MAX)
				counts[type]++;
			start += alen;
			continue;
		}
		fw_path_append(buf, len, l, type,
			       l == FW_L_TOP && type <= NDVMFW_A_MAX ?
			       counts[type] : 0);
		if (off == start)
			break;
		l = fw_child_level(l, type);
		end = start + a->nla_len;
		start += NLA_HDRLEN;
	}
	return buf;
}

/* ---- request / reply ---- */

struct fw_nl_ctx {
	struct fw_nl *n;
	const struct nlmsghdr *req;
	mnl_cb_t cb;
	void *data;
};

struct fw_extack {
	const char *msg;
	u32 offs;
	u32 miss_type;
	bool has_offs, has_miss;
};

static int fw_extack_attr(const struct nlattr *a, void *data)
{
	struct fw_extack *e = data;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			e->msg = mnl_attr_get_str(a);
		break;
	case NLMSGERR_ATTR_OFFS:
		if (!mnl_attr_validate(a, MNL_TYPE_U32)) {
			e->offs = mnl_attr_get_u32(a);
			e->has_offs = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (!mnl_attr_validate(a, MNL_TYPE_U32)) {
			e->miss_type = mnl_attr_get_u32(a);
			e->has_miss = true;
		}
		break;
	}
	return MNL_CB_OK;
}

static int fw_nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct fw_nl_ctx *ctx = data;
	struct fw_extack e = { 0 };
	char path[256] = "";
	size_t off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_size(off) <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, off, fw_extack_attr, &e);
	if (e.has_offs)
		fw_nl_attr_path(ctx->req, e.offs, path, sizeof(path));
	snprintf(ctx->n->err, sizeof(ctx->n->err), "%s%s%s%s", e.msg ? e.msg : "",
		 *path ? " (at " : "", path, *path ? ")" : "");
	if (e.has_miss && !e.msg)
		snprintf(ctx->n->err, sizeof(ctx->n->err),
			 "missing attribute type %u", e.miss_type);
	errno = -err->error;
	return MNL_CB_ERROR;
}

static int fw_nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_STOP;
}

static int fw_nl_overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

static int fw_nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fw_nl_ctx *ctx = data;

	return ctx->cb ? ctx->cb(nlh, ctx->data) : MNL_CB_OK;
}

/**
 * fw_nl_talk - send a request and process every reply
 * @n: an open socket
 * @nlh: the request, from fw_nl_put() or built by hand
 * @cb: called for each data message (may be NULL)
 * @data: passed to @cb
 *
 * Return: 0 or a negative errno; n->err holds the kernel's explanation.
 */
int fw_nl_talk(struct fw_nl *n, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = fw_nl_error_cb,
		[NLMSG_DONE] = fw_nl_done_cb,
		[NLMSG_OVERRUN] = fw_nl_overrun_cb,
	};
	struct fw_nl_ctx ctx = { .n = n, .req = nlh, .cb = cb, .data = data };
	int fd = mnl_socket_get_fd(n->sock), sz = nlh->nlmsg_len + 65536;
	static char buf[FW_NL_RCVBUF];
	ssize_t len;
	int ret;

	n->err[0] = 0;
	nlh->nlmsg_seq = ++n->seq;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(n->sock, buf, sizeof(buf));
		if (len < 0)
			return -errno;
		/* a callback that refuses a reply may leave errno alone */
		errno = 0;
		ret = mnl_cb_run2(buf, len, n->seq, n->portid, fw_nl_data_cb,
				  &ctx, ctl, ARRAY_SIZE(ctl));
	} while (ret == MNL_CB_OK);
	if (ret < 0)
		return errno ? -errno : -EBADMSG;
	return 0;
}

struct nlmsghdr *fw_nl_put(struct fw_nl *n, void *buf, u8 cmd, u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = n->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = NDVMFW_GENL_VERSION;
	return nlh;
}

static int fw_family_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    !mnl_attr_validate(a, MNL_TYPE_U16))
		*(u16 *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int fw_family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), fw_family_attr,
			      data);
}

/**
 * fw_nl_open - open a generic netlink socket and resolve the family
 * @n: filled in
 *
 * Return: 0, -ENOENT when the module is not loaded, or another -errno.
 */
int fw_nl_open(struct fw_nl *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1, ret;

	memset(n, 0, sizeof(*n));
	n->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!n->sock)
		return -errno;
	if (mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err;
	}
	mnl_socket_setsockopt(n->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(n->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	n->portid = mnl_socket_get_portid(n->sock);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	((struct genlmsghdr *)mnl_nlmsg_put_extra_header(nlh,
		sizeof(struct genlmsghdr)))->cmd = CTRL_CMD_GETFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NDVMFW_GENL_NAME);
	ret = fw_nl_talk(n, nlh, fw_family_cb, &n->family);
	if (!ret && !n->family)
		ret = -ENOENT;
	if (ret)
		goto err;
	return 0;
err:
	mnl_socket_close(n->sock);
	n->sock = NULL;
	return ret;
}

void fw_nl_close(struct fw_nl *n)
{
	if (n->sock)
		mnl_socket_close(n->sock);
	n->sock = NULL;
}
