// SPDX-License-Identifier: GPL-2.0
/*
 * nlprobe: send malformed or forbidden ndvmfw netlink requests and check
 * that the kernel refuses each with the expected errno.
 *
 *   nlprobe list          the case names
 *   nlprobe CASE          run one case; exit 0 if refused as expected
 *
 * Each case prints "CASE: errno=N (text) extack='...'" for the test log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include "nl.h"

#define BIG (64 * 1024 * 1024)

static void put_rule_accept(struct nlmsghdr *nlh)
{
	struct nlattr *r = mnl_attr_nest_start(nlh, NDVMFW_A_RULE);

	mnl_attr_put_u8(nlh, NDVMFW_RULE_A_VERDICT, NDVMFW_ACCEPT);
	mnl_attr_nest_end(nlh, r);
}

static void put_load_head(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, NDVMFW_A_POLICY, NDVMFW_DROP);
}

/* A load with policy drop and an open accept rule, to add to and close. */
static struct nlattr *rule_begin(struct nlmsghdr *nlh)
{
	struct nlattr *r;

	put_load_head(nlh);
	r = mnl_attr_nest_start(nlh, NDVMFW_A_RULE);
	mnl_attr_put_u8(nlh, NDVMFW_RULE_A_VERDICT, NDVMFW_ACCEPT);
	return r;
}

static void c_unknown_top(struct nlmsghdr *nlh)
{
	put_load_head(nlh);
	mnl_attr_put_u32(nlh, 200, 1);
}

static void c_pad_top(struct nlmsghdr *nlh)
{
	put_load_head(nlh);
	mnl_attr_put_u32(nlh, NDVMFW_A_PAD, 1);
}

static void c_policy_len(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, NDVMFW_A_POLICY, NDVMFW_DROP);
}

static void c_policy_range(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, NDVMFW_A_POLICY, 9);
}

static void c_policy_missing(struct nlmsghdr *nlh)
{
	put_rule_accept(nlh);
}

static void c_flags_unknown(struct nlmsghdr *nlh)
{
	put_load_head(nlh);
	mnl_attr_put_u32(nlh, NDVMFW_A_LOAD_FLAGS, 0x80);
}

static void c_verdict_missing(struct nlmsghdr *nlh)
{
	struct nlattr *r;

	put_load_head(nlh);
	r = mnl_attr_nest_start(nlh, NDVMFW_A_RULE);
	mnl_attr_put_u8(nlh, NDVMFW_RULE_A_PROTO, 6);
	mnl_attr_nest_end(nlh, r);
}

static void c_verdict_range(struct nlmsghdr *nlh)
{
	struct nlattr *r;

	put_load_head(nlh);
	r = mnl_attr_nest_start(nlh, NDVMFW_A_RULE);
	mnl_attr_put_u8(nlh, NDVMFW_RULE_A_VERDICT, 0x41);
	mnl_attr_nest_end(nlh, r);
}

static void c_rule_unknown(struct nlmsghdr *nlh)
{
	struct nlattr *r;

	r = rule_begin(nlh);
	mnl_attr_put_u8(nlh, NDVMFW_RULE_A_MAX + 5, 1);
	mnl_attr_nest_end(nlh, r);
}

static void c_counter_in_load(struct nlmsghdr *nlh)
{
	struct nlattr *r;

	r = rule_begin(nlh);
	mnl_attr_put_u64(nlh, NDVMFW_RULE_A_PACKETS, 1);
	mnl_attr_nest_end(nlh, r);
}

static void c_family_bad(struct nlmsghdr *nlh)
{
	struct nlattr *r;

	r = rule_begin(nlh);
	mnl_attr_put_u8(nlh, NDVMFW_RULE_A_FAMILY, 3);
	mnl_attr_nest_end(nlh, r);
}

static void put_set(struct nlmsghdr *nlh, u32 id, const void *addr, int len,
		    int plen)
{
	struct nlattr *s, *e;

	s = mnl_attr_nest_start(nlh, NDVMFW_A_SET);
	mnl_attr_put_u32(nlh, NDVMFW_SET_A_ID, id);
	e = mnl_attr_nest_start(nlh, NDVMFW_SET_A_ELEM);
	mnl_attr_put(nlh, NDVMFW_ELEM_A_ADDR, len, addr);
	if (plen >= 0)
		mnl_attr_put_u8(nlh, NDVMFW_ELEM_A_PREFIXLEN, plen);
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, s);
}

static void c_addr_len(struct nlmsghdr *nlh)
{
	static const u8 a[5] = { 10, 0, 0, 1, 0 };

	put_load_head(nlh);
	put_set(nlh, 0, a, sizeof(a), -1);
}

static void c_host_bits(struct nlmsghdr *nlh)
{
	static const u8 a[4] = { 10, 0, 0, 1 };

	put_load_head(nlh);
	put_set(nlh, 0, a, sizeof(a), 8);
}

static void c_plen_range(struct nlmsghdr *nlh)
{
	static const u8 a[4] = { 10, 0, 0, 0 };

	put_load_head(nlh);
	put_set(nlh, 0, a, sizeof(a), 200);
}

static void c_set_order(struct nlmsghdr *nlh)
{
	static const u8 a[4] = { 10, 0, 0, 0 };

	put_load_head(nlh);
	put_set(nlh, 1, a, sizeof(a), 8);
}

/* Two ids in one set: both passes must see the same one (the last). */
static void c_set_id_twice(struct nlmsghdr *nlh)
{
	static const u8 a[4] = { 10, 0, 0, 0 };
	struct nlattr *s, *e;

	put_load_head(nlh);
	s = mnl_attr_nest_start(nlh, NDVMFW_A_SET);
	mnl_attr_put_u32(nlh, NDVMFW_SET_A_ID, 0);
	mnl_attr_put_u32(nlh, NDVMFW_SET_A_ID, 100000);
	mnl_attr_put_strz(nlh, NDVMFW_SET_A_NAME, "x");
	e = mnl_attr_nest_start(nlh, NDVMFW_SET_A_ELEM);
	mnl_attr_put(nlh, NDVMFW_ELEM_A_ADDR, sizeof(a), a);
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, s);
}

static void c_set_missing(struct nlmsghdr *nlh)
{
	struct nlattr *r, *ep;

	r = rule_begin(nlh);
	ep = mnl_attr_nest_start(nlh, NDVMFW_RULE_A_SRC);
	mnl_attr_put_u32(nlh, NDVMFW_ADDR_A_SET, 0);
	mnl_attr_nest_end(nlh, ep);
	mnl_attr_nest_end(nlh, r);
}

/* an accept rule whose source is set @set */
static void put_rule_src_set(struct nlmsghdr *nlh, u32 set)
{
	struct nlattr *r, *ep;

	r = mnl_attr_nest_start(nlh, NDVMFW_A_RULE);
	mnl_attr_put_u8(nlh, NDVMFW_RULE_A_VERDICT, NDVMFW_ACCEPT);
	ep = mnl_attr_nest_start(nlh, NDVMFW_RULE_A_SRC);
	mnl_attr_put_u32(nlh, NDVMFW_ADDR_A_SET, set);
	mnl_attr_nest_end(nlh, ep);
	mnl_attr_nest_end(nlh, r);
}

/*
 * Regressions named after nf_tables CVE classes, against our interface.
 * CVE-2022-1015 (an index that wraps a bounds check): set references and
 * ids at U32_MAX.
 */
static void c_cve_1015_set_ref(struct nlmsghdr *nlh)
{
	static const u8 a[4] = { 10, 0, 0, 1 };

	put_load_head(nlh);
	put_set(nlh, 0, a, sizeof(a), 32);
	put_rule_src_set(nlh, 0xffffffff);
}

static void c_cve_1015_set_id(struct nlmsghdr *nlh)
{
	static const u8 a[4] = { 10, 0, 0, 1 };

	put_load_head(nlh);
	put_set(nlh, 0xffffffff, a, sizeof(a), 32);
}

static void c_cve_1015_ifrule_set(struct nlmsghdr *nlh)
{
	static const u8 mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct nlattr *f, *i;

	put_load_head(nlh);
	f = mnl_attr_nest_start(nlh, NDVMFW_A_IFRULE);
	mnl_attr_put_u8(nlh, NDVMFW_IFRULE_A_KIND, NDVMFW_IFRULE_BIND);
	i = mnl_attr_nest_start(nlh, NDVMFW_IFRULE_A_IFACE);
	mnl_attr_put_strz(nlh, NDVMFW_IFACE_A_NAME, "vif1.0");
	mnl_attr_nest_end(nlh, i);
	mnl_attr_put(nlh, NDVMFW_IFRULE_A_MAC, sizeof(mac), mac);
	mnl_attr_put_u32(nlh, NDVMFW_IFRULE_A_SET, 0xffffffff);
	mnl_attr_nest_end(nlh, f);
}

/*
 * CVE-2024-1086 (a verdict with hidden bits): a verdict in four bytes,
 * ACCEPT in the low one, must not be taken as ACCEPT.
 */
static void c_cve_1086_verdict_bits(struct nlmsghdr *nlh)
{
	struct nlattr *r;

	put_load_head(nlh);
	r = mnl_attr_nest_start(nlh, NDVMFW_A_RULE);
	mnl_attr_put_u32(nlh, NDVMFW_RULE_A_VERDICT, 0xffff0000 | NDVMFW_ACCEPT);
	mnl_attr_nest_end(nlh, r);
}

static void c_anon_unused(struct nlmsghdr *nlh)
{
	static const u8 a[4] = { 10, 0, 0, 0 };

	put_load_head(nlh);
	put_set(nlh, 0, a, sizeof(a), 8);
}

/* an anonymous set in two places: only named sets are shared */
static void c_anon_shared(struct nlmsghdr *nlh)
{
	static const u8 a[4] = { 10, 0, 0, 0 };

	put_load_head(nlh);
	put_set(nlh, 0, a, sizeof(a), 8);
	put_rule_src_set(nlh, 0);
	put_rule_src_set(nlh, 0);
}

static void put_ports(struct nlmsghdr *nlh, int n, bool proto)
{
	struct nlattr *r, *ep, *p;
	int i;

	r = rule_begin(nlh);
	if (proto)
		mnl_attr_put_u8(nlh, NDVMFW_RULE_A_PROTO, 6);
	ep = mnl_attr_nest_start(nlh, NDVMFW_RULE_A_DST);
	for (i = 0; i < n; i++) {
		p = mnl_attr_nest_start(nlh, NDVMFW_ADDR_A_PORT);
		mnl_attr_put_u16(nlh, NDVMFW_PORT_A_LO, i);
		mnl_attr_nest_end(nlh, p);
	}
	mnl_attr_nest_end(nlh, ep);
	mnl_attr_nest_end(nlh, r);
}

static void c_too_many_ports(struct nlmsghdr *nlh)
{
	put_ports(nlh, NDVMFW_MAX_PORTS + 1, true);
}

static void c_ports_no_proto(struct nlmsghdr *nlh)
{
	put_ports(nlh, 1, false);
}

static void c_too_many_rules(struct nlmsghdr *nlh)
{
	int i;

	put_load_head(nlh);
	for (i = 0; i <= NDVMFW_MAX_RULES; i++)
		put_rule_accept(nlh);
}

static void c_port_range(struct nlmsghdr *nlh)
{
	struct nlattr *r, *ep, *p;

	r = rule_begin(nlh);
	mnl_attr_put_u8(nlh, NDVMFW_RULE_A_PROTO, 17);
	ep = mnl_attr_nest_start(nlh, NDVMFW_RULE_A_DST);
	p = mnl_attr_nest_start(nlh, NDVMFW_ADDR_A_PORT);
	mnl_attr_put_u16(nlh, NDVMFW_PORT_A_LO, 90);
	mnl_attr_put_u16(nlh, NDVMFW_PORT_A_HI, 80);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, ep);
	mnl_attr_nest_end(nlh, r);
}

static void c_icmp_no_proto(struct nlmsghdr *nlh)
{
	struct nlattr *r, *ic;

	r = rule_begin(nlh);
	ic = mnl_attr_nest_start(nlh, NDVMFW_RULE_A_ICMP);
	mnl_attr_put_u8(nlh, NDVMFW_ICMP_A_TYPE, 8);
	mnl_attr_nest_end(nlh, ic);
	mnl_attr_nest_end(nlh, r);
}

static void c_iface_long(struct nlmsghdr *nlh)
{
	struct nlattr *r, *i;

	r = rule_begin(nlh);
	i = mnl_attr_nest_start(nlh, NDVMFW_RULE_A_IIF);
	mnl_attr_put_strz(nlh, NDVMFW_IFACE_A_NAME, "abcdefghijklmnopq");
	mnl_attr_nest_end(nlh, i);
	mnl_attr_nest_end(nlh, r);
}

static void c_state(struct nlmsghdr *nlh)
{
	struct nlattr *r;

	r = rule_begin(nlh);
	mnl_attr_put_u32(nlh, NDVMFW_RULE_A_STATE, __NDVMFW_STATE_ALL + 1);
	mnl_attr_nest_end(nlh, r);
}

static void c_truncated(struct nlmsghdr *nlh)
{
	struct nlattr *a;

	put_load_head(nlh);
	put_rule_accept(nlh);
	/* the last attribute claims more bytes than the message holds */
	a = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	a->nla_len = 0x4000;
}

/* One NDVMFW_A_IFRULE: kind, interface, and a MAC of @maclen bytes. */
static void put_ifrule(struct nlmsghdr *nlh, u8 kind, const char *ifname,
		       bool prefix, int maclen, bool set)
{
	static const u8 mac[8] = { 2, 0, 0, 0, 0, 1 };
	struct nlattr *f, *i;

	put_load_head(nlh);
	f = mnl_attr_nest_start(nlh, NDVMFW_A_IFRULE);
	mnl_attr_put_u8(nlh, NDVMFW_IFRULE_A_KIND, kind);
	i = mnl_attr_nest_start(nlh, NDVMFW_IFRULE_A_IFACE);
	mnl_attr_put_strz(nlh, NDVMFW_IFACE_A_NAME, ifname);
	if (prefix)
		mnl_attr_put(nlh, NDVMFW_IFACE_A_PREFIX, 0, NULL);
	mnl_attr_nest_end(nlh, i);
	if (maclen)
		mnl_attr_put(nlh, NDVMFW_IFRULE_A_MAC, maclen, mac);
	if (set)
		mnl_attr_put_u32(nlh, NDVMFW_IFRULE_A_SET, 0);
	mnl_attr_nest_end(nlh, f);
}

static void c_ifrule_kind(struct nlmsghdr *nlh)
{
	put_ifrule(nlh, NDVMFW_IFRULE_MAX + 1, "vif", true, 0, false);
}

static void c_bind_prefix(struct nlmsghdr *nlh)
{
	static const u8 a[4] = { 10, 0, 0, 1 };

	put_ifrule(nlh, NDVMFW_IFRULE_BIND, "vif", true, 6, true);
	put_set(nlh, 0, a, sizeof(a), 32);
}

static void c_bind_mac_len(struct nlmsghdr *nlh)
{
	put_ifrule(nlh, NDVMFW_IFRULE_BIND, "vif1.0", false, 8, false);
}

static void c_bind_no_set(struct nlmsghdr *nlh)
{
	put_ifrule(nlh, NDVMFW_IFRULE_BIND, "vif1.0", false, 6, false);
}

/* one address more than a bind may name: NDVMFW_MAX_BIND_ADDRS + 1 */
static void c_bind_too_many(struct nlmsghdr *nlh)
{
	struct nlattr *s, *e;
	u8 a[4] = { 10, 0, 0, 0 };
	int i;

	put_ifrule(nlh, NDVMFW_IFRULE_BIND, "vif1.0", false, 6, true);
	s = mnl_attr_nest_start(nlh, NDVMFW_A_SET);
	mnl_attr_put_u32(nlh, NDVMFW_SET_A_ID, 0);
	for (i = 0; i <= NDVMFW_MAX_BIND_ADDRS; i++) {
		a[3] = i + 1;
		e = mnl_attr_nest_start(nlh, NDVMFW_SET_A_ELEM);
		mnl_attr_put(nlh, NDVMFW_ELEM_A_ADDR, sizeof(a), a);
		mnl_attr_nest_end(nlh, e);
	}
	mnl_attr_nest_end(nlh, s);
}

static void c_antispoof_mac(struct nlmsghdr *nlh)
{
	put_ifrule(nlh, NDVMFW_IFRULE_ANTISPOOF, "vif", true, 6, false);
}

static void c_hotplug_no_bridge(struct nlmsghdr *nlh)
{
	put_ifrule(nlh, NDVMFW_IFRULE_HOTPLUG, "vif", true, 0, false);
}

static void c_links_attr(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, NDVMFW_A_LINK, 0);
}

static void c_status_attr(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, NDVMFW_A_SEALED, 0);
}

static void c_unprivileged(struct nlmsghdr *nlh)
{
	put_load_head(nlh);
	put_rule_accept(nlh);
}

static const struct {
	const char *name;
	u8 cmd;
	void (*fill)(struct nlmsghdr *nlh);
	int expect;
	bool drop_privs;
} cases[] = {
	{ "unknown-attr", NDVMFW_CMD_LOAD, c_unknown_top, EINVAL, false },
	{ "pad-attr", NDVMFW_CMD_LOAD, c_pad_top, EINVAL, false },
	{ "policy-wrong-length", NDVMFW_CMD_LOAD, c_policy_len, EINVAL, false },
	{ "policy-out-of-range", NDVMFW_CMD_LOAD, c_policy_range, ERANGE, false },
	{ "policy-missing", NDVMFW_CMD_LOAD, c_policy_missing, EINVAL, false },
	{ "flags-unknown-bit", NDVMFW_CMD_LOAD, c_flags_unknown, EINVAL, false },
	{ "verdict-missing", NDVMFW_CMD_LOAD, c_verdict_missing, EINVAL, false },
	{ "verdict-out-of-range", NDVMFW_CMD_LOAD, c_verdict_range, ERANGE, false },
	{ "rule-unknown-attr", NDVMFW_CMD_LOAD, c_rule_unknown, EINVAL, false },
	{ "counter-in-load", NDVMFW_CMD_LOAD, c_counter_in_load, EINVAL, false },
	{ "family-bad", NDVMFW_CMD_LOAD, c_family_bad, EINVAL, false },
	{ "addr-length", NDVMFW_CMD_LOAD, c_addr_len, EINVAL, false },
	{ "host-bits", NDVMFW_CMD_LOAD, c_host_bits, EINVAL, false },
	{ "prefixlen-range", NDVMFW_CMD_LOAD, c_plen_range, ERANGE, false },
	{ "set-id-order", NDVMFW_CMD_LOAD, c_set_order, EINVAL, false },
	{ "set-id-twice", NDVMFW_CMD_LOAD, c_set_id_twice, EINVAL, false },
	{ "set-missing", NDVMFW_CMD_LOAD, c_set_missing, EINVAL, false },
	{ "anon-set-unused", NDVMFW_CMD_LOAD, c_anon_unused, EINVAL, false },
	{ "anon-set-shared", NDVMFW_CMD_LOAD, c_anon_shared, EINVAL, false },
	{ "too-many-ports", NDVMFW_CMD_LOAD, c_too_many_ports, E2BIG, false },
	{ "ports-without-proto", NDVMFW_CMD_LOAD, c_ports_no_proto, EINVAL, false },
	{ "too-many-rules", NDVMFW_CMD_LOAD, c_too_many_rules, E2BIG, false },
	{ "port-range-reversed", NDVMFW_CMD_LOAD, c_port_range, EINVAL, false },
	{ "icmp-without-proto", NDVMFW_CMD_LOAD, c_icmp_no_proto, EINVAL, false },
	{ "iface-too-long", NDVMFW_CMD_LOAD, c_iface_long, EINVAL, false },
	{ "state-unknown-bit", NDVMFW_CMD_LOAD, c_state, EINVAL, false },
	{ "truncated", NDVMFW_CMD_LOAD, c_truncated, EINVAL, false },
	{ "cve-2022-1015-set-ref", NDVMFW_CMD_LOAD, c_cve_1015_set_ref,
	  EINVAL, false },
	{ "cve-2022-1015-set-id", NDVMFW_CMD_LOAD, c_cve_1015_set_id, EINVAL,
	  false },
	{ "cve-2022-1015-ifrule-set", NDVMFW_CMD_LOAD, c_cve_1015_ifrule_set,
	  EINVAL, false },
	{ "cve-2024-1086-verdict-bits", NDVMFW_CMD_LOAD,
	  c_cve_1086_verdict_bits, EINVAL, false },
	{ "ifrule-kind", NDVMFW_CMD_LOAD, c_ifrule_kind, ERANGE, false },
	{ "bind-prefix", NDVMFW_CMD_LOAD, c_bind_prefix, EINVAL, false },
	{ "bind-mac-length", NDVMFW_CMD_LOAD, c_bind_mac_len, ERANGE, false },
	{ "bind-without-set", NDVMFW_CMD_LOAD, c_bind_no_set, EINVAL, false },
	{ "bind-too-many-addrs", NDVMFW_CMD_LOAD, c_bind_too_many, E2BIG,
	  false },
	{ "antispoof-with-mac", NDVMFW_CMD_LOAD, c_antispoof_mac, EINVAL, false },
	{ "hotplug-no-bridge", NDVMFW_CMD_LOAD, c_hotplug_no_bridge, EINVAL,
	  false },
	{ "links-with-attr", NDVMFW_CMD_GET_LINKS, c_links_attr, EINVAL, false },
	{ "unprivileged-links", NDVMFW_CMD_GET_LINKS, NULL, EPERM, true },
	{ "status-with-attr", NDVMFW_CMD_GET_STATUS, c_status_attr, EINVAL, false },
	{ "seal-with-attr", NDVMFW_CMD_SEAL, c_status_attr, EINVAL, false },
	{ "unprivileged-load", NDVMFW_CMD_LOAD, c_unprivileged, EPERM, true },
	{ "unprivileged-seal", NDVMFW_CMD_SEAL, NULL, EPERM, true },
	{ "unprivileged-status", NDVMFW_CMD_GET_STATUS, NULL, EPERM, true },
};

static int run(unsigned int i)
{
	struct nlmsghdr *nlh;
	struct fw_nl n;
	void *buf;
	int ret;

	if (cases[i].drop_privs && (setgid(65534) || setuid(65534))) {
		perror("setuid");
		return 2;
	}
	ret = fw_nl_open(&n);
	if (ret) {
		fprintf(stderr, "%s: cannot open: %s\n", cases[i].name,
			strerror(-ret));
		return 2;
	}
	buf = calloc(1, BIG);
	if (!buf)
		return 2;
	nlh = fw_nl_put(&n, buf, cases[i].cmd,
			cases[i].cmd == NDVMFW_CMD_GET_LINKS ? NLM_F_DUMP : 0);
	if (cases[i].fill)
		cases[i].fill(nlh);
	ret = fw_nl_talk(&n, nlh, NULL, NULL);
	printf("%s: errno=%d (%s) extack='%s'\n", cases[i].name, -ret,
	       strerror(-ret), n.err);
	fw_nl_close(&n);
	free(buf);
	return -ret != cases[i].expect;
}

int main(int argc, char *argv[])
{
	unsigned int i;

	if (argc != 2) {
		fprintf(stderr, "usage: nlprobe list | CASE\n");
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!strcmp(argv[1], "list"))
			printf("%s\n", cases[i].name);
		else if (!strcmp(argv[1], cases[i].name))
			return run(i);
	}
	if (strcmp(argv[1], "list")) {
		fprintf(stderr, "nlprobe: no case '%s'\n", argv[1]);
		return 2;
	}
	return 0;
}
