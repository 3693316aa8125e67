/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory rule set and the classifier, shared by the module and
 * userspace (see env.h). A rule set is a handful of flat arrays: sets point
 * into elems, rules point into sets, ports and icmp. It is immutable once
 * built.
 */
#ifndef _NDVMFW_CORE_H
#define _NDVMFW_CORE_H

#include "env.h"
#include "uapi/ndvmfw.h"

#define NDVMFW_PROTO_ANY	0xffff
#define NDVMFW_SET_NONE		U32_MAX

enum ndvmfw_iface_mode {
	NDVMFW_IFACE_NONE,
	NDVMFW_IFACE_EXACT,
	NDVMFW_IFACE_PREFIX,
};

struct ndvmfw_elem {
	u8 family;		/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	u8 plen;
	u8 addr[16];		/* network byte order */
};

struct ndvmfw_set {
	char name[NDVMFW_SET_NAME_MAX];	/* "" for an anonymous set */
	u32 first;		/* into ruleset.elems */
	u32 count;
	u8 fam;			/* NDVMFW_FAM_* of the elements, by the check */
};

struct ndvmfw_port_range {
	u16 lo;
	u16 hi;
};

struct ndvmfw_icmp {
	u8 type;
	u8 code;
	u8 has_code;
};

struct ndvmfw_iface {
	u8 mode;		/* enum ndvmfw_iface_mode */
	char name[IFNAMSIZ];
};

struct ndvmfw_endpoint {
	u32 set;		/* NDVMFW_SET_NONE: any address */
	u32 port_first;		/* into ruleset.ports */
	u32 port_count;
};

struct ndvmfw_rule {
	u8 verdict;		/* enum ndvmfw_verdict */
	u8 family;		/* 0: any */
	u16 proto;		/* NDVMFW_PROTO_ANY or 0..255 */
	u32 flags;		/* NDVMFW_RULE_F_* */
	u32 state;		/* NDVMFW_STATE_*, 0: any */
	struct ndvmfw_iface iif;
	struct ndvmfw_iface oif;
	struct ndvmfw_endpoint src;
	struct ndvmfw_endpoint dst;
	u32 icmp_first;		/* into ruleset.icmp */
	u32 icmp_count;
};

/* bind, antispoof or hotplug (uapi: NDVMFW_A_IFRULE) */
struct ndvmfw_ifrule {
	u8 kind;		/* enum ndvmfw_ifrule_kind */
	u8 mac[6];		/* bind */
	u32 set;		/* bind: the addresses */
	struct ndvmfw_iface iface;
	char bridge[IFNAMSIZ];	/* hotplug */
};

struct ndvmfw_ruleset {
	u8 policy;
	u32 nsets, nelems, nrules, nports, nicmp, nifrules;
	struct ndvmfw_set *sets;
	struct ndvmfw_elem *elems;
	struct ndvmfw_rule *rules;
	struct ndvmfw_port_range *ports;
	struct ndvmfw_icmp *icmp;
	struct ndvmfw_ifrule *ifrules;
};

/* Where ndvmfw_ruleset_check() found a problem. */
enum ndvmfw_where {
	NDVMFW_AT_RULESET,
	NDVMFW_AT_SET,
	NDVMFW_AT_ELEM,
	NDVMFW_AT_RULE,
	NDVMFW_AT_IFRULE,
};

struct ndvmfw_error {
	const char *msg;	/* static string */
	enum ndvmfw_where where;
	u32 index;		/* set, element or rule index */
};

bool ndvmfw_proto_has_ports(u16 proto);
const char *ndvmfw_verdict_name(u8 verdict);
const char *ndvmfw_elem_check(const struct ndvmfw_elem *e);
const char *ndvmfw_set_name_check(const char *name);
int ndvmfw_ruleset_check(struct ndvmfw_ruleset *rs,
			 struct ndvmfw_error *err);
void ndvmfw_ruleset_digest(const struct ndvmfw_ruleset *rs, u8 *digest);
u8 ndvmfw_rule_families(const struct ndvmfw_ruleset *rs,
			const struct ndvmfw_rule *r);
bool ndvmfw_iface_match(const struct ndvmfw_iface *i, const char *name);
bool ndvmfw_elem_has(const struct ndvmfw_elem *e, u8 family, const void *addr);

#define NDVMFW_FAM_IP	1U
#define NDVMFW_FAM_IP6	2U

/* ---- classifier ---- */

struct ndvmfw_u128 {
	u64 hi;
	u64 lo;
};

enum ndvmfw_dim {
	NDVMFW_DIM_IIF,		/* interface name as a 128-bit string */
	NDVMFW_DIM_OIF,
	NDVMFW_DIM_PROTO,
	NDVMFW_DIM_SADDR,
	NDVMFW_DIM_DADDR,
	NDVMFW_DIM_SPORT,	/* port, or NDVMFW_L4_NONE */
	NDVMFW_DIM_DPORT,	/* port, icmp type << 8 | code, or NONE */
	NDVMFW_DIM_STATE,	/* one NDVMFW_STATE_* bit, or UNTRACKED */
	NDVMFW_DIMS
};

/* L4 key value of a packet whose ports or ICMP header are unknown. */
#define NDVMFW_L4_NONE	0x10000

/* State key of a packet conntrack was told not to track. */
#define NDVMFW_STATE_UNTRACKED	(__NDVMFW_STATE_ALL + 1)

struct ndvmfw_key {
	struct ndvmfw_u128 f[NDVMFW_DIMS];
};

struct ndvmfw_cls;

int ndvmfw_cls_build(const struct ndvmfw_ruleset *rs, u8 family,
		     size_t max_bytes, struct ndvmfw_cls **clsp);
void ndvmfw_cls_free(struct ndvmfw_cls *cls);
s32 ndvmfw_cls_lookup(const struct ndvmfw_cls *cls,
		      const struct ndvmfw_key *key);
size_t ndvmfw_cls_bytes(const struct ndvmfw_cls *cls);
u32 ndvmfw_cls_nodes(const struct ndvmfw_cls *cls);

/* @w cut at its first NUL byte (the first byte lowest); @w if it has none */
static inline u64 ndvmfw_cut_nul(u64 w, bool *cut)
{
	const u64 ones = 0x0101010101010101ULL;
	/*
	 * The lowest byte flagged is the first NUL: a borrow, which flags
	 * bytes that are not NUL, only comes from a NUL below (has_zero()).
	 */
	u64 z = (w - ones) & ~w & ones << 7;

	*cut = z;
	return z ? w & (((z & -z) >> 7) - 1) : w;
}

/**
 * ndvmfw_key_ifname - an interface name as a key
 * @v: the key field
 * @name: IFNAMSIZ bytes, as in struct net_device; NULL for no interface
 *
 * The name's bytes up to its NUL, the first one most significant, padded
 * with zeros. What follows the NUL is left out: a device renamed to a
 * shorter name keeps the old name's tail there. Read a word at a time: it
 * runs for the input and the output interface of every packet.
 */
static inline void ndvmfw_key_ifname(struct ndvmfw_u128 *v, const char *name)
{
	u64 w0 = 0, w1 = 0;
	bool cut = true;

	if (name)
		w0 = ndvmfw_cut_nul(ndvmfw_load_le64(name), &cut);
	if (!cut)
		w1 = ndvmfw_cut_nul(ndvmfw_load_le64(name + 8), &cut);
	v->hi = ndvmfw_swab64(w0);
	v->lo = ndvmfw_swab64(w1);
}

static inline void ndvmfw_key_addr(struct ndvmfw_u128 *v, const u8 *a,
				   bool v6)
{
	int i;

	v->hi = 0;
	v->lo = 0;
	if (!v6) {
		for (i = 0; i < 4; i++)
			v->lo = v->lo << 8 | a[i];
		return;
	}
	for (i = 0; i < 8; i++)
		v->hi = v->hi << 8 | a[i];
	for (i = 8; i < 16; i++)
		v->lo = v->lo << 8 | a[i];
}

static inline void ndvmfw_key_u64(struct ndvmfw_u128 *v, u64 x)
{
	v->hi = 0;
	v->lo = x;
}

#endif /* _NDVMFW_CORE_H */
