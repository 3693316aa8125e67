// SPDX-License-Identifier: GPL-2.0
/*
 * The packet classifier: a HyperSplit-style decision tree.
 *
 * Every rule is a box in NDVMFW_DIMS dimensions, each dimension a sorted
 * list of disjoint ranges over 128-bit keys (an address set, a port list,
 * an interface name or prefix as a big-endian string). Each inner node of
 * the tree halves one dimension at a point chosen so that both halves
 * hold as few rules as possible; a leaf holds at most NDVMFW_BINTH rules,
 * in priority order, which are then checked one by one. A rule that covers
 * a node's whole region hides every rule after it, which keeps leaves
 * short even where many rules overlap.
 *
 * A rule that is wide in a dimension (an address prefix shorter than half
 * the address, a large port range, a wildcard) would be copied into every
 * subtree that splits that dimension. So rules are first put into groups
 * by which of the source address, destination address and destination
 * port they leave wide, as CutSplit and EffiCuts do, and each group gets
 * its own tree, which then only splits where its rules are narrow. A
 * lookup walks the trees in the order of their first rule and stops once
 * no tree can beat the best match found.
 *
 * Lookup is a walk of at most NDVMFW_MAX_DEPTH comparisons and a short
 * leaf scan; it reads only the immutable structure built here. The build
 * runs once per committed rule set, is iterative (no recursion on the
 * kernel stack), yields regularly and fails with -E2BIG rather than grow
 * beyond the caller's memory bound.
 */
#include "core.h"

#define NDVMFW_BINTH		4
#define NDVMFW_MAX_DEPTH	48
#define NDVMFW_LEAF		0xff
/* Nodes with more rules choose their split from sampled points. */
#define NDVMFW_EXACT_SPLIT	64

/*
 * The dimensions rules are grouped by: a rule's class in a dimension is the
 * number of these log2 limits its widest range reaches (IPv4 and IPv6).
 */
static const struct {
	u8 dim;
	u8 nlim;
	u8 lim4[2];
	u8 lim6[2];
} ndvmfw_group_dims[] = {
	{ NDVMFW_DIM_SADDR, 2, { 8, 16 }, { 32, 64 } },
	{ NDVMFW_DIM_DADDR, 2, { 8, 16 }, { 32, 64 } },
	{ NDVMFW_DIM_DPORT, 1, { 10 }, { 10 } },
};

#define NDVMFW_MAX_TREES	(3 * 3 * 2)

struct ndvmfw_range {
	struct ndvmfw_u128 lo;
	struct ndvmfw_u128 hi;
};

/* A rule as seen by one family's tree. */
struct ndvmfw_crule {
	u32 rule;			/* index in the rule set */
	u32 full;			/* dimensions the rule does not constrain */
	u32 off[NDVMFW_DIMS];		/* into cls->ranges */
	u32 cnt[NDVMFW_DIMS];
};

struct ndvmfw_node {
	struct ndvmfw_u128 split;	/* key <= split: child a, else a + 1 */
	u32 a;				/* leaf: first entry in tree->leaf */
	u32 b;				/* leaf: number of entries */
	u8 dim;				/* NDVMFW_LEAF for a leaf */
};

struct ndvmfw_tree {
	struct ndvmfw_node *nodes;
	u32 *leaf;
	u32 nnodes, nleaf;
	u32 cap_nodes, cap_leaf;
	u32 min_rule;			/* its first rule, in rule set order */
};

struct ndvmfw_cls {
	struct ndvmfw_tree trees[NDVMFW_MAX_TREES];	/* by min_rule */
	u32 ntrees;
	struct ndvmfw_range *ranges;
	struct ndvmfw_crule *crules;
	u32 nranges, ncrules;
	u8 family;
	size_t bytes;
	size_t max_bytes;
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

void ndvmfw_key_ifname(struct ndvmfw_u128 *v, const char *name)
{
	bool end = !name;
	unsigned int i;
	u8 c;

	v->hi = 0;
	v->lo = 0;
	for (i = 0; i < 16; i++) {
		c = end ? 0 : name[i];
		end = !c;
		if (i < 8)
			v->hi = v->hi << 8 | c;
		else
			v->lo = v->lo << 8 | c;
	}
}

/* ---- lookup ---- */

/* Index of the first of @cnt sorted disjoint ranges ending at or after @v. */
static inline u32 ndvmfw_range_find(const struct ndvmfw_range *r, u32 cnt,
				    struct ndvmfw_u128 v)
{
	u32 lo = 0, hi = cnt;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (u128_le(v, r[mid].hi))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Whether one range of rule @cr in dimension @d holds all of [lo, hi]. */
static inline bool ndvmfw_dim_holds(const struct ndvmfw_cls *cls,
				    const struct ndvmfw_crule *cr,
				    unsigned int d, struct ndvmfw_u128 lo,
				    struct ndvmfw_u128 hi)
{
	const struct ndvmfw_range *r = &cls->ranges[cr->off[d]];
	u32 i;

	if (cr->full & (1U << d))
		return true;
	i = cr->cnt[d] == 1 ? 0 : ndvmfw_range_find(r, cr->cnt[d], lo);
	return i < cr->cnt[d] && u128_le(r[i].lo, lo) && u128_le(hi, r[i].hi);
}

static inline bool ndvmfw_crule_match(const struct ndvmfw_cls *cls,
				      const struct ndvmfw_crule *cr,
				      const struct ndvmfw_key *key)
{
	unsigned int d;

	for (d = 0; d < NDVMFW_DIMS; d++)
		if (!ndvmfw_dim_holds(cls, cr, d, key->f[d], key->f[d]))
			return false;
	return true;
}

static inline s32 ndvmfw_tree_lookup(const struct ndvmfw_cls *cls,
				     const struct ndvmfw_tree *t,
				     const struct ndvmfw_key *key)
{
	const struct ndvmfw_node *n = t->nodes;
	u32 i;

	while (n->dim != NDVMFW_LEAF)
		n = &t->nodes[n->a + !u128_le(key->f[n->dim], n->split)];
	for (i = 0; i < n->b; i++) {
		const struct ndvmfw_crule *cr = &cls->crules[t->leaf[n->a + i]];

		if (ndvmfw_crule_match(cls, cr, key))
			return cr->rule;
	}
	return -1;
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
	s32 best = -1, r;
	u32 t;

	for (t = 0; t < cls->ntrees; t++) {
		if (best >= 0 && cls->trees[t].min_rule >= (u32)best)
			break;
		r = ndvmfw_tree_lookup(cls, &cls->trees[t], key);
		if (r >= 0 && (best < 0 || r < best))
			best = r;
	}
	return best;
}

size_t ndvmfw_cls_bytes(const struct ndvmfw_cls *cls)
{
	return cls ? cls->bytes : 0;
}

u32 ndvmfw_cls_nodes(const struct ndvmfw_cls *cls)
{
	u32 t, n = 0;

	for (t = 0; cls && t < cls->ntrees; t++)
		n += cls->trees[t].nnodes;
	return n;
}

void ndvmfw_cls_free(struct ndvmfw_cls *cls)
{
	u32 t;

	if (!cls)
		return;
	for (t = 0; t < NDVMFW_MAX_TREES; t++) {
		ndvmfw_free(cls->trees[t].nodes);
		ndvmfw_free(cls->trees[t].leaf);
	}
	ndvmfw_free(cls->ranges);
	ndvmfw_free(cls->crules);
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

static void ndvmfw_dim_full(struct ndvmfw_crule *cr, unsigned int d)
{
	cr->full |= 1U << d;
	cr->off[d] = 0;
	cr->cnt[d] = 1;
}

static void ndvmfw_dim_one(struct ndvmfw_cls *cls, struct ndvmfw_crule *cr,
			   unsigned int d, struct ndvmfw_u128 lo,
			   struct ndvmfw_u128 hi)
{
	cr->off[d] = ndvmfw_push_range(cls, lo, hi);
	cr->cnt[d] = 1;
}

static void ndvmfw_dim_set(struct ndvmfw_cls_ctx *c, struct ndvmfw_crule *cr,
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

static void ndvmfw_dim_ports(struct ndvmfw_cls *cls, struct ndvmfw_crule *cr,
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

static void ndvmfw_dim_icmp(struct ndvmfw_cls *cls, struct ndvmfw_crule *cr,
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
static void ndvmfw_dim_state(struct ndvmfw_cls *cls, struct ndvmfw_crule *cr,
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

static void ndvmfw_dim_iface(struct ndvmfw_cls *cls, struct ndvmfw_crule *cr,
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

static void ndvmfw_dim_addr(struct ndvmfw_cls_ctx *c, struct ndvmfw_crule *cr,
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
	struct ndvmfw_crule *cr = &cls->crules[cls->ncrules];
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
	cls->ncrules++;
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
	size_t nranges;
	u32 i;
	int ret;

	/*
	 * The full range, then per rule at most 3 (interfaces, protocol) and
	 * 4 (states), plus every port range, icmp entry and element.
	 */
	nranges = 1 + 7 * (size_t)rs->nrules + rs->nports + rs->nicmp +
		  rs->nelems;
	ret = ndvmfw_account(cls, nranges * sizeof(*cls->ranges) +
			     rs->nrules * sizeof(*cls->crules));
	if (ret)
		return ret;
	cls->ranges = ndvmfw_alloc_array(nranges, sizeof(*cls->ranges));
	cls->crules = ndvmfw_alloc_array(rs->nrules ? rs->nrules : 1,
					 sizeof(*cls->crules));
	c.set_off = ndvmfw_alloc_array(rs->nsets ? rs->nsets : 1, sizeof(u32));
	c.set_cnt = ndvmfw_alloc_array(rs->nsets ? rs->nsets : 1, sizeof(u32));
	if (!cls->ranges || !cls->crules || !c.set_off || !c.set_cnt) {
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
	ndvmfw_shrink(cls, (void **)&cls->crules, rs->nrules, cls->ncrules,
		      sizeof(*cls->crules));
out:
	ndvmfw_free(c.set_off);
	ndvmfw_free(c.set_cnt);
	return ret;
}

/* ---- building the tree ---- */

struct ndvmfw_work {
	u32 node;
	u32 depth;
	u32 n;
	u32 *rules;		/* crule indices, in priority order */
	struct ndvmfw_range region[NDVMFW_DIMS];
};

struct ndvmfw_build {
	struct ndvmfw_cls *cls;
	struct ndvmfw_tree *tree;
	struct ndvmfw_work *stack;
	u32 sp;
	struct ndvmfw_u128 *lo, *hi, *cand;	/* scratch, ncrules each */
};

/* The part of rule @cr's ranges in dimension @d that lies in [a, b]. */
static void ndvmfw_clip(const struct ndvmfw_cls *cls,
			const struct ndvmfw_crule *cr, unsigned int d,
			const struct ndvmfw_range *reg,
			struct ndvmfw_u128 *lo, struct ndvmfw_u128 *hi)
{
	const struct ndvmfw_range *r = &cls->ranges[cr->off[d]];
	u32 n = cr->cnt[d], i, j;

	i = ndvmfw_range_find(r, n, reg->lo);
	*lo = u128_le(reg->lo, r[i].lo) ? r[i].lo : reg->lo;
	/* last range starting at or before reg->hi */
	j = ndvmfw_range_find(r, n, reg->hi);
	if (j == n || !u128_le(r[j].lo, reg->hi))
		j--;
	*hi = u128_le(r[j].hi, reg->hi) ? r[j].hi : reg->hi;
}

static bool ndvmfw_covers(const struct ndvmfw_cls *cls,
			  const struct ndvmfw_crule *cr,
			  const struct ndvmfw_range *region)
{
	unsigned int d;

	for (d = 0; d < NDVMFW_DIMS; d++)
		if (!ndvmfw_dim_holds(cls, cr, d, region[d].lo, region[d].hi))
			return false;
	return true;
}

struct ndvmfw_split {
	unsigned int dim;
	struct ndvmfw_u128 at;
	u32 cost, sum;
};

static void ndvmfw_consider(struct ndvmfw_split *best, unsigned int d,
			    struct ndvmfw_u128 s, u32 l, u32 r)
{
	u32 cost = l > r ? l : r;

	if (cost < best->cost || (cost == best->cost && l + r < best->sum)) {
		best->cost = cost;
		best->sum = l + r;
		best->dim = d;
		best->at = s;
	}
}

/* Every candidate point, from sorted endpoints: exact, O(n log n). */
static void ndvmfw_split_exact(struct ndvmfw_build *b, u32 n, u32 nc,
			       unsigned int d, struct ndvmfw_split *best)
{
	u32 i, li = 0, hi_i = 0;

	ndvmfw_sort(b->lo, n, sizeof(*b->lo), u128_sort_cmp);
	ndvmfw_sort(b->hi, n, sizeof(*b->hi), u128_sort_cmp);
	ndvmfw_sort(b->cand, nc, sizeof(*b->cand), u128_sort_cmp);
	for (i = 0; i < nc; i++) {
		if (i && !u128_cmp(b->cand[i], b->cand[i - 1]))
			continue;
		while (li < n && u128_le(b->lo[li], b->cand[i]))
			li++;
		while (hi_i < n && u128_le(b->hi[hi_i], b->cand[i]))
			hi_i++;
		ndvmfw_consider(best, d, b->cand[i], li, n - hi_i);
	}
}

static struct ndvmfw_u128 ndvmfw_median3(struct ndvmfw_u128 a,
					 struct ndvmfw_u128 b,
					 struct ndvmfw_u128 c)
{
	struct ndvmfw_u128 lo = a, hi = b;

	if (u128_cmp(a, b) > 0) {
		lo = b;
		hi = a;
	}
	if (u128_cmp(hi, c) > 0)
		hi = c;
	return u128_cmp(lo, hi) > 0 ? lo : hi;
}

/* The k-th smallest of @n values (quickselect; reorders @a). */
static struct ndvmfw_u128 ndvmfw_select(struct ndvmfw_u128 *a, long n, long k)
{
	long lo = 0, hi = n - 1, i, j;
	struct ndvmfw_u128 pivot, t;

	while (lo < hi) {
		pivot = ndvmfw_median3(a[lo], a[lo + (hi - lo) / 2], a[hi]);
		i = lo;
		j = hi;
		while (i <= j) {
			while (u128_cmp(a[i], pivot) < 0)
				i++;
			while (u128_cmp(a[j], pivot) > 0)
				j--;
			if (i <= j) {
				t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return a[k];
}

/* The quartiles of the candidate points only: O(n), for large nodes. */
static void ndvmfw_split_sampled(struct ndvmfw_build *b, u32 n, u32 nc,
				 unsigned int d, struct ndvmfw_split *best)
{
	struct ndvmfw_u128 s[3];
	u32 l[3] = { 0 }, r[3] = { 0 }, i, k;

	s[1] = ndvmfw_select(b->cand, nc, nc / 2);
	s[0] = ndvmfw_select(b->cand, nc / 2, nc / 4);
	s[2] = ndvmfw_select(b->cand + nc / 2, nc - nc / 2, nc / 4);
	for (i = 0; i < n; i++) {
		for (k = 0; k < 3; k++) {
			l[k] += u128_le(b->lo[i], s[k]);
			r[k] += !u128_le(b->hi[i], s[k]);
		}
	}
	for (k = 0; k < 3; k++)
		ndvmfw_consider(best, d, s[k], l[k], r[k]);
}

/*
 * Best split of dimension @d: the point s minimising the larger of
 * L(s) = #rules reaching into [lo, s] and R(s) = #rules reaching into
 * [s + 1, hi], ties broken by L + R (less replication). Candidates are the
 * points just before a rule starts and where one ends.
 */
static void ndvmfw_best_in_dim(struct ndvmfw_build *b, struct ndvmfw_work *w,
			       unsigned int d, struct ndvmfw_split *best)
{
	const struct ndvmfw_cls *cls = b->cls;
	const struct ndvmfw_range *reg = &w->region[d];
	u32 i, nc = 0;

	for (i = 0; i < w->n; i++) {
		const struct ndvmfw_crule *cr = &cls->crules[w->rules[i]];

		if (cr->full & (1U << d)) {
			b->lo[i] = reg->lo;
			b->hi[i] = reg->hi;
			continue;
		}
		ndvmfw_clip(cls, cr, d, reg, &b->lo[i], &b->hi[i]);
		if (u128_cmp(b->lo[i], reg->lo) > 0)
			b->cand[nc++] = u128_dec(b->lo[i]);
		if (u128_cmp(b->hi[i], reg->hi) < 0)
			b->cand[nc++] = b->hi[i];
	}
	if (!nc)
		return;
	if (w->n <= NDVMFW_EXACT_SPLIT)
		ndvmfw_split_exact(b, w->n, nc, d, best);
	else
		ndvmfw_split_sampled(b, w->n, nc, d, best);
}

/* Grow an array to hold @need entries, counting its capacity. */
static int ndvmfw_grow(struct ndvmfw_cls *cls, void **p, u32 *cap, u32 need,
		       size_t size)
{
	u32 ncap = *cap ? *cap : 64;
	void *np;
	int ret;

	while (ncap < need) {
		if (ncap > U32_MAX / 2)
			return -E2BIG;
		ncap *= 2;
	}
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

static int ndvmfw_new_nodes(struct ndvmfw_build *b, u32 n, u32 *first)
{
	struct ndvmfw_tree *t = b->tree;
	int ret;

	ret = ndvmfw_grow(b->cls, (void **)&t->nodes, &t->cap_nodes,
			  t->nnodes + n, sizeof(*t->nodes));
	if (ret)
		return ret;
	*first = t->nnodes;
	t->nnodes += n;
	return 0;
}

static int ndvmfw_make_leaf(struct ndvmfw_build *b, struct ndvmfw_work *w)
{
	struct ndvmfw_tree *t = b->tree;
	struct ndvmfw_node *node;
	int ret;

	ret = ndvmfw_grow(b->cls, (void **)&t->leaf, &t->cap_leaf,
			  t->nleaf + w->n, sizeof(*t->leaf));
	if (ret)
		return ret;
	node = &t->nodes[w->node];
	node->dim = NDVMFW_LEAF;
	node->a = t->nleaf;
	node->b = w->n;
	if (w->n)
		memcpy(&t->leaf[t->nleaf], w->rules, w->n * sizeof(*w->rules));
	t->nleaf += w->n;
	return 0;
}

/* Keep only the rules that reach into the child's part of dimension @d. */
static u32 ndvmfw_partition(const struct ndvmfw_cls *cls,
			    const struct ndvmfw_work *w, unsigned int d,
			    const struct ndvmfw_range *reg, u32 *out)
{
	u32 i, n = 0;

	for (i = 0; i < w->n; i++) {
		const struct ndvmfw_crule *cr = &cls->crules[w->rules[i]];
		struct ndvmfw_u128 lo, hi;

		if (!(cr->full & (1U << d))) {
			ndvmfw_clip(cls, cr, d, &w->region[d], &lo, &hi);
			if (!u128_le(lo, reg->hi) || !u128_le(reg->lo, hi))
				continue;
		}
		out[n++] = w->rules[i];
	}
	return n;
}

static int ndvmfw_split_node(struct ndvmfw_build *b, struct ndvmfw_work *w,
			     const struct ndvmfw_split *s)
{
	const struct ndvmfw_cls *cls = b->cls;
	struct ndvmfw_work *l, *r;
	struct ndvmfw_node *node;
	u32 first;
	int ret;

	ret = ndvmfw_new_nodes(b, 2, &first);
	if (ret)
		return ret;
	node = &b->tree->nodes[w->node];
	node->dim = s->dim;
	node->split = s->at;
	node->a = first;
	node->b = 0;

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
	l->region[s->dim].hi = s->at;
	r->region[s->dim].lo = u128_inc(s->at);
	l->n = ndvmfw_partition(cls, w, s->dim, &l->region[s->dim], l->rules);
	r->n = ndvmfw_partition(cls, w, s->dim, &r->region[s->dim], r->rules);
	b->sp += 2;
	return 0;
}

static int ndvmfw_build_node(struct ndvmfw_build *b, struct ndvmfw_work *w)
{
	struct ndvmfw_split best = { .cost = U32_MAX, .sum = U32_MAX };
	struct ndvmfw_cls *cls = b->cls;
	unsigned int d;
	u32 i;

	for (i = 0; i < w->n; i++) {
		if (ndvmfw_covers(cls, &cls->crules[w->rules[i]], w->region)) {
			w->n = i + 1;
			break;
		}
	}
	if (w->n <= NDVMFW_BINTH || w->depth >= NDVMFW_MAX_DEPTH)
		return ndvmfw_make_leaf(b, w);
	for (d = 0; d < NDVMFW_DIMS; d++)
		ndvmfw_best_in_dim(b, w, d, &best);
	if (best.cost >= w->n)
		return ndvmfw_make_leaf(b, w);
	return ndvmfw_split_node(b, w, &best);
}

/* Build one tree over the @n compiled rules listed in @rules (consumed). */
static int ndvmfw_build_tree(struct ndvmfw_build *b, struct ndvmfw_tree *t,
			     u32 *rules, u32 n)
{
	unsigned int d;
	u32 root;
	int ret;

	b->tree = t;
	t->min_rule = b->cls->crules[rules[0]].rule;
	ret = ndvmfw_new_nodes(b, 1, &root);
	if (ret) {
		ndvmfw_free(rules);
		return ret;
	}
	memset(&b->stack[0], 0, sizeof(b->stack[0]));
	b->stack[0].node = root;
	b->stack[0].n = n;
	b->stack[0].rules = rules;
	for (d = 0; d < NDVMFW_DIMS; d++)
		b->stack[0].region[d].hi = ndvmfw_u128_max;
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

/* The widest single range of compiled rule @cr in dimension @d. */
static struct ndvmfw_u128 ndvmfw_span(const struct ndvmfw_cls *cls,
				      const struct ndvmfw_crule *cr,
				      unsigned int d)
{
	struct ndvmfw_u128 span = { 0, 0 }, w;
	u32 i;

	if (cr->full & (1U << d))
		return ndvmfw_u128_max;
	for (i = 0; i < cr->cnt[d]; i++) {
		const struct ndvmfw_range *r = &cls->ranges[cr->off[d] + i];

		w.lo = r->hi.lo - r->lo.lo;
		w.hi = r->hi.hi - r->lo.hi - (r->hi.lo < r->lo.lo);
		if (u128_cmp(w, span) > 0)
			span = w;
	}
	return span;
}

static unsigned int ndvmfw_group_of(const struct ndvmfw_cls *cls,
				    const struct ndvmfw_crule *cr)
{
	unsigned int g = 0, i, j, bits, class;
	struct ndvmfw_u128 span, lim;

	for (i = 0; i < ARRAY_SIZE(ndvmfw_group_dims); i++) {
		span = ndvmfw_span(cls, cr, ndvmfw_group_dims[i].dim);
		class = 0;
		for (j = 0; j < ndvmfw_group_dims[i].nlim; j++) {
			bits = cls->family == NFPROTO_IPV6 ?
			       ndvmfw_group_dims[i].lim6[j] :
			       ndvmfw_group_dims[i].lim4[j];
			lim.hi = bits >= 64 ? 1ULL << (bits - 64) : 0;
			lim.lo = bits >= 64 ? 0 : 1ULL << bits;
			if (u128_cmp(span, lim) >= 0)
				class = j + 1;
		}
		g = g * (ndvmfw_group_dims[i].nlim + 1) + class;
	}
	return g;
}

static int ndvmfw_tree_cmp(const void *a, const void *b)
{
	const struct ndvmfw_tree *x = a, *y = b;

	return x->min_rule < y->min_rule ? -1 : x->min_rule > y->min_rule;
}

/* Group the compiled rules and build one tree per non-empty group. */
static int ndvmfw_build_trees(struct ndvmfw_cls *cls)
{
	struct ndvmfw_build b = { .cls = cls };
	u32 count[NDVMFW_MAX_TREES] = { 0 }, *lists[NDVMFW_MAX_TREES] = { 0 };
	u32 n = cls->ncrules ? cls->ncrules : 1, i, g;
	u8 *group;
	int ret = -ENOMEM;

	group = ndvmfw_alloc_array(n, 1);
	b.stack = ndvmfw_zalloc_array(2 * NDVMFW_MAX_DEPTH + 2,
				      sizeof(*b.stack));
	b.lo = ndvmfw_alloc_array(n, sizeof(*b.lo));
	b.hi = ndvmfw_alloc_array(n, sizeof(*b.hi));
	b.cand = ndvmfw_alloc_array(2 * (size_t)n, sizeof(*b.cand));
	if (!group || !b.stack || !b.lo || !b.hi || !b.cand)
		goto out;
	for (i = 0; i < cls->ncrules; i++) {
		group[i] = ndvmfw_group_of(cls, &cls->crules[i]);
		count[group[i]]++;
	}
	for (g = 0; g < NDVMFW_MAX_TREES; g++) {
		if (!count[g])
			continue;
		lists[g] = ndvmfw_alloc_array(count[g], sizeof(u32));
		if (!lists[g])
			goto out;
		count[g] = 0;
	}
	for (i = 0; i < cls->ncrules; i++)
		lists[group[i]][count[group[i]]++] = i;
	ret = 0;
	for (g = 0; g < NDVMFW_MAX_TREES && !ret; g++) {
		if (!count[g])
			continue;
		ret = ndvmfw_build_tree(&b, &cls->trees[cls->ntrees++],
					lists[g], count[g]);
		lists[g] = NULL;
	}
	if (!cls->ntrees) {
		/* no rule of this family: one empty leaf */
		b.tree = &cls->trees[cls->ntrees++];
		ret = ndvmfw_new_nodes(&b, 1, &i);
		if (!ret)
			ret = ndvmfw_make_leaf(&b, &b.stack[0]);
	}
	ndvmfw_sort(cls->trees, cls->ntrees, sizeof(cls->trees[0]),
		    ndvmfw_tree_cmp);
out:
	for (g = 0; g < NDVMFW_MAX_TREES; g++)
		ndvmfw_free(lists[g]);
	ndvmfw_free(group);
	ndvmfw_free(b.stack);
	ndvmfw_free(b.lo);
	ndvmfw_free(b.hi);
	ndvmfw_free(b.cand);
	return ret;
}

/**
 * ndvmfw_cls_build - build the lookup tree of one address family
 * @rs: a rule set that passed ndvmfw_ruleset_check()
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @max_bytes: memory bound for the result
 * @clsp: the result, to be freed with ndvmfw_cls_free()
 *
 * Return: 0, -ENOMEM, or -E2BIG when the tree would exceed @max_bytes.
 */
int ndvmfw_cls_build(const struct ndvmfw_ruleset *rs, u8 family,
		     size_t max_bytes, struct ndvmfw_cls **clsp)
{
	struct ndvmfw_cls *cls;
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
		ret = ndvmfw_build_trees(cls);
	if (ret) {
		ndvmfw_cls_free(cls);
		return ret;
	}
	*clsp = cls;
	return 0;
}
