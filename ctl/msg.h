/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FWCTL_MSG_H
#define _FWCTL_MSG_H

#include "nl.h"

/* What NDVMFW_CMD_GET_RULES returns: the active rule set and counters. */
struct fw_dump {
	struct ndvmfw_ruleset rs;
	u64 *packets;		/* per rule */
	u64 *bytes;
	u64 generation;
	bool loaded;
	u32 cap_sets, cap_elems, cap_rules, cap_ports, cap_icmp, cap_ifrules;
	u32 cap_packets, cap_bytes;
};

/* The module's global packet counters, in NDVMFW_A_* order. */
#define FW_NCOUNTERS 6

struct fw_counter {
	int attr;
	const char *name;	/* "unloaded-packets"; JSON: '_' for '-' */
};

extern const struct fw_counter fw_counters[FW_NCOUNTERS];

struct fw_status {
	bool loaded, sealed, fail_open;
	u8 policy;
	u8 digest[NDVMFW_DIGEST_LEN];
	u32 nrules, nsets, nelems;
	u64 generation;
	u64 policy_packets, policy_bytes;
	u64 counters[FW_NCOUNTERS];
	u64 cls_nodes, cls_bytes;
};

/* One interface of NDVMFW_CMD_GET_LINKS. */
#define FW_LINK_MAX_ADDRS 64

struct fw_link {
	char name[IFNAMSIZ];
	u32 ifindex;
	char xen_path[256];
	u32 xen_domid;
	u8 ident;		/* enum ndvmfw_ident_source */
	bool has_mac;
	u8 mac[6];
	u32 naddrs;
	struct ndvmfw_elem addrs[FW_LINK_MAX_ADDRS];
	u8 antispoof;
	u8 hotplug;		/* enum ndvmfw_hotplug_state */
	char bridge[IFNAMSIZ];
	u64 drop[4];		/* mac, ip, arp, other */
};

struct nlmsghdr *fw_encode_load(struct fw_nl *n,
				const struct ndvmfw_ruleset *rs, u32 flags);
int fw_get_status(struct fw_nl *n, struct fw_status *st);
int fw_get_dump(struct fw_nl *n, struct fw_dump *d);
void fw_dump_free(struct fw_dump *d);
int fw_get_links(struct fw_nl *n, struct fw_link **links, u32 *nlinks);

#endif /* _FWCTL_MSG_H */
