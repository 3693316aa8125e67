// SPDX-License-Identifier: GPL-2.0
/*
 * The packet classifier: HyperSplit-style decision trees over 32-bit keys.
 *
 * Every rule is a box in NDVMFW_DIMS dimensions, each dimension a sorted
 * list of disjoint ranges over 128-bit keys (an address set, a port list,
 * an interface name or prefix as a big-endian string). The build first
 * narrows every dimension to 32 bits: a dimension no rule constrains is
 * dropped; one whose rule bounds all fit in 32 bits (IPv4 addresses, ports,
 * ICMP, protocol, state) keeps its values; the others (interface names,
 * IPv6 addresses) are ranked: the upper ends of the elementary intervals
 * the rules' ranges cut the dimension into are kept sorted, and a key
 * becomes the index of the interval it falls in. A lookup converts its key
 * once (a binary search per ranked dimension) and then compares only 32-bit
 * integers.
 *
 * Each inner node of a tree halves one dimension at the point that makes
 * the larger half hold the fewest rules, with a penalty per rule copied
 * into both halves (NDVMFW_COPY_COST); a split that leaves either half
 * with all the node's rules is never taken. Candidate points come from
 * every rule in small nodes and from a sample of them in large ones, and
 * each candidate's cost is counted over all rules. A node is a leaf once it
 * holds at most NDVMFW_BINTH rules, or no split helps. A rule that covers a
 * node's whole region hides every rule after it, and in small nodes a rule
 * an earlier one covers within the region is dropped; a rule that repeats
 * an earlier one is dropped before the build. A leaf entry names its rule
 * and only the dimensions the leaf's region does not already imply, so a
 * leaf whose first rule covers it is a direct answer.
 *
 * A rule that is wide in a dimension (an address prefix shorter than
 * NDVMFW_WIDE4 bits in IPv4, NDVMFW_WIDE6 in IPv6, a port range of
 * 1 << NDVMFW_WIDEP ports or more, a wildcard) would be copied into every
 * subtree that splits that dimension. So rules are put into groups by which
 * of the source and destination address they leave wide, as CutSplit does,
 * and those wide in both by whether their source port is wide too: at most
 * five trees, each of which mostly splits where its rules are narrow. A
 * lookup walks the trees in the order of their first rule; it stops once no
 * tree can beat the best match found, and a leaf scan stops at the first
 * entry that cannot.
 *
 * Nodes are 8 bytes (a 32-bit split, and the index of the children or of
 * the leaf's entries with the dimension). Once built, the trees are laid
 * out in cache-line blocks of a node, its children and its grandchildren,
 * so a walk touches a new line every third level. Leaf entries are 8
 * bytes. Lookup is a walk of at most NDVMFW_MAX_DEPTH comparisons per tree
 * and a short leaf scan; it reads only the immutable structure built here.
 * The build runs once per committed rule set, is iterative (no recursion on
 * the kernel stack), yields regularly and fails with -E2BIG rather than
 * grow beyond the caller's memory bound.
 */
#include "core.h"

#define NDVMFW_BINTH		4
#define NDVMFW_MAX_DEPTH	48
#define NDVMFW_LEAF		0xf
#define NDVMFW_BLOCK		8	/* nodes per cache line */
/* Larger nodes take their candidate split points from a sample of rules. */
#define NDVMFW_SAMPLE		256
/* Covered rules are looked for in nodes of at most this many rules. */
#define NDVMFW_PRUNE		64
/* Address prefixes shorter than this are wide (log2 of the span). */
#define NDVMFW_WIDE4		16
#define NDVMFW_WIDE6		64
#define NDVMFW_WIDEP		10	/* ports */
/* A split's cost: 4 per rule in its larger half, this per copied rule. */
#define NDVMFW_COPY_COST	2
#define NDVMFW_MAX_TREES	5
#define NDVMFW_DEAD		0xff	/* a rule that repeats an earlier one */

struct ndvmfw_range {
	struct ndvmfw_u128 lo;
	struct ndvmfw_u128 hi;
};

/* A rule as compiled from the rule set, over 128-bit keys (build only). */
struct ndvmfw_wrule {
	u32 rule;			/* index in the rule set */
	u32 full;			/* dimensions the rule does not constrain */
	u32 off[NDVMFW_DIMS];		/* into cls->ranges */
	u32 cnt[NDVMFW_DIMS];
};

struct ndvmfw_box {
	u32 lo;
	u32 hi;
};

struct ndvmfw_node {
	u32 split;	/* key <= split: child a, else a + 1; leaf: entries */
	u32 ctl;	/* a << 4 | dimension, NDVMFW_LEAF: a is the first entry */
};

struct ndvmfw_entry {
	u32 rule;	/* index in the rule set */
	u32 crm;	/* compiled rule << 8 | the dimensions to check */
};

/*
 * A compiled rule is cls->crw words: the rule's index, the dimensions where
 * it has more than one range, then per dimension the lowest and highest
 * value it matches. Its ranges are in cls->mr, found through cls->moff.
 */
#define NDVMFW_CR_RULE	0
#define NDVMFW_CR_MULTI	1
#define NDVMFW_CR_BOX	2

struct ndvmfw_cls {
	u8 family;
	u8 nd;				/* dimensions some rule constrains */
	u8 dmap[NDVMFW_DIMS];		/* their fields in the key */
	u32 crw;			/* words per compiled rule */
	u32 ntrees;
	u32 root[NDVMFW_MAX_TREES];	/* by min_rule */
	u32 min_rule[NDVMFW_MAX_TREES];	/* a tree's first rule */
	/* ranked dimensions: upper ends of the elementary intervals */
	struct ndvmfw_u128 *bnd[NDVMFW_DIMS];
	u32 nbnd[NDVMFW_DIMS];		/* 0: the key's own value */
	u32 ncrules;
	u32 *cr;			/* compiled rules */
	struct ndvmfw_box *mr;		/* all their ranges */
	u32 *moff;			/* per rule and dimension: first, count */
	u32 nmr;
	struct ndvmfw_node *nodes;	/* in blocks, in nodes_mem */
	void *nodes_mem;
	struct ndvmfw_entry *leaf;
	u32 nnodes, nleaf;
	u32 cap_nodes, cap_leaf;
	size_t bytes;
	size_t max_bytes;
	/* build only */
	struct ndvmfw_range *ranges;
	struct ndvmfw_wrule *wrules;
	u32 nranges, nwrules;
	size_t wbytes;
};

static const struct ndvmfw_u128 ndvmfw_u128_max = { ~0ULL, ~0ULL };

static inline int u128_cmp(struct ndvmfw_u128 a, struct ndvmfw_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static inline bool u128_le(struct ndvmfw_u128 a, struct ndvmfw_u128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

static inline struct ndvmfw_u128 u128_inc(struct ndvmfw_u128 a)
{
	a.lo++;
	if (!a.lo)
		a.hi++;
	return a;
}

static inline struct ndvmfw_u128 u128_dec(struct ndvmfw_u128 a)
{
	if (!a.lo)
		a.hi--;
	a.lo--;
	return a;
}

static int u128_sort_cmp(const void *a, const void *b)
{
	return u128_cmp(*(const struct ndvmfw_u128 *)a,
			*(const struct ndvmfw_u128 *)b);
}

static int range_sort_cmp(const void *a, const void *b)
{
	return u128_cmp(((const struct ndvmfw_range *)a)->lo,
			((const struct ndvmfw_range *)b)->lo);
}

static int u32_sort_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* ---- lookup ---- */

/* Index of the first of @cnt sorted disjoint ranges ending at or after @v. */
static inline u32 ndvmfw_box_find(const struct ndvmfw_box *r, u32 cnt, u32 v)
{
	u32 lo = 0, hi = cnt;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (v <= r[mid].hi)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Whether one range of compiled rule @i in dimension @k holds [lo, hi]. */
static inline bool ndvmfw_multi_holds(const struct ndvmfw_cls *cls, u32 i,
				      unsigned int k, u32 lo, u32 hi)
{
	const u32 *m = &cls->moff[2 * ((size_t)i * cls->nd + k)];
	const struct ndvmfw_box *r = &cls->mr[m[0]];
	u32 j = ndvmfw_box_find(r, m[1], lo);

	return j < m[1] && r[j].lo <= lo && hi <= r[j].hi;
}

/* The key's value in dimension @k: its own, or its elementary interval. */
static inline u32 ndvmfw_key_dim(const struct ndvmfw_cls *cls, unsigned int k,
				 const struct ndvmfw_u128 *v)
{
	const struct ndvmfw_u128 *b = cls->bnd[k];
	u32 lo = 0, hi = cls->nbnd[k];

	if (!hi)	/* every rule bound is below U32_MAX: keys clamp past them */
		return v->hi || v->lo > U32_MAX ? U32_MAX : (u32)v->lo;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (u128_le(*v, b[mid]))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * Nodes are laid out in blocks of NDVMFW_BLOCK, one cache line: a node, its
 * children and grandchildren. Children in the same block are adjacent; a
 * pair that starts blocks of its own starts two adjacent blocks.
 */
static inline u32 ndvmfw_right(u32 a)
{
	return a & (NDVMFW_BLOCK - 1) ? 1 : NDVMFW_BLOCK;
}

/* First match in the leaf below @n that beats @best, else @best. */
static inline u32 ndvmfw_leaf_scan(const struct ndvmfw_cls *cls,
				   const struct ndvmfw_node *n, const u32 *k,
				   u32 best)
{
	const struct ndvmfw_entry *e = &cls->leaf[n->ctl >> 4];
	const struct ndvmfw_entry *end = e + n->split;

	for (; e < end && e->rule < best; e++) {
		u32 m = e->crm & 0xff, i = e->crm >> 8;
		const u32 *cr = &cls->cr[(size_t)i * cls->crw];

		while (m) {
			unsigned int d = __builtin_ctz(m);
			const u32 *b = &cr[NDVMFW_CR_BOX + 2 * d];

			if (k[d] < b[0] || k[d] > b[1])
				break;
			if ((cr[NDVMFW_CR_MULTI] & (1U << d)) &&
			    !ndvmfw_multi_holds(cls, i, d, k[d], k[d]))
				break;
			m &= m - 1;
		}
		if (!m)
			return e->rule;
	}
	return best;
}

/**
 * ndvmfw_cls_lookup - classify one packet
 * @cls: the trees built by ndvmfw_cls_build()
 * @key: the packet's key
 *
 * Return: the index in the rule set of the first rule that matches, or -1.
 */
s32 ndvmfw_cls_lookup(const struct ndvmfw_cls *cls,
		      const struct ndvmfw_key *key)
{
	u32 k[NDVMFW_DIMS], best = U32_MAX, t;
	const struct ndvmfw_node *n;

	for (t = 0; t < cls->nd; t++)
		k[t] = ndvmfw_key_dim(cls, t, &key->f[cls->dmap[t]]);
	for (t = 0; t < cls->ntrees && cls->min_rule[t] < best; t++) {
		n = &cls->nodes[cls->root[t]];
		while ((n->ctl & 0xf) != NDVMFW_LEAF) {
			u32 a = n->ctl >> 4;

			n = &cls->nodes[a + (k[n->ctl & 0xf] > n->split ?
					     ndvmfw_right(a) : 0)];
		}
		best = ndvmfw_leaf_scan(cls, n, k, best);
	}
	return best == U32_MAX ? -1 : (s32)best;
}

size_t ndvmfw_cls_bytes(const struct ndvmfw_cls *cls)
{
	return cls ? cls->bytes : 0;
}

u32 ndvmfw_cls_nodes(const struct ndvmfw_cls *cls)
{
	return cls ? cls->nnodes : 0;
}

/* What only the build uses. */
static void ndvmfw_free_wide(struct ndvmfw_cls *cls)
{
	ndvmfw_free(cls->ranges);
	ndvmfw_free(cls->wrules);
	cls->ranges = NULL;
	cls->wrules = NULL;
	cls->bytes -= cls->wbytes;
	cls->wbytes = 0;
}

void ndvmfw_cls_free(struct ndvmfw_cls *cls)
{
	unsigned int d;

	if (!cls)
		return;
	ndvmfw_free_wide(cls);
	for (d = 0; d < NDVMFW_DIMS; d++)
		ndvmfw_free(cls->bnd[d]);
	ndvmfw_free(cls->cr);
	ndvmfw_free(cls->mr);
	ndvmfw_free(cls->moff);
	ndvmfw_free(cls->nodes_mem ? cls->nodes_mem : cls->nodes);
	ndvmfw_free(cls->leaf);
	ndvmfw_free(cls);
}

/* ---- compiling rules into boxes ---- */

static int ndvmfw_account(struct ndvmfw_cls *cls, size_t bytes)
{
	if (bytes > cls->max_bytes - cls->bytes)
		return -E2BIG;
	cls->bytes += bytes;
	return 0;
}

static u32 ndvmfw_push_range(struct ndvmfw_cls *cls, struct ndvmfw_u128 lo,
			     struct ndvmfw_u128 hi)
{
	cls->ranges[cls->nranges].lo = lo;
	cls->ranges[cls->nranges].hi = hi;
	return cls->nranges++;
}

/* Sort and merge ranges[first..nranges) in place; return how many remain. */
static u32 ndvmfw_merge_ranges(struct ndvmfw_cls *cls, u32 first)
{
	struct ndvmfw_range *r = &cls->ranges[first];
	u32 n = cls->nranges - first, i, out = 0;

	if (!n)
		return 0;
	ndvmfw_sort(r, n, sizeof(*r), range_sort_cmp);
	for (i = 1; i < n; i++) {
		if (u128_cmp(r[out].hi, ndvmfw_u128_max) == 0 ||
		    u128_le(r[i].lo, u128_inc(r[out].hi))) {
			if (!u128_le(r[i].hi, r[out].hi))
				r[out].hi = r[i].hi;
		} else {
			r[++out] = r[i];
		}
	}
	cls->nranges = first + out + 1;
	return out + 1;
}

static void ndvmfw_elem_range(const struct ndvmfw_elem *e,
			      struct ndvmfw_u128 *lo, struct ndvmfw_u128 *hi)
{
	bool v6 = e->family == NFPROTO_IPV6;
	unsigned int host = (v6 ? 128 : 32) - e->plen;

	ndvmfw_key_addr(lo, e->addr, v6);
	*hi = *lo;
	if (host >= 64) {
		hi->lo = ~0ULL;
		hi->hi |= host == 128 ? ~0ULL : (1ULL << (host - 64)) - 1;
	} else if (host) {
		hi->lo |= (1ULL << host) - 1;
	}
}

static void ndvmfw_iface_range(const struct ndvmfw_iface *i,
			       struct ndvmfw_u128 *lo, struct ndvmfw_u128 *hi)
{
	char buf[16];
	size_t len = strnlen(i->name, IFNAMSIZ);

	ndvmfw_key_ifname(lo, i->name);
	if (i->mode == NDVMFW_IFACE_EXACT) {
		*hi = *lo;
		return;
	}
	memset(buf, 0xff, sizeof(buf));
	memcpy(buf, i->name, len);
	ndvmfw_key_ifname(hi, buf);
	if (!len)	/* any interface: every non-empty name */
		lo->hi = 1ULL << 56;
}

struct ndvmfw_cls_ctx {
	const struct ndvmfw_ruleset *rs;
	struct ndvmfw_cls *cls;
	u8 family;
	u32 *set_off;		/* per set: offset in ranges, or U32_MAX */
	u32 *set_cnt;
};

static void ndvmfw_dim_full(struct ndvmfw_wrule *cr, unsigned int d)
{
	cr->full |= 1U << d;
	cr->off[d] = 0;
	cr->cnt[d] = 1;
}

static void ndvmfw_dim_one(struct ndvmfw_cls *cls, struct ndvmfw_wrule *cr,
			   unsigned int d, struct ndvmfw_u128 lo,
			   struct ndvmfw_u128 hi)
{
	cr->off[d] = ndvmfw_push_range(cls, lo, hi);
	cr->cnt[d] = 1;
}

static void ndvmfw_dim_set(struct ndvmfw_cls_ctx *c, struct ndvmfw_wrule *cr,
			   unsigned int d, u32 set)
{
	const struct ndvmfw_set *s = &c->rs->sets[set];
	struct ndvmfw_cls *cls = c->cls;
	struct ndvmfw_u128 lo, hi;
	u32 i;

	if (c->set_off[set] == U32_MAX) {
		u32 first = cls->nranges;

		for (i = 0; i < s->count; i++) {
			const struct ndvmfw_elem *e = &c->rs->elems[s->first + i];

			if (e->family != c->family)
				continue;
			ndvmfw_elem_range(e, &lo, &hi);
			ndvmfw_push_range(cls, lo, hi);
		}
		c->set_off[set] = first;
		c->set_cnt[set] = ndvmfw_merge_ranges(cls, first);
	}
	cr->off[d] = c->set_off[set];
	cr->cnt[d] = c->set_cnt[set];
}

static void ndvmfw_dim_ports(struct ndvmfw_cls *cls, struct ndvmfw_wrule *cr,
			     unsigned int d,
			     const struct ndvmfw_port_range *p, u32 n)
{
	struct ndvmfw_u128 lo, hi;
	u32 first = cls->nranges, i;

	for (i = 0; i < n; i++) {
		ndvmfw_key_u64(&lo, p[i].lo);
		ndvmfw_key_u64(&hi, p[i].hi);
		ndvmfw_push_range(cls, lo, hi);
	}
	cr->off[d] = first;
	cr->cnt[d] = ndvmfw_merge_ranges(cls, first);
}

static void ndvmfw_dim_icmp(struct ndvmfw_cls *cls, struct ndvmfw_wrule *cr,
			    const struct ndvmfw_icmp *ic, u32 n)
{
	struct ndvmfw_u128 lo, hi;
	u32 first = cls->nranges, i;

	for (i = 0; i < n; i++) {
		u32 base = (u32)ic[i].type << 8;

		ndvmfw_key_u64(&lo, base | (ic[i].has_code ? ic[i].code : 0));
		ndvmfw_key_u64(&hi, base | (ic[i].has_code ? ic[i].code : 0xff));
		ndvmfw_push_range(cls, lo, hi);
	}
	cr->off[NDVMFW_DIM_DPORT] = first;
	cr->cnt[NDVMFW_DIM_DPORT] = ndvmfw_merge_ranges(cls, first);
}

/* One point per state bit; the packet's key is a single bit. */
static void ndvmfw_dim_state(struct ndvmfw_cls *cls, struct ndvmfw_wrule *cr,
			     u32 state)
{
	struct ndvmfw_u128 v;
	u32 first = cls->nranges, bit;

	for (bit = 1; bit <= __NDVMFW_STATE_ALL; bit <<= 1) {
		if (!(state & bit))
			continue;
		ndvmfw_key_u64(&v, bit);
		ndvmfw_push_range(cls, v, v);
	}
	cr->off[NDVMFW_DIM_STATE] = first;
	cr->cnt[NDVMFW_DIM_STATE] = ndvmfw_merge_ranges(cls, first);
}

static void ndvmfw_dim_iface(struct ndvmfw_cls *cls, struct ndvmfw_wrule *cr,
			     unsigned int d, const struct ndvmfw_iface *i)
{
	struct ndvmfw_u128 lo, hi;

	if (i->mode == NDVMFW_IFACE_NONE) {
		ndvmfw_dim_full(cr, d);
		return;
	}
	ndvmfw_iface_range(i, &lo, &hi);
	ndvmfw_dim_one(cls, cr, d, lo, hi);
}

static void ndvmfw_dim_addr(struct ndvmfw_cls_ctx *c, struct ndvmfw_wrule *cr,
			    unsigned int d, const struct ndvmfw_endpoint *ep)
{
	if (ep->set == NDVMFW_SET_NONE)
		ndvmfw_dim_full(cr, d);
	else
		ndvmfw_dim_set(c, cr, d, ep->set);
}

static void ndvmfw_compile_rule(struct ndvmfw_cls_ctx *c, u32 idx)
{
	const struct ndvmfw_ruleset *rs = c->rs;
	const struct ndvmfw_rule *r = &rs->rules[idx];
	struct ndvmfw_cls *cls = c->cls;
	struct ndvmfw_wrule *cr = &cls->wrules[cls->nwrules];
	struct ndvmfw_u128 v;

	memset(cr, 0, sizeof(*cr));
	cr->rule = idx;
	ndvmfw_dim_iface(cls, cr, NDVMFW_DIM_IIF, &r->iif);
	ndvmfw_dim_iface(cls, cr, NDVMFW_DIM_OIF, &r->oif);
	if (r->proto == NDVMFW_PROTO_ANY) {
		ndvmfw_dim_full(cr, NDVMFW_DIM_PROTO);
	} else {
		ndvmfw_key_u64(&v, r->proto);
		ndvmfw_dim_one(cls, cr, NDVMFW_DIM_PROTO, v, v);
	}
	ndvmfw_dim_addr(c, cr, NDVMFW_DIM_SADDR, &r->src);
	ndvmfw_dim_addr(c, cr, NDVMFW_DIM_DADDR, &r->dst);
	if (r->src.port_count)
		ndvmfw_dim_ports(cls, cr, NDVMFW_DIM_SPORT,
				 &rs->ports[r->src.port_first],
				 r->src.port_count);
	else
		ndvmfw_dim_full(cr, NDVMFW_DIM_SPORT);
	if (r->dst.port_count)
		ndvmfw_dim_ports(cls, cr, NDVMFW_DIM_DPORT,
				 &rs->ports[r->dst.port_first],
				 r->dst.port_count);
	else if (r->icmp_count)
		ndvmfw_dim_icmp(cls, cr, &rs->icmp[r->icmp_first],
				r->icmp_count);
	else
		ndvmfw_dim_full(cr, NDVMFW_DIM_DPORT);
	if (r->state)
		ndvmfw_dim_state(cls, cr, r->state);
	else
		ndvmfw_dim_full(cr, NDVMFW_DIM_STATE);
	cls->nwrules++;
}

/* Give back what an upper-bound allocation did not use; best effort. */
static void ndvmfw_shrink(struct ndvmfw_cls *cls, void **p, size_t had,
			  size_t used, size_t size)
{
	void *np;

	if (used == had)
		return;
	np = ndvmfw_alloc_array(used ? used : 1, size);
	if (!np)
		return;
	memcpy(np, *p, used * size);
	ndvmfw_free(*p);
	*p = np;
	cls->bytes -= (had - used) * size;
}

static int ndvmfw_compile(const struct ndvmfw_ruleset *rs, u8 family,
			  struct ndvmfw_cls *cls)
{
	u8 fbit = family == NFPROTO_IPV4 ? NDVMFW_FAM_IP : NDVMFW_FAM_IP6;
	struct ndvmfw_cls_ctx c = { .rs = rs, .cls = cls, .family = family };
	size_t nranges, before = cls->bytes;
	u32 i;
	int ret;

	/*
	 * The full range, then per rule at most 3 (interfaces, protocol) and
	 * 4 (states), plus every port range, icmp entry and element.
	 */
	nranges = 1 + 7 * (size_t)rs->nrules + rs->nports + rs->nicmp +
		  rs->nelems;
	ret = ndvmfw_account(cls, nranges * sizeof(*cls->ranges) +
			     rs->nrules * sizeof(*cls->wrules));
	if (ret)
		return ret;
	cls->ranges = ndvmfw_alloc_array(nranges, sizeof(*cls->ranges));
	cls->wrules = ndvmfw_alloc_array(rs->nrules ? rs->nrules : 1,
					 sizeof(*cls->wrules));
	c.set_off = ndvmfw_alloc_array(rs->nsets ? rs->nsets : 1, sizeof(u32));
	c.set_cnt = ndvmfw_alloc_array(rs->nsets ? rs->nsets : 1, sizeof(u32));
	if (!cls->ranges || !cls->wrules || !c.set_off || !c.set_cnt) {
		ret = -ENOMEM;
		goto out;
	}
	memset(c.set_off, 0xff, (rs->nsets ? rs->nsets : 1) * sizeof(u32));
	ndvmfw_push_range(cls, (struct ndvmfw_u128){ 0, 0 }, ndvmfw_u128_max);
	for (i = 0; i < rs->nrules; i++) {
		if (!(ndvmfw_rule_families(rs, &rs->rules[i]) & fbit) ||
		    rs->rules[i].verdict == NDVMFW_MASQUERADE)
			continue;	/* NAT rules are not filter rules */
		ndvmfw_compile_rule(&c, i);
		if (!(i & 1023))
			ndvmfw_yield();
	}
	ndvmfw_shrink(cls, (void **)&cls->ranges, nranges, cls->nranges,
		      sizeof(*cls->ranges));
	ndvmfw_shrink(cls, (void **)&cls->wrules, rs->nrules, cls->nwrules,
		      sizeof(*cls->wrules));
out:
	cls->wbytes = cls->bytes - before;
	ndvmfw_free(c.set_off);
	ndvmfw_free(c.set_cnt);
	return ret;
}

/* ---- narrowing the dimensions to 32 bits ---- */

/* Sorted upper ends of the elementary intervals of dimension @d. */
static int ndvmfw_rank_dim(struct ndvmfw_cls *cls, unsigned int k,
			   unsigned int d)
{
	struct ndvmfw_u128 *b;
	size_t n = 1;
	u32 i, j, out;
	int ret;

	for (i = 0; i < cls->nwrules; i++)
		if (!(cls->wrules[i].full & (1U << d)))
			n += 2 * (size_t)cls->wrules[i].cnt[d];
	b = ndvmfw_alloc_array(n, sizeof(*b));
	if (!b)
		return -ENOMEM;
	n = 0;
	b[n++] = ndvmfw_u128_max;
	for (i = 0; i < cls->nwrules; i++) {
		const struct ndvmfw_wrule *w = &cls->wrules[i];

		if (w->full & (1U << d))
			continue;
		for (j = 0; j < w->cnt[d]; j++) {
			const struct ndvmfw_range *r = &cls->ranges[w->off[d] + j];

			if (r->lo.hi || r->lo.lo)
				b[n++] = u128_dec(r->lo);
			b[n++] = r->hi;
		}
	}
	ndvmfw_sort(b, n, sizeof(*b), u128_sort_cmp);
	for (i = 1, out = 0; i < n; i++)
		if (u128_cmp(b[i], b[out]))
			b[++out] = b[i];
	cls->nbnd[k] = out + 1;
	ret = ndvmfw_account(cls, cls->nbnd[k] * sizeof(*b));
	if (!ret) {
		cls->bnd[k] = ndvmfw_alloc_array(cls->nbnd[k], sizeof(*b));
		if (cls->bnd[k])
			memcpy(cls->bnd[k], b, cls->nbnd[k] * sizeof(*b));
		else
			ret = -ENOMEM;
	}
	ndvmfw_free(b);
	return ret;
}

/* The compiled rules over 32-bit keys, from the wide ones. */
static int ndvmfw_narrow(struct ndvmfw_cls *cls)
{
	u32 used = 0, wide = 0, i, j, k, n = cls->nwrules ? cls->nwrules : 1;
	unsigned int d;
	size_t nmr = 0;
	int ret;

	for (i = 0; i < cls->nwrules; i++) {
		const struct ndvmfw_wrule *w = &cls->wrules[i];

		for (d = 0; d < NDVMFW_DIMS; d++) {
			if (w->full & (1U << d))
				continue;
			used |= 1U << d;
			for (j = 0; j < w->cnt[d]; j++) {
				const struct ndvmfw_range *r =
					&cls->ranges[w->off[d] + j];

				/*
				 * Keys clamp to U32_MAX, so a range that
				 * reaches it would match every larger key.
				 */
				if (r->hi.hi || r->hi.lo >= U32_MAX)
					wide |= 1U << d;
			}
		}
	}
	for (d = 0; d < NDVMFW_DIMS; d++) {
		if (!(used & (1U << d)))
			continue;
		if (wide & (1U << d)) {
			ret = ndvmfw_rank_dim(cls, cls->nd, d);
			if (ret)
				return ret;
		}
		cls->dmap[cls->nd++] = d;
	}
	for (i = 0; i < cls->nwrules; i++)
		for (k = 0; k < cls->nd; k++)
			nmr += cls->wrules[i].cnt[cls->dmap[k]];
	cls->crw = NDVMFW_CR_BOX + 2 * cls->nd;
	ret = ndvmfw_account(cls, (size_t)n * cls->crw * sizeof(u32) +
			     (size_t)n * cls->nd * 2 * sizeof(u32) +
			     (nmr ? nmr : 1) * sizeof(*cls->mr));
	if (ret)
		return ret;
	cls->cr = ndvmfw_alloc_array((size_t)n * cls->crw, sizeof(u32));
	cls->moff = ndvmfw_alloc_array((size_t)n * (cls->nd ? cls->nd : 1) * 2,
				       sizeof(u32));
	cls->mr = ndvmfw_alloc_array(nmr ? nmr : 1, sizeof(*cls->mr));
	if (!cls->cr || !cls->moff || !cls->mr)
		return -ENOMEM;
	for (i = 0; i < cls->nwrules; i++) {
		const struct ndvmfw_wrule *w = &cls->wrules[i];
		u32 *cr = &cls->cr[(size_t)i * cls->crw];

		cr[NDVMFW_CR_RULE] = w->rule;
		cr[NDVMFW_CR_MULTI] = 0;
		for (k = 0; k < cls->nd; k++) {
			u32 *m = &cls->moff[2 * ((size_t)i * cls->nd + k)];

			d = cls->dmap[k];
			m[0] = cls->nmr;
			m[1] = w->cnt[d];
			for (j = 0; j < w->cnt[d]; j++) {
				const struct ndvmfw_range *r =
					&cls->ranges[w->off[d] + j];
				struct ndvmfw_box *b = &cls->mr[cls->nmr++];

				b->lo = ndvmfw_key_dim(cls, k, &r->lo);
				b->hi = ndvmfw_key_dim(cls, k, &r->hi);
			}
			cr[NDVMFW_CR_BOX + 2 * k] = cls->mr[m[0]].lo;
			cr[NDVMFW_CR_BOX + 2 * k + 1] = cls->mr[cls->nmr - 1].hi;
			if (w->cnt[d] > 1)
				cr[NDVMFW_CR_MULTI] |= 1U << k;
		}
		if (!(i & 1023))
			ndvmfw_yield();
	}
	cls->ncrules = cls->nwrules;
	return 0;
}

/* ---- building the trees ---- */

struct ndvmfw_work {
	u32 node;
	u32 depth;
	u32 n;
	u32 *rules;		/* compiled rules, in priority order */
	struct ndvmfw_box reg[NDVMFW_DIMS];
};

struct ndvmfw_split {
	unsigned int dim;
	u32 at;
	u32 cost, sum, max;
};

struct ndvmfw_build {
	struct ndvmfw_cls *cls;
	struct ndvmfw_work stack[2 * NDVMFW_MAX_DEPTH + 2];
	u32 sp;
	u32 *lo, *hi;		/* per rule of a node */
	u32 cand[2 * NDVMFW_SAMPLE];
	u32 nl[2 * NDVMFW_SAMPLE + 1];
	u32 nr[2 * NDVMFW_SAMPLE + 1];
};

static inline const u32 *ndvmfw_cr_box(const struct ndvmfw_cls *cls, u32 i,
				       unsigned int k)
{
	return &cls->cr[(size_t)i * cls->crw + NDVMFW_CR_BOX + 2 * k];
}

static inline bool ndvmfw_cr_multi(const struct ndvmfw_cls *cls, u32 i,
				   unsigned int k)
{
	return cls->cr[(size_t)i * cls->crw + NDVMFW_CR_MULTI] & (1U << k);
}

/* Whether compiled rule @i matches all of [lo, hi] in dimension @k. */
static bool ndvmfw_holds(const struct ndvmfw_cls *cls, u32 i, unsigned int k,
			 u32 lo, u32 hi)
{
	const u32 *b = ndvmfw_cr_box(cls, i, k);

	if (lo < b[0] || hi > b[1])
		return false;
	return !ndvmfw_cr_multi(cls, i, k) ||
	       ndvmfw_multi_holds(cls, i, k, lo, hi);
}

/* Whether compiled rule @i matches some of [lo, hi] in dimension @k. */
static bool ndvmfw_hits(const struct ndvmfw_cls *cls, u32 i, unsigned int k,
			u32 lo, u32 hi)
{
	const u32 *b = ndvmfw_cr_box(cls, i, k), *m;
	const struct ndvmfw_box *r;
	u32 j;

	if (hi < b[0] || lo > b[1])
		return false;
	if (!ndvmfw_cr_multi(cls, i, k))
		return true;
	m = &cls->moff[2 * ((size_t)i * cls->nd + k)];
	r = &cls->mr[m[0]];
	j = ndvmfw_box_find(r, m[1], lo);
	return j < m[1] && r[j].lo <= hi;
}

/* The hull of what compiled rule @i matches of @reg in dimension @k. */
static void ndvmfw_clip(const struct ndvmfw_cls *cls, u32 i, unsigned int k,
			const struct ndvmfw_box *reg, u32 *lo, u32 *hi)
{
	const u32 *b = ndvmfw_cr_box(cls, i, k), *m;
	const struct ndvmfw_box *r;
	u32 j;

	*lo = b[0] > reg->lo ? b[0] : reg->lo;
	*hi = b[1] < reg->hi ? b[1] : reg->hi;
	if (!ndvmfw_cr_multi(cls, i, k))
		return;
	m = &cls->moff[2 * ((size_t)i * cls->nd + k)];
	r = &cls->mr[m[0]];
	j = ndvmfw_box_find(r, m[1], reg->lo);
	if (j < m[1] && r[j].lo > *lo)
		*lo = r[j].lo;
	j = ndvmfw_box_find(r, m[1], reg->hi);
	if (j == m[1] || r[j].lo > reg->hi)
		j--;
	if (r[j].hi < *hi)
		*hi = r[j].hi;
}

static bool ndvmfw_covers(const struct ndvmfw_cls *cls, u32 i,
			  const struct ndvmfw_box *reg)
{
	unsigned int k;

	for (k = 0; k < cls->nd; k++)
		if (!ndvmfw_holds(cls, i, k, reg[k].lo, reg[k].hi))
			return false;
	return true;
}

/* Whether rule @a matches all that rule @i matches in @reg. */
static bool ndvmfw_hides(const struct ndvmfw_cls *cls, u32 a, u32 i,
			 const struct ndvmfw_box *reg)
{
	unsigned int k;
	u32 lo, hi;

	for (k = 0; k < cls->nd; k++) {
		ndvmfw_clip(cls, i, k, &reg[k], &lo, &hi);
		if (!ndvmfw_holds(cls, a, k, lo, hi))
			return false;
	}
	return true;
}

/* Cut the rules after one that covers the region, and the hidden ones. */
static void ndvmfw_prune(const struct ndvmfw_cls *cls, struct ndvmfw_work *w,
			 u32 limit)
{
	u32 i, j, out;

	for (i = 0; i < w->n; i++) {
		if (ndvmfw_covers(cls, w->rules[i], w->reg)) {
			w->n = i + 1;
			break;
		}
	}
	if (w->n > limit)
		return;
	for (i = 0, out = 0; i < w->n; i++) {
		for (j = 0; j < out; j++)
			if (ndvmfw_hides(cls, w->rules[j], w->rules[i], w->reg))
				break;
		if (j == out)
			w->rules[out++] = w->rules[i];
	}
	w->n = out;
}

/* Keep the split at @s if it is cheaper; ties go to fewer copies. */
static void ndvmfw_consider(struct ndvmfw_split *best, unsigned int k,
			    u32 s, u32 l, u32 r, u32 n)
{
	u32 cost = 4 * (l > r ? l : r) + NDVMFW_COPY_COST * (l + r - n);

	if (l >= n || r >= n)
		return;
	if (cost < best->cost || (cost == best->cost && l + r < best->sum)) {
		best->cost = cost;
		best->sum = l + r;
		best->max = l > r ? l : r;
		best->dim = k;
		best->at = s;
	}
}

/* Index of the first of @n sorted values at or above @v. */
static u32 ndvmfw_lower_bound(const u32 *a, u32 n, u32 v)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (a[mid] >= v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * Best split of dimension @k (see ndvmfw_consider()), over L(s) = #rules
 * reaching into [lo, s] and R(s) = #rules reaching into [s + 1, hi].
 * Candidates are the points just before a rule starts and where one ends,
 * of every rule or of every stride-th one in a large node; L and R count
 * all rules.
 */
static void ndvmfw_best_in_dim(struct ndvmfw_build *b, struct ndvmfw_work *w,
			       unsigned int k, struct ndvmfw_split *best)
{
	const struct ndvmfw_box *reg = &w->reg[k];
	u32 stride = (w->n + NDVMFW_SAMPLE - 1) / NDVMFW_SAMPLE;
	u32 i, j, nc = 0, l = 0, rle = 0;

	if (reg->lo == reg->hi)
		return;
	for (i = 0; i < w->n; i++) {
		ndvmfw_clip(b->cls, w->rules[i], k, reg, &b->lo[i], &b->hi[i]);
		if (i % stride)
			continue;
		if (b->lo[i] > reg->lo)
			b->cand[nc++] = b->lo[i] - 1;
		if (b->hi[i] < reg->hi)
			b->cand[nc++] = b->hi[i];
	}
	if (!nc)
		return;
	ndvmfw_sort(b->cand, nc, sizeof(u32), u32_sort_cmp);
	for (i = 1, j = 0; i < nc; i++)
		if (b->cand[i] != b->cand[j])
			b->cand[++j] = b->cand[i];
	nc = j + 1;
	memset(b->nl, 0, (nc + 1) * sizeof(u32));
	memset(b->nr, 0, (nc + 1) * sizeof(u32));
	for (i = 0; i < w->n; i++) {
		b->nl[ndvmfw_lower_bound(b->cand, nc, b->lo[i])]++;
		b->nr[ndvmfw_lower_bound(b->cand, nc, b->hi[i])]++;
	}
	for (j = 0; j < nc; j++) {
		l += b->nl[j];
		rle += b->nr[j];
		ndvmfw_consider(best, k, b->cand[j], l, w->n - rle, w->n);
	}
}

/* Grow an array to hold @need entries, counting its capacity. */
static int ndvmfw_grow(struct ndvmfw_cls *cls, void **p, u32 *cap, u32 need,
		       size_t size)
{
	u32 ncap = *cap ? *cap : 64;
	void *np;
	int ret;

	if (need >= 1U << 28)	/* indices share a word with the dimension */
		return -E2BIG;
	while (ncap < need)
		ncap *= 2;
	if (ncap == *cap)
		return 0;
	ret = ndvmfw_account(cls, (size_t)(ncap - *cap) * size);
	if (ret)
		return ret;
	np = ndvmfw_alloc_array(ncap, size);
	if (!np)
		return -ENOMEM;
	if (*p)
		memcpy(np, *p, (size_t)*cap * size);
	ndvmfw_free(*p);
	*p = np;
	*cap = ncap;
	return 0;
}

static int ndvmfw_new_nodes(struct ndvmfw_cls *cls, u32 n, u32 *first)
{
	int ret;

	ret = ndvmfw_grow(cls, (void **)&cls->nodes, &cls->cap_nodes,
			  cls->nnodes + n, sizeof(*cls->nodes));
	if (ret)
		return ret;
	*first = cls->nnodes;
	cls->nnodes += n;
	return 0;
}

static int ndvmfw_make_leaf(struct ndvmfw_cls *cls, struct ndvmfw_work *w)
{
	struct ndvmfw_node *node;
	struct ndvmfw_entry *e;
	unsigned int k;
	u32 i, mask;
	int ret;

	ret = ndvmfw_grow(cls, (void **)&cls->leaf, &cls->cap_leaf,
			  cls->nleaf + w->n, sizeof(*cls->leaf));
	if (ret)
		return ret;
	node = &cls->nodes[w->node];
	node->split = w->n;
	node->ctl = cls->nleaf << 4 | NDVMFW_LEAF;
	for (i = 0; i < w->n; i++) {
		u32 c = w->rules[i];

		mask = 0;
		for (k = 0; k < cls->nd; k++)
			if (!ndvmfw_holds(cls, c, k, w->reg[k].lo, w->reg[k].hi))
				mask |= 1U << k;
		e = &cls->leaf[cls->nleaf++];
		e->rule = cls->cr[(size_t)c * cls->crw + NDVMFW_CR_RULE];
		e->crm = c << 8 | mask;
	}
	return 0;
}

/* Keep only the rules that reach into the child's part of dimension @k. */
static u32 ndvmfw_partition(const struct ndvmfw_cls *cls,
			    const struct ndvmfw_work *w, unsigned int k,
			    const struct ndvmfw_box *reg, u32 *out)
{
	u32 i, n = 0;

	for (i = 0; i < w->n; i++)
		if (ndvmfw_hits(cls, w->rules[i], k, reg->lo, reg->hi))
			out[n++] = w->rules[i];
	return n;
}

static int ndvmfw_split_node(struct ndvmfw_build *b, struct ndvmfw_work *w,
			     const struct ndvmfw_split *s)
{
	struct ndvmfw_cls *cls = b->cls;
	struct ndvmfw_work *l, *r;
	struct ndvmfw_node *node;
	u32 first;
	int ret;

	ret = ndvmfw_new_nodes(cls, 2, &first);
	if (ret)
		return ret;
	node = &cls->nodes[w->node];
	node->split = s->at;
	node->ctl = first << 4 | s->dim;

	/* right child below the left one, so that the left is built first */
	r = &b->stack[b->sp];
	l = &b->stack[b->sp + 1];
	*r = *w;
	*l = *w;
	r->rules = ndvmfw_alloc_array(w->n, sizeof(u32));
	l->rules = ndvmfw_alloc_array(w->n, sizeof(u32));
	if (!r->rules || !l->rules) {
		ndvmfw_free(r->rules);
		ndvmfw_free(l->rules);
		return -ENOMEM;
	}
	l->node = first;
	r->node = first + 1;
	l->depth = w->depth + 1;
	r->depth = w->depth + 1;
	l->reg[s->dim].hi = s->at;
	r->reg[s->dim].lo = s->at + 1;
	l->n = ndvmfw_partition(cls, w, s->dim, &l->reg[s->dim], l->rules);
	r->n = ndvmfw_partition(cls, w, s->dim, &r->reg[s->dim], r->rules);
	b->sp += 2;
	return 0;
}

static int ndvmfw_build_node(struct ndvmfw_build *b, struct ndvmfw_work *w)
{
	struct ndvmfw_split best = { .cost = U32_MAX, .sum = U32_MAX };
	struct ndvmfw_cls *cls = b->cls;
	unsigned int k;

	ndvmfw_prune(cls, w, NDVMFW_BINTH * 4);
	if (w->n <= NDVMFW_BINTH || w->depth >= NDVMFW_MAX_DEPTH)
		goto leaf;
	for (k = 0; k < cls->nd; k++)
		ndvmfw_best_in_dim(b, w, k, &best);
	if (best.cost != U32_MAX && best.max < w->n)
		return ndvmfw_split_node(b, w, &best);
leaf:
	ndvmfw_prune(cls, w, NDVMFW_PRUNE);
	return ndvmfw_make_leaf(cls, w);
}

/* Build one tree over the @n compiled rules listed in @rules (consumed). */
static int ndvmfw_build_tree(struct ndvmfw_build *b, u32 *rules, u32 n,
			     u32 *root)
{
	struct ndvmfw_cls *cls = b->cls;
	unsigned int k;
	int ret;

	ret = ndvmfw_new_nodes(cls, 1, root);
	if (ret) {
		ndvmfw_free(rules);
		return ret;
	}
	memset(&b->stack[0], 0, sizeof(b->stack[0]));
	b->stack[0].node = *root;
	b->stack[0].n = n;
	b->stack[0].rules = rules;
	for (k = 0; k < cls->nd; k++)
		b->stack[0].reg[k].hi = cls->nbnd[k] ? cls->nbnd[k] - 1 :
					U32_MAX;
	b->sp = 1;
	while (b->sp) {
		struct ndvmfw_work w = b->stack[--b->sp];

		ret = ndvmfw_build_node(b, &w);
		ndvmfw_free(w.rules);
		if (ret)
			break;
		ndvmfw_yield();
	}
	while (b->sp)
		ndvmfw_free(b->stack[--b->sp].rules);
	return ret;
}

struct ndvmfw_layout {
	const struct ndvmfw_node *old;
	struct ndvmfw_node *out;
	u32 nslots;
	u32 pairs;		/* next free pair in a block of leaves, or 0 */
	u32 *queue;		/* old node, slot: the blocks still to fill */
	u32 tail;
};

static bool ndvmfw_is_leaf(const struct ndvmfw_node *n)
{
	return (n->ctl & 0xf) == NDVMFW_LEAF;
}

static void ndvmfw_set_child(struct ndvmfw_node *n, u32 a)
{
	n->ctl = a << 4 | (n->ctl & 0xf);
}

/* Room for the old pair of children at @c: their new index. */
static u32 ndvmfw_place_pair(struct ndvmfw_layout *lo, u32 c)
{
	u32 s;

	if (ndvmfw_is_leaf(&lo->old[c]) && ndvmfw_is_leaf(&lo->old[c + 1])) {
		/* leaves share blocks, three pairs a block */
		if (!lo->pairs) {
			lo->pairs = lo->nslots + 1;
			lo->nslots += NDVMFW_BLOCK;
		}
		s = lo->pairs;
		lo->pairs += 2;
		if ((lo->pairs & (NDVMFW_BLOCK - 1)) == NDVMFW_BLOCK - 1)
			lo->pairs = 0;
		lo->out[s] = lo->old[c];
		lo->out[s + 1] = lo->old[c + 1];
		return s;
	}
	s = lo->nslots;
	lo->nslots += 2 * NDVMFW_BLOCK;
	lo->queue[lo->tail++] = c;
	lo->queue[lo->tail++] = s;
	lo->queue[lo->tail++] = c + 1;
	lo->queue[lo->tail++] = s + NDVMFW_BLOCK;
	return s;
}

/* Fill the block at @s: old node @o, its children and grandchildren. */
static void ndvmfw_place_block(struct ndvmfw_layout *lo, u32 o, u32 s)
{
	struct ndvmfw_node *out = lo->out;
	u32 c, i, j, g;

	out[s] = lo->old[o];
	if (ndvmfw_is_leaf(&out[s]))
		return;
	c = out[s].ctl >> 4;
	out[s + 1] = lo->old[c];
	out[s + 2] = lo->old[c + 1];
	ndvmfw_set_child(&out[s], s + 1);
	for (i = 0; i < 2; i++) {
		if (ndvmfw_is_leaf(&out[s + 1 + i]))
			continue;
		c = out[s + 1 + i].ctl >> 4;
		g = s + 3 + 2 * i;
		out[g] = lo->old[c];
		out[g + 1] = lo->old[c + 1];
		ndvmfw_set_child(&out[s + 1 + i], g);
		for (j = g; j < g + 2; j++)
			if (!ndvmfw_is_leaf(&out[j]))
				ndvmfw_set_child(&out[j],
						 ndvmfw_place_pair(lo,
								   out[j].ctl >> 4));
	}
}

/* Lay the trees out in blocks (see ndvmfw_right()). */
static int ndvmfw_relayout(struct ndvmfw_cls *cls)
{
	size_t tmp = (size_t)cls->nnodes * NDVMFW_BLOCK * sizeof(*cls->nodes);
	struct ndvmfw_layout lo = { .old = cls->nodes };
	u32 t, head = 0;
	void *mem;
	int ret;

	ret = ndvmfw_account(cls, tmp);
	if (ret)
		return ret;
	lo.out = ndvmfw_zalloc_array((size_t)cls->nnodes * NDVMFW_BLOCK,
				     sizeof(*lo.out));
	lo.queue = ndvmfw_alloc_array(2 * (size_t)cls->nnodes, sizeof(u32));
	if (!lo.out || !lo.queue) {
		ret = -ENOMEM;
		goto out;
	}
	for (t = 0; t < cls->ntrees; t++) {
		lo.queue[lo.tail++] = cls->root[t];
		lo.queue[lo.tail++] = lo.nslots;
		cls->root[t] = lo.nslots;
		lo.nslots += NDVMFW_BLOCK;
	}
	while (head < lo.tail) {
		ndvmfw_place_block(&lo, lo.queue[head], lo.queue[head + 1]);
		head += 2;
		if (!(head & 8191))
			ndvmfw_yield();
	}
	/* the blocks on cache line boundaries */
	ret = ndvmfw_account(cls, (lo.nslots + NDVMFW_BLOCK) *
				  sizeof(*lo.out));
	if (ret)
		goto out;
	mem = ndvmfw_alloc_array(lo.nslots + NDVMFW_BLOCK, sizeof(*lo.out));
	if (!mem) {
		ret = -ENOMEM;
		goto out;
	}
	ndvmfw_free(cls->nodes);
	cls->bytes -= (size_t)cls->cap_nodes * sizeof(*cls->nodes);
	cls->nodes_mem = mem;
	cls->nodes = (struct ndvmfw_node *)
		(((unsigned long)mem + NDVMFW_BLOCK * sizeof(*lo.out) - 1) &
		 ~(NDVMFW_BLOCK * sizeof(*lo.out) - 1));
	memcpy(cls->nodes, lo.out, lo.nslots * sizeof(*lo.out));
out:
	cls->bytes -= tmp;
	ndvmfw_free(lo.out);
	ndvmfw_free(lo.queue);
	return ret;
}

/* The widest single range of wide rule @w in dimension @d. */
static struct ndvmfw_u128 ndvmfw_span(const struct ndvmfw_cls *cls,
				      const struct ndvmfw_wrule *w,
				      unsigned int d)
{
	struct ndvmfw_u128 span = { 0, 0 }, s;
	u32 i;

	if (w->full & (1U << d))
		return ndvmfw_u128_max;
	for (i = 0; i < w->cnt[d]; i++) {
		const struct ndvmfw_range *r = &cls->ranges[w->off[d] + i];

		s.lo = r->hi.lo - r->lo.lo;
		s.hi = r->hi.hi - r->lo.hi - (r->hi.lo < r->lo.lo);
		if (u128_cmp(s, span) > 0)
			span = s;
	}
	return span;
}

/* Whether rule @w matches at least 1 << @bits values in dimension @d. */
static bool ndvmfw_wide(const struct ndvmfw_cls *cls,
			const struct ndvmfw_wrule *w, unsigned int d,
			unsigned int bits)
{
	struct ndvmfw_u128 lim = { 0, 0 };

	if (bits >= 64)
		lim.hi = 1ULL << (bits - 64);
	else
		lim.lo = 1ULL << bits;
	return u128_cmp(ndvmfw_span(cls, w, d), lim) >= 0;
}

/*
 * Which of the source and destination address rule @w leaves wide; rules
 * wide in both go by their source port.
 */
static unsigned int ndvmfw_group_of(const struct ndvmfw_cls *cls,
				    const struct ndvmfw_wrule *w)
{
	unsigned int bits = cls->family == NFPROTO_IPV6 ? NDVMFW_WIDE6 :
			    NDVMFW_WIDE4;
	unsigned int g;

	g = ndvmfw_wide(cls, w, NDVMFW_DIM_SADDR, bits) << 1 |
	    ndvmfw_wide(cls, w, NDVMFW_DIM_DADDR, bits);
	if (g == 3 && !ndvmfw_wide(cls, w, NDVMFW_DIM_SPORT, NDVMFW_WIDEP))
		g = 4;
	return g;
}

/* A hash of what compiled rule @i matches. */
static u64 ndvmfw_cr_hash(const struct ndvmfw_cls *cls, u32 i)
{
	const u32 *m = &cls->moff[2 * (size_t)i * cls->nd];
	u64 h = 0xcbf29ce484222325ULL;
	u32 k, j;

	for (k = 0; k < cls->nd; k++, m += 2) {
		for (j = 0; j < m[1]; j++) {
			h = (h ^ cls->mr[m[0] + j].lo) * 0x100000001b3ULL;
			h = (h ^ cls->mr[m[0] + j].hi) * 0x100000001b3ULL;
		}
		h = (h ^ 0xff) * 0x100000001b3ULL;
	}
	return h;
}

static bool ndvmfw_cr_same(const struct ndvmfw_cls *cls, u32 a, u32 b)
{
	const u32 *ma = &cls->moff[2 * (size_t)a * cls->nd];
	const u32 *mb = &cls->moff[2 * (size_t)b * cls->nd];
	u32 k;

	for (k = 0; k < cls->nd; k++, ma += 2, mb += 2)
		if (ma[1] != mb[1] ||
		    memcmp(&cls->mr[ma[0]], &cls->mr[mb[0]],
			   ma[1] * sizeof(*cls->mr)))
			return false;
	return true;
}

struct ndvmfw_hashed {
	u64 hash;
	u32 rule;
};

static int ndvmfw_hashed_cmp(const void *a, const void *b)
{
	const struct ndvmfw_hashed *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Mark the rules that repeat an earlier one: they can never match. */
static int ndvmfw_dedup(struct ndvmfw_cls *cls, u8 *group)
{
	struct ndvmfw_hashed *h;
	u32 i, j;

	h = ndvmfw_alloc_array(cls->ncrules ? cls->ncrules : 1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (i = 0; i < cls->ncrules; i++) {
		h[i].hash = ndvmfw_cr_hash(cls, i);
		h[i].rule = i;
	}
	ndvmfw_sort(h, cls->ncrules, sizeof(*h), ndvmfw_hashed_cmp);
	for (i = 0; i < cls->ncrules; i = j) {
		for (j = i + 1; j < cls->ncrules && h[j].hash == h[i].hash; j++)
			if (ndvmfw_cr_same(cls, h[i].rule, h[j].rule))
				group[h[j].rule] = NDVMFW_DEAD;
	}
	ndvmfw_free(h);
	return 0;
}

/* Group the compiled rules and build one tree per non-empty group. */
static int ndvmfw_build_trees(struct ndvmfw_cls *cls, u8 *group)
{
	u32 count[NDVMFW_MAX_TREES] = { 0 }, *lists[NDVMFW_MAX_TREES] = { 0 };
	u32 n = cls->ncrules ? cls->ncrules : 1, i, j, g, t;
	struct ndvmfw_build *b;
	int ret = -ENOMEM;

	b = ndvmfw_zalloc_array(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->cls = cls;
	b->lo = ndvmfw_alloc_array(n, sizeof(u32));
	b->hi = ndvmfw_alloc_array(n, sizeof(u32));
	if (!b->lo || !b->hi)
		goto out;
	ret = ndvmfw_dedup(cls, group);
	if (ret)
		goto out;
	ret = -ENOMEM;
	for (i = 0; i < cls->ncrules; i++)
		if (group[i] != NDVMFW_DEAD)
			count[group[i]]++;
	for (g = 0; g < NDVMFW_MAX_TREES; g++) {
		if (!count[g])
			continue;
		lists[g] = ndvmfw_alloc_array(count[g], sizeof(u32));
		if (!lists[g])
			goto out;
		count[g] = 0;
	}
	for (i = 0; i < cls->ncrules; i++)
		if (group[i] != NDVMFW_DEAD)
			lists[group[i]][count[group[i]]++] = i;
	ret = 0;
	for (g = 0; g < NDVMFW_MAX_TREES && !ret; g++) {
		if (!count[g])
			continue;
		t = cls->ntrees++;
		cls->min_rule[t] = cls->cr[(size_t)lists[g][0] * cls->crw +
					   NDVMFW_CR_RULE];
		ret = ndvmfw_build_tree(b, lists[g], count[g], &cls->root[t]);
		lists[g] = NULL;
		/* in the order of their first rule */
		for (j = t; j > 0 && cls->min_rule[j - 1] > cls->min_rule[j];
		     j--) {
			i = cls->min_rule[j];
			cls->min_rule[j] = cls->min_rule[j - 1];
			cls->min_rule[j - 1] = i;
			i = cls->root[j];
			cls->root[j] = cls->root[j - 1];
			cls->root[j - 1] = i;
		}
	}
	if (!ret)
		ret = ndvmfw_relayout(cls);
out:
	for (g = 0; g < NDVMFW_MAX_TREES; g++)
		ndvmfw_free(lists[g]);
	ndvmfw_free(b->lo);
	ndvmfw_free(b->hi);
	ndvmfw_free(b);
	return ret;
}

/**
 * ndvmfw_cls_build - build the lookup trees of one address family
 * @rs: a rule set that passed ndvmfw_ruleset_check()
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @max_bytes: memory bound for the result
 * @clsp: the result, to be freed with ndvmfw_cls_free()
 *
 * Return: 0, -ENOMEM, or -E2BIG when the trees would exceed @max_bytes.
 */
int ndvmfw_cls_build(const struct ndvmfw_ruleset *rs, u8 family,
		     size_t max_bytes, struct ndvmfw_cls **clsp)
{
	struct ndvmfw_cls *cls;
	u8 *group = NULL;
	u32 i;
	int ret;

	cls = ndvmfw_zalloc_array(1, sizeof(*cls));
	if (!cls)
		return -ENOMEM;
	cls->max_bytes = max_bytes;
	cls->family = family;
	ret = ndvmfw_account(cls, sizeof(*cls));
	if (!ret)
		ret = ndvmfw_compile(rs, family, cls);
	if (!ret)
		ret = ndvmfw_narrow(cls);
	if (!ret) {
		group = ndvmfw_alloc_array(cls->nwrules ? cls->nwrules : 1, 1);
		if (!group)
			ret = -ENOMEM;
	}
	for (i = 0; !ret && i < cls->nwrules; i++)
		group[i] = ndvmfw_group_of(cls, &cls->wrules[i]);
	ndvmfw_free_wide(cls);
	if (!ret)
		ret = ndvmfw_build_trees(cls, group);
	ndvmfw_free(group);
	if (ret) {
		ndvmfw_cls_free(cls);
		return ret;
	}
	*clsp = cls;
	return 0;
}
