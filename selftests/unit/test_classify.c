// SPDX-License-Identifier: GPL-2.0
/*
 * The classifier (kmod/classify.c, compiled here unchanged) against a naive
 * reference matcher written from the rule language's meaning: random rule
 * sets over every field, random packets biased towards the values the
 * rules name, IPv4 and IPv6. Every packet must get the same first match.
 *
 *   test_classify [SEED] [RULESETS] [PACKETS]
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ref.h"

static unsigned long long fw_rng;

static u32 rnd(void)
{
	fw_rng ^= fw_rng << 13;
	fw_rng ^= fw_rng >> 7;
	fw_rng ^= fw_rng << 17;
	return (u32)(fw_rng >> 11);
}

static u32 pick(u32 n)
{
	return n ? rnd() % n : 0;
}

static int passed, failed;
/*
 * Every IPv6 address in ::/96, so every range ends at or below 2^32 - 1,
 * the most a 32-bit classifier key holds.
 */
static int fw_low;

static void result(int ok, const char *fmt, unsigned int a, unsigned int b)
{
	printf("%sok %d - ", ok ? "" : "not ", passed + failed + 1);
	printf(fmt, a, b);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

/* ---- random rule sets ---- */

static const char *const ifnames[] = {
	"vif1.0", "vif1.1", "vif2.0", "vif12.0", "uplink0", "uplink1", "eth0",
	"v", "vif", "br0",
};

static const u8 protos[] = { 6, 17, 1, 58, 132, 47 };

struct gen {
	struct ndvmfw_ruleset rs;
	u32 cap_elems, cap_ports, cap_icmp;
};

static void *grow(void *p, u32 *cap, u32 need, size_t size)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 64;
	p = realloc(p, (size_t)*cap * size);
	if (!p)
		abort();
	return p;
}

static void rand_addr(struct ndvmfw_elem *e, int v6)
{
	unsigned int i, bits;

	memset(e, 0, sizeof(*e));
	e->family = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	/* few distinct high bytes, so that prefixes overlap */
	e->addr[0] = v6 ? 0xfd : 10;
	for (i = 1; i < (v6 ? 16U : 4U); i++)
		e->addr[i] = pick(4) ? pick(4) : rnd();
	bits = v6 ? 128 : 32;
	e->plen = pick(3) ? bits - pick(bits / 2) : pick(bits + 1);
	if (v6 && fw_low) {	/* inside ::/96 */
		memset(e->addr, 0, 12);
		e->plen = 96 + pick(33);
	}
	for (i = 0; i < bits; i++)
		if (i >= e->plen)
			e->addr[i / 8] &= ~(0x80 >> (i % 8));
}

static u32 rand_set(struct gen *g, int fam)
{
	struct ndvmfw_ruleset *rs = &g->rs;
	struct ndvmfw_set *s = &rs->sets[rs->nsets];
	u32 n = 1 + pick(pick(8) ? 4 : 40), i;

	memset(s, 0, sizeof(*s));
	s->first = rs->nelems;
	s->count = n;
	rs->elems = grow(rs->elems, &g->cap_elems, rs->nelems + n,
			 sizeof(*rs->elems));
	for (i = 0; i < n; i++) {
		int v6 = fam == NFPROTO_IPV6 || (!fam && pick(2));

		rand_addr(&rs->elems[rs->nelems++], v6);
		/* as ndvmfw_ruleset_check() would: ndvmfw_rule_families() */
		s->fam |= v6 ? NDVMFW_FAM_IP6 : NDVMFW_FAM_IP;
	}
	return rs->nsets++;
}

static void rand_iface(struct ndvmfw_iface *i)
{
	const char *n = ifnames[pick(ARRAY_SIZE(ifnames))];

	memset(i, 0, sizeof(*i));
	switch (pick(4)) {
	case 0:
	case 1:
		return;
	case 2:
		i->mode = NDVMFW_IFACE_EXACT;
		strcpy(i->name, n);
		return;
	}
	i->mode = NDVMFW_IFACE_PREFIX;
	strncpy(i->name, n, pick(strlen(n) + 1));
}

static void rand_ports(struct gen *g, struct ndvmfw_endpoint *ep)
{
	struct ndvmfw_ruleset *rs = &g->rs;
	u32 n = pick(3) ? 0 : 1 + pick(4), i;

	ep->port_first = rs->nports;
	ep->port_count = n;
	rs->ports = grow(rs->ports, &g->cap_ports, rs->nports + n,
			 sizeof(*rs->ports));
	for (i = 0; i < n; i++) {
		u16 lo = pick(2) ? pick(1100) : rnd();
		u16 hi = pick(2) ? lo : lo + pick(65536 - lo);

		rs->ports[rs->nports].lo = lo;
		rs->ports[rs->nports++].hi = hi;
	}
}

static void rand_rule(struct gen *g, struct ndvmfw_rule *r)
{
	struct ndvmfw_ruleset *rs = &g->rs;
	u32 n, i;

	memset(r, 0, sizeof(*r));
	r->verdict = pick(2) ? NDVMFW_ACCEPT : NDVMFW_DROP;
	r->family = pick(3) ? 0 : (pick(2) ? NFPROTO_IPV4 : NFPROTO_IPV6);
	r->proto = pick(3) ? protos[pick(ARRAY_SIZE(protos))] : NDVMFW_PROTO_ANY;
	if (r->proto == 1)
		r->family = NFPROTO_IPV4;
	if (r->proto == 58)
		r->family = NFPROTO_IPV6;
	rand_iface(&r->iif);
	rand_iface(&r->oif);
	r->state = pick(4) ? 0 : 1 + pick(__NDVMFW_STATE_ALL);
	r->src.set = pick(2) ? rand_set(g, r->family) : NDVMFW_SET_NONE;
	r->dst.set = pick(2) ? rand_set(g, r->family) : NDVMFW_SET_NONE;
	if (ndvmfw_proto_has_ports(r->proto)) {
		rand_ports(g, &r->src);
		rand_ports(g, &r->dst);
	}
	r->icmp_first = rs->nicmp;
	if ((r->proto == 1 || r->proto == 58) && pick(2)) {
		n = 1 + pick(3);
		rs->icmp = grow(rs->icmp, &g->cap_icmp, rs->nicmp + n,
				sizeof(*rs->icmp));
		for (i = 0; i < n; i++) {
			struct ndvmfw_icmp *ic = &rs->icmp[rs->nicmp++];

			ic->type = pick(2) ? pick(4) * 4 : 128 + pick(10);
			ic->has_code = pick(2);
			ic->code = ic->has_code ? pick(3) : 0;
		}
		r->icmp_count = n;
	}
}

static void rand_ruleset(struct gen *g, u32 nrules)
{
	struct ndvmfw_ruleset *rs = &g->rs;
	struct ndvmfw_error err;
	u32 i;

	memset(g, 0, sizeof(*g));
	rs->policy = pick(2) ? NDVMFW_ACCEPT : NDVMFW_DROP;
	rs->rules = calloc(nrules, sizeof(*rs->rules));
	rs->sets = calloc(2 * (size_t)nrules + 1, sizeof(*rs->sets));
	for (i = 0; i < nrules; i++) {
		rand_rule(g, &rs->rules[rs->nrules]);
		/* drop rules that can never match, as fwctl check would */
		if (ndvmfw_rule_families(rs, &rs->rules[rs->nrules]))
			rs->nrules++;
	}
	if (ndvmfw_ruleset_check(rs, &err)) {
		/* an anonymous set of a dropped rule; make it named */
		for (i = 0; i < rs->nsets; i++)
			snprintf(rs->sets[i].name, sizeof(rs->sets[i].name),
				 "s%u", i);
		if (ndvmfw_ruleset_check(rs, &err)) {
			fprintf(stderr, "generator made a bad rule set: %s\n",
				err.msg);
			abort();
		}
	}
}

static void free_ruleset(struct gen *g)
{
	free(g->rs.rules);
	free(g->rs.sets);
	free(g->rs.elems);
	free(g->rs.ports);
	free(g->rs.icmp);
}

/* ---- packets (the reference matcher is in ref.c) ---- */

static void rand_pkt_addr(const struct ndvmfw_ruleset *rs, u8 *a, int v6)
{
	struct ndvmfw_elem e;
	unsigned int i, len = v6 ? 16 : 4;

	rand_addr(&e, v6);
	memcpy(a, e.addr, len);
	if (rs->nelems && pick(4)) {
		const struct ndvmfw_elem *s = &rs->elems[pick(rs->nelems)];

		if ((s->family == NFPROTO_IPV6) == !!v6)
			memcpy(a, s->addr, len);
	}
	for (i = 0; i < len; i++)	/* flip some host bits */
		if (!pick(3))
			a[i] ^= 1 << pick(8);
}

static u16 rand_port(const struct ndvmfw_ruleset *rs)
{
	const struct ndvmfw_port_range *r;

	if (!rs->nports || !pick(3))
		return rnd();
	r = &rs->ports[pick(rs->nports)];
	return ref_port_edge(r, pick(4));
}

static void rand_ifname(char *name)
{
	memset(name, 0, IFNAMSIZ);
	if (pick(5))
		strcpy(name, ifnames[pick(ARRAY_SIZE(ifnames))]);
}

static void rand_pkt(const struct ndvmfw_ruleset *rs, struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->v6 = pick(2);
	rand_ifname(p->iif);
	rand_ifname(p->oif);
	p->proto = pick(8) ? protos[pick(ARRAY_SIZE(protos))] : rnd();
	rand_pkt_addr(rs, p->saddr, p->v6);
	rand_pkt_addr(rs, p->daddr, p->v6);
	p->has_l4 = pick(10) != 0;	/* else a non-first fragment */
	p->sport = rand_port(rs);
	p->dport = rand_port(rs);
	p->type = pick(2) ? pick(4) * 4 : 128 + pick(10);
	p->code = pick(3);
	p->state = 1U << pick(5);	/* the last: NDVMFW_STATE_UNTRACKED */
}

static void dump_rule(const struct ndvmfw_ruleset *rs, s32 idx)
{
	const struct ndvmfw_rule *r;

	if (idx < 0)
		return;
	r = &rs->rules[idx];
	fprintf(stderr, "#   rule %d: fam %u proto %u iif %u:%s oif %u:%s src %d/%u dst %d/%u icmp %u\n",
		idx, r->family, r->proto, r->iif.mode, r->iif.name, r->oif.mode,
		r->oif.name, (int)r->src.set, r->src.port_count, (int)r->dst.set,
		r->dst.port_count, r->icmp_count);
}

static int run_one(u32 nrules, u32 npkts, unsigned int idx)
{
	struct ndvmfw_cls *cls[2] = { NULL, NULL };
	struct ndvmfw_key key;
	struct gen g;
	struct pkt p;
	u32 i, bad = 0;
	s32 want, got;

	fw_low = idx % 4 == 3;
	rand_ruleset(&g, nrules);
	if (ndvmfw_cls_build(&g.rs, NFPROTO_IPV4, 1UL << 30, &cls[0]) ||
	    ndvmfw_cls_build(&g.rs, NFPROTO_IPV6, 1UL << 30, &cls[1])) {
		result(0, "ruleset %u: build failed (%u rules)", idx, nrules);
		free_ruleset(&g);
		return 1;
	}
	for (i = 0; i < npkts; i++) {
		rand_pkt(&g.rs, &p);
		pkt_key(&p, &key);
		want = ref_lookup(&g.rs, &p);
		got = ndvmfw_cls_lookup(cls[p.v6], &key);
		if (want != got && bad++ < 5)
			fprintf(stderr, "# ruleset %u packet %u: v6=%d in=%s out=%s proto=%u sport=%u dport=%u l4=%d: want %d got %d\n",
				idx, i, p.v6, p.iif, p.oif, p.proto, p.sport,
				p.dport, p.has_l4, want, got);
		if (want != got && bad <= 5) {
			dump_rule(&g.rs, want);
			dump_rule(&g.rs, got);
		}
	}
	result(!bad, fw_low ? "ruleset %u: %u rules in ::/96, classifier agrees with the reference" :
	       "ruleset %u: %u rules, classifier agrees with the reference",
	       idx, g.rs.nrules);
	ndvmfw_cls_free(cls[0]);
	ndvmfw_cls_free(cls[1]);
	free_ruleset(&g);
	return !!bad;
}

/* One prefix, lengths as in ClassBench ACL seeds: mostly hosts and /24s. */
static u32 acl_set(struct gen *g)
{
	static const u8 plens[] = { 32, 32, 32, 32, 32, 32, 24, 24, 20, 16,
				    28, 8 };
	struct ndvmfw_ruleset *rs = &g->rs;
	struct ndvmfw_elem *e;
	u32 a = 10U << 24 | (rnd() & 0xffffff), i;

	rs->elems = grow(rs->elems, &g->cap_elems, rs->nelems + 1,
			 sizeof(*rs->elems));
	e = &rs->elems[rs->nelems];
	memset(e, 0, sizeof(*e));
	e->family = NFPROTO_IPV4;
	e->plen = plens[pick(ARRAY_SIZE(plens))];
	if (e->plen < 32)
		a &= ~((1U << (32 - e->plen)) - 1);
	for (i = 0; i < 4; i++)
		e->addr[i] = a >> (24 - 8 * i);
	rs->sets[rs->nsets].first = rs->nelems++;
	rs->sets[rs->nsets].count = 1;
	rs->sets[rs->nsets].fam = NDVMFW_FAM_IP;
	return rs->nsets++;
}

/*
 * 100,000 specific rules, as an ACL would have them: a source prefix, a
 * destination prefix, a protocol and a port range each. Reports build time
 * and size, and checks a sample of packets against the reference.
 */
static void scale(u32 nrules, u32 npkts)
{
	struct ndvmfw_cls *cls = NULL;
	struct ndvmfw_rule *r;
	struct ndvmfw_key key;
	struct gen g;
	struct pkt p;
	u32 i, bad = 0;
	clock_t t0;
	int ret;

	memset(&g, 0, sizeof(g));
	g.rs.policy = NDVMFW_DROP;
	g.rs.rules = calloc(nrules, sizeof(*g.rs.rules));
	g.rs.sets = calloc(2 * (size_t)nrules, sizeof(*g.rs.sets));
	for (i = 0; i < nrules; i++) {
		r = &g.rs.rules[g.rs.nrules++];
		r->verdict = pick(2) ? NDVMFW_ACCEPT : NDVMFW_DROP;
		r->family = NFPROTO_IPV4;
		r->proto = pick(2) ? 6 : 17;
		r->src.set = acl_set(&g);
		r->dst.set = acl_set(&g);
		rand_ports(&g, &r->dst);
	}
	t0 = clock();
	ret = ndvmfw_cls_build(&g.rs, NFPROTO_IPV4, 1UL << 30, &cls);
	printf("# %u ACL rules: build %s, %.2f s, %zu KiB, %u nodes\n", nrules,
	       ret ? strerror(-ret) : "ok",
	       (double)(clock() - t0) / CLOCKS_PER_SEC,
	       ndvmfw_cls_bytes(cls) >> 10, ndvmfw_cls_nodes(cls));
	result(!ret, "%u ACL rules build%.0u", nrules, 0);
	for (i = 0; !ret && i < npkts; i++) {
		rand_pkt(&g.rs, &p);
		p.v6 = 0;
		pkt_key(&p, &key);
		bad += ref_lookup(&g.rs, &p) != ndvmfw_cls_lookup(cls, &key);
	}
	result(!ret && !bad, "%u ACL rules: %u packets agree with the reference",
	       nrules, npkts);
	ndvmfw_cls_free(cls);
	free_ruleset(&g);
}

/*
 * ndvmfw_key_ifname() reads a device name a word at a time; it must give
 * what a byte loop gives, whatever follows the NUL (a renamed device keeps
 * its old name's tail), the bytes before it 0x01 and 0x80-0xff included,
 * which a NUL search on words could take for one.
 */
static void test_ifname(u32 rounds)
{
	static const u8 odd[] = { 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff };
	struct ndvmfw_u128 want, got;
	unsigned int len, i, bad = 0;
	char name[IFNAMSIZ];
	u32 r;

	for (r = 0; r < rounds; r++) {
		for (len = 0; len <= IFNAMSIZ; len++) {
			for (i = 0; i < IFNAMSIZ; i++)
				name[i] = pick(2) ? odd[pick(sizeof(odd))] :
						    rnd();
			for (i = 0; i < len; i++)
				name[i] = name[i] ? name[i] : 'a';
			if (len < IFNAMSIZ)
				name[len] = 0;
			want.hi = 0;
			want.lo = 0;
			for (i = 0; i < len; i++) {
				if (i < 8)
					want.hi |= (u64)(u8)name[i] << (56 - 8 * i);
				else
					want.lo |= (u64)(u8)name[i] << (120 - 8 * i);
			}
			ndvmfw_key_ifname(&got, name);
			bad += got.hi != want.hi || got.lo != want.lo;
		}
	}
	ndvmfw_key_ifname(&got, NULL);
	bad += got.hi || got.lo;
	result(!bad, "interface name keys: %u names, word reads agree with a byte loop%.0u",
	       rounds * (IFNAMSIZ + 1), 0);
}

int main(int argc, char *argv[])
{
	static const u32 sizes[] = { 1, 2, 5, 10, 30, 100, 300, 1000, 3000 };
	unsigned long long seed = argc > 1 ? strtoull(argv[1], NULL, 0) :
				  (unsigned long long)time(NULL);
	u32 nsets = argc > 2 ? strtoul(argv[2], NULL, 0) : 24;
	u32 npkts = argc > 3 ? strtoul(argv[3], NULL, 0) : 100000;
	unsigned int i;

	printf("# seed %llu (rerun: test_classify %llu)\n", seed, seed);
	fw_rng = seed | 1;
	test_ifname(10000);
	for (i = 0; i < nsets; i++)
		run_one(sizes[i % ARRAY_SIZE(sizes)], npkts, i);
	scale(argc > 4 ? strtoul(argv[4], NULL, 0) : 100000, 3000);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
