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
	u32 a;				/* leaf: first entry in cls->leaf */
	u32 b;				/* leaf: number of entries */
	u8 dim;				/* NDVMFW_LEAF for a leaf */
};

struct ndvmfw_cls {
	struct ndvmfw_node *nodes;
	u32 *leaf;
	struct ndvmfw_range *ranges;
	struct ndvmfw_crule *crules;
	u32 nnodes, nleaf, nranges, ncrules;
	u32 cap_nodes, cap_leaf;
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

static inline bool ndvmfw_crule_match(const struct ndvmfw_cls *cls,
				      const struct ndvmfw_crule *cr,
				      const struct ndvmfw_key *key)
{
	unsigned int d;

	for (d = 0; d < NDVMFW_DIMS; d++) {
		const struct ndvmfw_range *r = &cls->ranges[cr->off[d]];
		u32 i;

		if (cr->full & (1U << d))
			continue;
		i = cr->cnt[d] == 1 ? 0 : ndvmfw_range_find(r, cr->cnt[d],
							     key->f[d]);
		if (i >= cr->cnt[d] || !u128_le(r[i].lo, key->f[d]) ||
		    !u128_le(key->f[d], r[i].hi))
			return false;
	}
	return true;
}

/**
 * ndvmfw_cls_lookup - classify one packet
 * @cls: a tree built by ndvmfw_cls_build()
 * @key: the packet's key
 *
 * Return: the index in the rule set of the first rule that matches, or -1.
 */
s32 ndvmfw_cls_lookup(const struct ndvmfw_cls *cls,
		      const struct ndvmfw_key *key)
{
	const struct ndvmfw_node *n = cls->nodes;
	u32 i;

	while (n->dim != NDVMFW_LEAF)
		n = &cls->nodes[n->a + !u128_le(key->f[n->dim], n->split)];
	for (i = 0; i < n->b; i++) {
		const struct ndvmfw_crule *cr = &cls->crules[cls->leaf[n->a + i]];

		if (ndvmfw_crule_match(cls, cr, key))
			return cr->rule;
	}
	return -1;
}

size_t ndvmfw_cls_bytes(const struct ndvmfw_cls *cls)
{
	return cls ? cls->bytes : 0;
}

u32 ndvmfw_cls_nodes(const struct ndvmfw_cls *cls)
{
	return cls ? cls->nnodes : 0;
}

void ndvmfw_cls_free(struct ndvmfw_cls *cls)
{
	if (!cls)
		return;
	ndvmfw_free(cls->nodes);
	ndvmfw_free(cls->leaf);
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
	cls->ncrules++;
}

static int ndvmfw_compile(const struct ndvmfw_ruleset *rs, u8 family,
			  struct ndvmfw_cls *cls)
{
	u8 fbit = family == NFPROTO_IPV4 ? NDVMFW_FAM_IP : NDVMFW_FAM_IP6;
	struct ndvmfw_cls_ctx c = { .rs = rs, .cls = cls, .family = family };
	size_t nranges;
	u32 i;
	int ret;

	/* full range, then at most 3 per rule plus every port, icmp, elem */
	nranges = 1 + 3 * (size_t)rs->nrules + rs->nports + rs->nicmp +
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
		if (!(ndvmfw_rule_families(rs, &rs->rules[i]) & fbit))
			continue;
		ndvmfw_compile_rule(&c, i);
		if (!(i & 1023))
			ndvmfw_yield();
	}
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

	for (d = 0; d < NDVMFW_DIMS; d++) {
		const struct ndvmfw_range *r = &cls->ranges[cr->off[d]];
		u32 i;

		if (cr->full & (1U << d))
			continue;
		i = ndvmfw_range_find(r, cr->cnt[d], region[d].lo);
		if (i >= cr->cnt[d] || !u128_le(r[i].lo, region[d].lo) ||
		    !u128_le(region[d].hi, r[i].hi))
			return false;
	}
	return true;
}

struct ndvmfw_split {
	unsigned int dim;
	struct ndvmfw_u128 at;
	u32 cost, sum;
};

/*
 * Best split of dimension @d: the point s minimising the larger of
 * L(s) = #rules reaching into [lo, s] and R(s) = #rules reaching into
 * [s + 1, hi], ties broken by L + R (less replication).
 */
static void ndvmfw_best_in_dim(struct ndvmfw_build *b, struct ndvmfw_work *w,
			       unsigned int d, struct ndvmfw_split *best)
{
	const struct ndvmfw_cls *cls = b->cls;
	const struct ndvmfw_range *reg = &w->region[d];
	u32 i, nc = 0, li = 0, hi_i = 0;

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
	ndvmfw_sort(b->lo, w->n, sizeof(*b->lo), u128_sort_cmp);
	ndvmfw_sort(b->hi, w->n, sizeof(*b->hi), u128_sort_cmp);
	ndvmfw_sort(b->cand, nc, sizeof(*b->cand), u128_sort_cmp);
	for (i = 0; i < nc; i++) {
		struct ndvmfw_u128 s = b->cand[i];
		u32 l, r, cost;

		if (i && !u128_cmp(s, b->cand[i - 1]))
			continue;
		while (li < w->n && u128_le(b->lo[li], s))
			li++;
		while (hi_i < w->n && u128_le(b->hi[hi_i], s))
			hi_i++;
		l = li;
		r = w->n - hi_i;
		cost = l > r ? l : r;
		if (cost < best->cost || (cost == best->cost && l + r < best->sum)) {
			best->cost = cost;
			best->sum = l + r;
			best->dim = d;
			best->at = s;
		}
	}
}

static int ndvmfw_grow(void **p, u32 *cap, u32 need, size_t size)
{
	u32 ncap = *cap ? *cap : 64;
	void *np;

	while (ncap < need) {
		if (ncap > U32_MAX / 2)
			return -E2BIG;
		ncap *= 2;
	}
	if (ncap == *cap)
		return 0;
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

	ret = ndvmfw_account(cls, n * sizeof(*cls->nodes));
	if (!ret)
		ret = ndvmfw_grow((void **)&cls->nodes, &cls->cap_nodes,
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
	int ret;

	ret = ndvmfw_account(cls, w->n * sizeof(*cls->leaf));
	if (!ret)
		ret = ndvmfw_grow((void **)&cls->leaf, &cls->cap_leaf,
				  cls->nleaf + w->n, sizeof(*cls->leaf));
	if (ret)
		return ret;
	node = &cls->nodes[w->node];
	node->dim = NDVMFW_LEAF;
	node->a = cls->nleaf;
	node->b = w->n;
	memcpy(&cls->leaf[cls->nleaf], w->rules, w->n * sizeof(*w->rules));
	cls->nleaf += w->n;
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
	struct ndvmfw_cls *cls = b->cls;
	struct ndvmfw_work *l, *r;
	struct ndvmfw_node *node;
	u32 first;
	int ret;

	ret = ndvmfw_new_nodes(cls, 2, &first);
	if (ret)
		return ret;
	node = &cls->nodes[w->node];
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
		return ndvmfw_make_leaf(cls, w);
	for (d = 0; d < NDVMFW_DIMS; d++)
		ndvmfw_best_in_dim(b, w, d, &best);
	if (best.cost >= w->n)
		return ndvmfw_make_leaf(cls, w);
	return ndvmfw_split_node(b, w, &best);
}

static int ndvmfw_build_tree(struct ndvmfw_cls *cls)
{
	struct ndvmfw_build b = { .cls = cls };
	u32 root, n = cls->ncrules ? cls->ncrules : 1;
	unsigned int d;
	int ret;

	b.stack = ndvmfw_zalloc_array(2 * NDVMFW_MAX_DEPTH + 2,
				      sizeof(*b.stack));
	b.lo = ndvmfw_alloc_array(n, sizeof(*b.lo));
	b.hi = ndvmfw_alloc_array(n, sizeof(*b.hi));
	b.cand = ndvmfw_alloc_array(2 * (size_t)n, sizeof(*b.cand));
	ret = -ENOMEM;
	if (!b.stack || !b.lo || !b.hi || !b.cand)
		goto out;
	ret = ndvmfw_new_nodes(cls, 1, &root);
	if (ret)
		goto out;
	b.stack[0].rules = ndvmfw_alloc_array(n, sizeof(u32));
	if (!b.stack[0].rules) {
		ret = -ENOMEM;
		goto out;
	}
	b.stack[0].node = root;
	b.stack[0].n = cls->ncrules;
	for (d = 0; d < NDVMFW_DIMS; d++) {
		b.stack[0].region[d].lo = (struct ndvmfw_u128){ 0, 0 };
		b.stack[0].region[d].hi = ndvmfw_u128_max;
	}
	for (root = 0; root < cls->ncrules; root++)
		b.stack[0].rules[root] = root;
	b.sp = 1;
	while (b.sp) {
		struct ndvmfw_work w = b.stack[--b.sp];

		ret = ndvmfw_build_node(&b, &w);
		ndvmfw_free(w.rules);
		if (ret)
			goto out;
		ndvmfw_yield();
	}
out:
	while (b.sp)
		ndvmfw_free(b.stack[--b.sp].rules);
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
	ret = ndvmfw_account(cls, sizeof(*cls));
	if (!ret)
		ret = ndvmfw_compile(rs, family, cls);
	if (!ret)
		ret = ndvmfw_build_tree(cls);
	if (ret) {
		ndvmfw_cls_free(cls);
		return ret;
	}
	*clsp = cls;
	return 0;
}
