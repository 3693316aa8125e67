// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl status [-j]: the module's state as key: value lines or JSON, then
 * one "link NAME: key=value ..." line per interface with an identity,
 * antispoof or hotplug, or that is a xen-netback device.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include "common.h"
#include "fwctl.h"

static const char *fw_yes(bool b)
{
	return b ? "yes" : "no";
}

static const char *const fw_ident_names[] = {
	[NDVMFW_IDENT_NONE] = "none",
	[NDVMFW_IDENT_BIND] = "bind",
	[NDVMFW_IDENT_XEN] = "xenstore",
	[NDVMFW_IDENT_PENDING] = "pending",
};

static const char *const fw_hotplug_names[] = {
	[NDVMFW_HOTPLUG_NONE] = "no",
	[NDVMFW_HOTPLUG_PENDING] = "pending",
	[NDVMFW_HOTPLUG_DONE] = "connected",
	[NDVMFW_HOTPLUG_FAILED] = "failed",
};

static const char *const fw_drop_names[] = {
	"dropped-mac", "dropped-ip", "dropped-arp", "dropped-other"
};

static const char *fw_ident_name(u8 i)
{
	return i < ARRAY_SIZE(fw_ident_names) ? fw_ident_names[i] : "?";
}

static const char *fw_hotplug_name(u8 i)
{
	return i < ARRAY_SIZE(fw_hotplug_names) ? fw_hotplug_names[i] : "?";
}

/* "10.0.0.5,fd00::5", or "-" for none */
static void fw_link_addrs(const struct fw_link *l, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	size_t len = 0;
	u32 i;

	strcpy(buf, "-");
	for (i = 0; i < l->naddrs; i++) {
		const struct ndvmfw_elem *e = &l->addrs[i];
		bool v4 = e->family == NFPROTO_IPV4;

		if (!inet_ntop(v4 ? AF_INET : AF_INET6, e->addr, a, sizeof(a)))
			strcpy(a, "?");
		len += snprintf(buf + len, len < size ? size - len : 0,
				"%s%s", i ? "," : "", a);
		if (e->plen != (v4 ? 32 : 128))
			len += snprintf(buf + len, len < size ? size - len : 0,
					"/%u", e->plen);
	}
}

static void fw_link_mac(const struct fw_link *l, char *buf)
{
	if (!l->has_mac) {
		strcpy(buf, "-");
		return;
	}
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1],
		l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
}

static void fw_links_text(const struct fw_link *links, u32 n)
{
	char addrs[FW_LINK_MAX_ADDRS * 44], mac[18];
	u32 i, j;

	for (i = 0; i < n; i++) {
		const struct fw_link *l = &links[i];

		fw_link_addrs(l, addrs, sizeof(addrs));
		fw_link_mac(l, mac);
		printf("link %s: identity=%s mac=%s ip=%s antispoof=%s", l->name,
		       fw_ident_name(l->ident), mac, addrs,
		       fw_yes(l->antispoof));
		for (j = 0; l->antispoof && j < ARRAY_SIZE(fw_drop_names); j++)
			printf(" %s=%llu", fw_drop_names[j], l->drop[j]);
		printf(" hotplug=%s", fw_hotplug_name(l->hotplug));
		if (l->hotplug)
			printf(" bridge=%s", l->bridge);
		if (l->xen_path[0])
			printf(" xen=%s domid=%u", l->xen_path, l->xen_domid);
		putchar('\n');
	}
}

static void fw_links_json(const struct fw_link *links, u32 n)
{
	char addrs[FW_LINK_MAX_ADDRS * 44], mac[18], key[16];
	u32 i, j;

	printf(",\"links\":[");
	for (i = 0; i < n; i++) {
		const struct fw_link *l = &links[i];

		fw_link_addrs(l, addrs, sizeof(addrs));
		fw_link_mac(l, mac);
		printf("%s{", i ? "," : "");
		fw_json_str("name", l->name, true);
		fw_json_str("identity", fw_ident_name(l->ident),
			    false);
		fw_json_str("mac", mac, false);
		fw_json_str("ip", addrs, false);
		printf(",\"antispoof\":%s", l->antispoof ? "true" : "false");
		for (j = 0; l->antispoof && j < ARRAY_SIZE(fw_drop_names); j++) {
			snprintf(key, sizeof(key), "%s", fw_drop_names[j]);
			key[7] = '_';
			fw_json_u64(key, l->drop[j], false);
		}
		fw_json_str("hotplug", fw_hotplug_name(l->hotplug),
			    false);
		if (l->hotplug)
			fw_json_str("bridge", l->bridge, false);
		if (l->xen_path[0]) {
			fw_json_str("xen", l->xen_path, false);
			fw_json_u64("domid", l->xen_domid, false);
		}
		putchar('}');
	}
	putchar(']');
}

static void fw_status_text(const struct fw_status *st)
{
	int i;

	printf("loaded: %s\nsealed: %s\nfail-open: %s\n", fw_yes(st->loaded),
	       fw_yes(st->sealed), fw_yes(st->fail_open));
	if (st->loaded) {
		printf("policy: %s\nrules: %u\nsets: %u\nelements: %u\n",
		       fw_verdict_name(st->policy), st->nrules, st->nsets,
		       st->nelems);
		printf("digest: ");
		fw_print_hex(stdout, st->digest, sizeof(st->digest));
		printf("\ngeneration: %llu\n", st->generation);
		printf("policy-packets: %llu\npolicy-bytes: %llu\n",
		       st->policy_packets, st->policy_bytes);
		printf("lookup-nodes: %llu\nlookup-bytes: %llu\n",
		       st->cls_nodes, st->cls_bytes);
	} else {
		printf("rules: 0\n");
	}
	for (i = 0; i < FW_NCOUNTERS; i++)
		printf("%s: %llu\n", fw_counters[i].name, st->counters[i]);
}

static void fw_status_json(const struct fw_status *st,
			   const struct fw_link *links, u32 nlinks)
{
	char digest[2 * NDVMFW_DIGEST_LEN + 1];
	unsigned int i;

	printf("{\"loaded\":%s,\"sealed\":%s,\"fail_open\":%s",
	       st->loaded ? "true" : "false", st->sealed ? "true" : "false",
	       st->fail_open ? "true" : "false");
	fw_json_u64("rules", st->nrules, false);
	if (st->loaded) {
		for (i = 0; i < NDVMFW_DIGEST_LEN; i++)
			sprintf(digest + 2 * i, "%02x", st->digest[i]);
		fw_json_str("policy", fw_verdict_name(st->policy), false);
		fw_json_u64("sets", st->nsets, false);
		fw_json_u64("elements", st->nelems, false);
		fw_json_str("digest", digest, false);
		fw_json_u64("generation", st->generation, false);
		fw_json_u64("policy_packets", st->policy_packets, false);
		fw_json_u64("policy_bytes", st->policy_bytes, false);
		fw_json_u64("lookup_nodes", st->cls_nodes, false);
		fw_json_u64("lookup_bytes", st->cls_bytes, false);
	}
	fw_json_counters(st);
	fw_links_json(links, nlinks);
	printf("}\n");
}

int fw_cmd_status(int argc, char *argv[])
{
	bool json = fw_want_json(&argc, argv);
	struct fw_link *links;
	struct fw_status st;
	struct fw_nl n;
	u32 nlinks;
	int ret;

	if (argc != 1)
		return fw_fail("usage: fwctl status [-j]");
	if (fw_open(&n))
		return 1;
	ret = fw_get_status(&n, &st);
	if (!ret)
		ret = fw_get_links(&n, &links, &nlinks);
	fw_nl_close(&n);
	if (ret)
		return fw_kernel_fail(&n, ret);
	if (json) {
		fw_status_json(&st, links, nlinks);
	} else {
		fw_status_text(&st);
		fw_links_text(links, nlinks);
	}
	free(links);
	return 0;
}
