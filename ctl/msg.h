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
	u32 cap_sets, cap_elems, cap_rules, cap_ports, cap_icmp;
	u32 cap_packets, cap_bytes;
};

struct fw_status {
	bool loaded, sealed, fail_open;
	u8 policy;
	u8 digest[NDVMFW_DIGEST_LEN];
	u32 nrules, nsets, nelems;
	u64 generation;
	u64 policy_packets, policy_bytes;
	u64 unloaded_packets, malformed_packets;
	u64 cls_nodes, cls_bytes;
};

struct nlmsghdr *fw_encode_load(struct fw_nl *n,
				const struct ndvmfw_ruleset *rs, u32 flags);
int fw_get_status(struct fw_nl *n, struct fw_status *st);
int fw_get_dump(struct fw_nl *n, struct fw_dump *d);
void fw_dump_free(struct fw_dump *d);

#endif /* _FWCTL_MSG_H */
