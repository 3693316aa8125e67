/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference matcher of the classifier tests (ref.c): a packet as the
 * rule language sees it, its first matching rule, and its classifier key.
 */
#ifndef _NDVMFW_TEST_REF_H
#define _NDVMFW_TEST_REF_H

#include "core.h"

struct pkt {
	int v6;
	char iif[IFNAMSIZ];	/* "" : none */
	char oif[IFNAMSIZ];
	u8 proto;
	u8 saddr[16], daddr[16];
	int has_l4;		/* ports or icmp header known */
	u16 sport, dport;
	u8 type, code;
	u32 state;		/* one NDVMFW_STATE_* bit or UNTRACKED */
};

/* Index of the first rule of @rs that matches @p (NAT rules aside), or -1. */
s32 ref_lookup(const struct ndvmfw_ruleset *rs, const struct pkt *p);
/* Whether the address @a (IPv6 if @v6) is in the element @e. */
int ref_elem(const struct ndvmfw_elem *e, int v6, const u8 *a);
/* The key as the kernel's hooks build it. */
void pkt_key(const struct pkt *p, struct ndvmfw_key *k);
/*
 * For the packet generators: the ends of a port range and the ports just
 * outside it; @which 0: lo, 1: hi, 2: lo - 1, 3: hi + 1 (modulo 2^16).
 */
u16 ref_port_edge(const struct ndvmfw_port_range *r, unsigned int which);

#endif /* _NDVMFW_TEST_REF_H */
