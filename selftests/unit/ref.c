// SPDX-License-Identifier: GPL-2.0
/*
 * The reference matcher: a rule set's first match for a packet, written
 * naively from the rule language's meaning, rule by rule. test_classify and
 * the libFuzzer harness selftests/fuzz/fuzz_compile.c hold the classifier
 * (kmod/classify.c) against it.
 */
#include <string.h>

#include "ref.h"

static int is_icmp(const struct pkt *p)
{
	return (!p->v6 && p->proto == 1) || (p->v6 && p->proto == 58);
}

static int ref_iface(const struct ndvmfw_iface *i, const char *name)
{
	switch (i->mode) {
	case NDVMFW_IFACE_EXACT:
		return name[0] && !strcmp(name, i->name);
	case NDVMFW_IFACE_PREFIX:
		return name[0] && !strncmp(name, i->name, strlen(i->name));
	}
	return 1;
}

int ref_elem(const struct ndvmfw_elem *e, int v6, const u8 *a)
{
	unsigned int i;

	if (e->family != (v6 ? NFPROTO_IPV6 : NFPROTO_IPV4))
		return 0;
	for (i = 0; i < e->plen; i++)
		if ((e->addr[i / 8] ^ a[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

static int ref_addr(const struct ndvmfw_ruleset *rs, u32 set, int v6,
		    const u8 *a)
{
	const struct ndvmfw_set *s;
	u32 i;

	if (set == NDVMFW_SET_NONE)
		return 1;
	s = &rs->sets[set];
	for (i = 0; i < s->count; i++) {
		const struct ndvmfw_elem *e = &rs->elems[s->first + i];

		if (ref_elem(e, v6, a))
			return 1;
	}
	return 0;
}

static int ref_ports(const struct ndvmfw_ruleset *rs,
		     const struct ndvmfw_endpoint *ep, const struct pkt *p,
		     u16 port)
{
	u32 i;

	if (!ep->port_count)
		return 1;
	if (!p->has_l4 || is_icmp(p) || !ndvmfw_proto_has_ports(p->proto))
		return 0;
	for (i = 0; i < ep->port_count; i++) {
		const struct ndvmfw_port_range *r = &rs->ports[ep->port_first + i];

		if (port >= r->lo && port <= r->hi)
			return 1;
	}
	return 0;
}

static int ref_icmp(const struct ndvmfw_ruleset *rs,
		    const struct ndvmfw_rule *r, const struct pkt *p)
{
	u32 i;

	if (!r->icmp_count)
		return 1;
	if (!p->has_l4 || !is_icmp(p))
		return 0;
	for (i = 0; i < r->icmp_count; i++) {
		const struct ndvmfw_icmp *ic = &rs->icmp[r->icmp_first + i];

		if (ic->type == p->type && (!ic->has_code || ic->code == p->code))
			return 1;
	}
	return 0;
}

s32 ref_lookup(const struct ndvmfw_ruleset *rs, const struct pkt *p)
{
	u32 i;

	for (i = 0; i < rs->nrules; i++) {
		const struct ndvmfw_rule *r = &rs->rules[i];

		if (r->verdict == NDVMFW_MASQUERADE)
			continue;	/* NAT, not a filter rule */
		if (r->family && (r->family == NFPROTO_IPV6) != !!p->v6)
			continue;
		if (r->proto != NDVMFW_PROTO_ANY && r->proto != p->proto)
			continue;
		if (!ref_iface(&r->iif, p->iif) || !ref_iface(&r->oif, p->oif))
			continue;
		if (!ref_addr(rs, r->src.set, p->v6, p->saddr) ||
		    !ref_addr(rs, r->dst.set, p->v6, p->daddr))
			continue;
		if (!ref_ports(rs, &r->src, p, p->sport) ||
		    !ref_ports(rs, &r->dst, p, p->dport))
			continue;
		if (!ref_icmp(rs, r, p))
			continue;
		if (r->state && !(r->state & p->state))
			continue;
		return i;
	}
	return -1;
}

void pkt_key(const struct pkt *p, struct ndvmfw_key *k)
{
	ndvmfw_key_ifname(&k->f[NDVMFW_DIM_IIF], p->iif[0] ? p->iif : NULL);
	ndvmfw_key_ifname(&k->f[NDVMFW_DIM_OIF], p->oif[0] ? p->oif : NULL);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_PROTO], p->proto);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_SADDR], p->saddr, p->v6);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_DADDR], p->daddr, p->v6);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], NDVMFW_L4_NONE);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], NDVMFW_L4_NONE);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_STATE], p->state);
	if (!p->has_l4)
		return;
	if (is_icmp(p)) {
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT],
			       (u32)p->type << 8 | p->code);
	} else if (ndvmfw_proto_has_ports(p->proto)) {
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], p->sport);
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], p->dport);
	}
}

u16 ref_port_edge(const struct ndvmfw_port_range *r, unsigned int which)
{
	switch (which) {
	case 0:
		return r->lo;
	case 1:
		return r->hi;
	case 2:
		return r->lo - 1;
	}
	return r->hi + 1;
}
