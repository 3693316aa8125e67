// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the rule compiler of the module (kmod/ruleset.c,
 * kmod/classify.c), built for userspace as the unit tests build it.
 *
 * The input is a rules file, optionally followed by a NUL byte and bytes
 * that choose the packets (the parser refuses a NUL, so a rules file never
 * holds one); when those run out, a generator seeded with a hash of the
 * input goes on. A rules file that parses goes through what a load does in
 * the kernel: ndvmfw_ruleset_check() must accept it (fwctl and the module
 * must agree), its digest is taken, and ndvmfw_cls_build() builds both
 * families' classifiers within FUZZ_CLS_MAX bytes, which the result must
 * respect. Then:
 * - FUZZ_PKTS packets, built from the values the rules name and their
 *   neighbours (prefix bounds and one past them, port range ends and one
 *   past them, interface names and prefixes with a byte more or less),
 *   must get from ndvmfw_cls_lookup() the first match of the reference
 *   matcher (selftests/unit/ref.c);
 * - ndvmfw_elem_has(), which antispoof uses, must agree with the reference
 *   on the packets' source addresses;
 * - a build with a bound below what the first build used must fail with
 *   -E2BIG, without leaking (LeakSanitizer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "ref.h"

#define FUZZ_CLS_MAX	(16UL << 20)	/* bytes of one family's classifier */
#define FUZZ_PKTS	16
#define FUZZ_ELEMS	16		/* elements checked with elem_has */

/* Choices: the bytes after the NUL, then a generator. */
struct fuzz_src {
	const u8 *p;
	size_t n;
	u64 rng;
};

static u32 fuzz_u32(struct fuzz_src *s)
{
	u32 v = 0;
	int i;

	if (s->n >= 4) {
		for (i = 0; i < 4; i++)
			v = v << 8 | *s->p++;
		s->n -= 4;
		return v;
	}
	s->n = 0;
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng >> 11;
}

/* A number below @n (0 if @n is 0); one byte when that is enough. */
static u32 fuzz_pick(struct fuzz_src *s, u32 n)
{
	if (n <= 1)
		return 0;
	if (n <= 256 && s->n) {
		s->n--;
		return *s->p++ % n;
	}
	return fuzz_u32(s) % n;
}

static void fuzz_fail(const char *what, int a, int b)
{
	fprintf(stderr, "fuzz_compile: %s (%d, %d)\n", what, a, b);
	abort();
}

/* An interface name near one a rule names, or "" (none). */
static void fuzz_ifname(const struct ndvmfw_ruleset *rs, struct fuzz_src *s,
			char *name)
{
	const struct ndvmfw_iface *i = NULL;
	const struct ndvmfw_rule *r;
	size_t len;

	memset(name, 0, IFNAMSIZ);
	if (!fuzz_pick(s, 6))
		return;
	if (rs->nrules) {
		r = &rs->rules[fuzz_pick(s, rs->nrules)];
		i = fuzz_pick(s, 2) ? &r->iif : &r->oif;
	}
	if (i && i->mode != NDVMFW_IFACE_NONE)
		memcpy(name, i->name, IFNAMSIZ - 1);
	else
		strcpy(name, "vif1.0");
	len = strlen(name);
	switch (fuzz_pick(s, 4)) {
	case 1:		/* a byte less */
		if (len)
			name[len - 1] = '\0';
		break;
	case 2:		/* a byte more, from '0' up, not ':' */
		if (len < IFNAMSIZ - 1)
			name[len] = '0' + fuzz_pick(s, 0xff - '0');
		if (name[len] == ':')
			name[len] = ';';
		break;
	case 3:		/* the last byte one off */
		if (len && name[len - 1] > '0' && name[len - 1] < '~')
			name[len - 1] += fuzz_pick(s, 2) ? 1 : -1;
		break;
	}
}

/* Add @d (+1 or -1) to the big-endian number @a of @len bytes. */
static void fuzz_addr_add(u8 *a, unsigned int len, int d)
{
	while (len--) {
		a[len] += d;
		if (a[len] != (d > 0 ? 0x00 : 0xff))
			return;
	}
}

/* An address at or next to the bounds of an element, or any address. */
static void fuzz_addr(const struct ndvmfw_ruleset *rs, struct fuzz_src *s,
		      bool v6, u8 *a)
{
	unsigned int len = v6 ? 16 : 4, i, b, m;
	const struct ndvmfw_elem *e = NULL;
	u8 fam = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	for (i = 0; rs->nelems && i < 4 && !e; i++) {
		e = &rs->elems[fuzz_pick(s, rs->nelems)];
		if (e->family != fam)
			e = NULL;
	}
	if (!e || !fuzz_pick(s, 8)) {
		for (i = 0; i < len; i++)
			a[i] = fuzz_pick(s, 256);
		return;
	}
	memcpy(a, e->addr, len);
	m = fuzz_pick(s, 6);
	switch (m) {
	case 1:		/* the last address of the prefix */
	case 2:		/* one past it */
	case 5:		/* anywhere in it */
		for (b = e->plen; b < len * 8; b++)
			if (m != 5 || fuzz_pick(s, 2))
				a[b / 8] |= 0x80 >> (b % 8);
		if (m == 2)
			fuzz_addr_add(a, len, 1);
		break;
	case 3:		/* one before the prefix */
		fuzz_addr_add(a, len, -1);
		break;
	case 4:		/* one bit flipped */
		b = fuzz_pick(s, len * 8);
		a[b / 8] ^= 0x80 >> (b % 8);
		break;
	}
}

/* A port at or next to the ends of a range a rule names, or any port. */
static u16 fuzz_port(const struct ndvmfw_ruleset *rs, struct fuzz_src *s)
{
	const struct ndvmfw_port_range *r;

	if (!rs->nports || !fuzz_pick(s, 6))
		return fuzz_pick(s, 65536);
	r = &rs->ports[fuzz_pick(s, rs->nports)];
	return ref_port_edge(r, fuzz_pick(s, 4));
}

static void fuzz_pkt(const struct ndvmfw_ruleset *rs, struct fuzz_src *s,
		     struct pkt *p)
{
	static const u8 protos[] = { 6, 17, 1, 58, 132, 136, 33, 47 };
	const struct ndvmfw_icmp *ic;
	const struct ndvmfw_rule *r;

	memset(p, 0, sizeof(*p));
	p->v6 = fuzz_pick(s, 2);
	fuzz_ifname(rs, s, p->iif);
	fuzz_ifname(rs, s, p->oif);
	r = rs->nrules ? &rs->rules[fuzz_pick(s, rs->nrules)] : NULL;
	if (r && r->proto != NDVMFW_PROTO_ANY && fuzz_pick(s, 4))
		p->proto = r->proto;
	else if (fuzz_pick(s, 4))
		p->proto = protos[fuzz_pick(s, ARRAY_SIZE(protos))];
	else
		p->proto = fuzz_pick(s, 256);
	fuzz_addr(rs, s, p->v6, p->saddr);
	fuzz_addr(rs, s, p->v6, p->daddr);
	p->has_l4 = fuzz_pick(s, 8) != 0;	/* else a later fragment */
	p->sport = fuzz_port(rs, s);
	p->dport = fuzz_port(rs, s);
	if (rs->nicmp && fuzz_pick(s, 4)) {
		ic = &rs->icmp[fuzz_pick(s, rs->nicmp)];
		p->type = ic->type + fuzz_pick(s, 3) - 1;
		p->code = ic->code + fuzz_pick(s, 3) - 1;
	} else {
		p->type = fuzz_pick(s, 256);
		p->code = fuzz_pick(s, 256);
	}
	p->state = 1U << fuzz_pick(s, 5);	/* the last: UNTRACKED */
}

static void fuzz_elem_has(const struct ndvmfw_ruleset *rs,
			  const struct pkt *p)
{
	u8 fam = p->v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	u32 i;

	for (i = 0; i < rs->nelems && i < FUZZ_ELEMS; i++)
		if (ndvmfw_elem_has(&rs->elems[i], fam, p->saddr) !=
		    !!ref_elem(&rs->elems[i], p->v6, p->saddr))
			fuzz_fail("ndvmfw_elem_has and the reference differ",
				  i, 0);
}

static u64 fuzz_hash(const u8 *data, size_t size)
{
	u64 h = 14695981039346656037ULL;

	while (size--) {
		h ^= *data++;
		h *= 1099511628211ULL;
	}
	return h | 1;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct ndvmfw_cls *cls[2] = { NULL, NULL }, *small = NULL;
	u8 digest[NDVMFW_DIGEST_LEN];
	const u8 *nul = memchr(data, 0, size);
	size_t len = nul ? (size_t)(nul - data) : size;
	struct ndvmfw_error e;
	struct ndvmfw_key key;
	struct fuzz_src s;
	struct fw_rules r;
	struct pkt p;
	size_t bytes;
	s32 want, got;
	int i, ret;

	if (fw_parse_buf("in", (const char *)data, len, &r, NULL, 0))
		return 0;
	ret = ndvmfw_ruleset_check(&r.rs, &e);
	if (ret)
		fuzz_fail("parsed, but the module's check refuses it", ret, 0);
	ndvmfw_ruleset_digest(&r.rs, digest);
	for (i = 0; i < 2; i++) {
		ret = ndvmfw_cls_build(&r.rs, i ? NFPROTO_IPV6 : NFPROTO_IPV4,
				       FUZZ_CLS_MAX, &cls[i]);
		if (ret == -E2BIG)
			goto out;
		if (ret)
			fuzz_fail("ndvmfw_cls_build failed", ret, i);
		if (ndvmfw_cls_bytes(cls[i]) > FUZZ_CLS_MAX)
			fuzz_fail("classifier beyond its bound", i, 0);
	}
	s.p = nul ? nul + 1 : NULL;
	s.n = nul ? size - len - 1 : 0;
	s.rng = fuzz_hash(data, size);
	for (i = 0; i < FUZZ_PKTS; i++) {
		fuzz_pkt(&r.rs, &s, &p);
		pkt_key(&p, &key);
		want = ref_lookup(&r.rs, &p);
		got = ndvmfw_cls_lookup(cls[p.v6], &key);
		if (want != got)
			fuzz_fail("classifier and reference differ", want, got);
		fuzz_elem_has(&r.rs, &p);
	}
	i = fuzz_pick(&s, 2);
	bytes = ndvmfw_cls_bytes(cls[i]);
	ret = ndvmfw_cls_build(&r.rs, i ? NFPROTO_IPV6 : NFPROTO_IPV4,
			       fuzz_pick(&s, bytes), &small);
	if (ret != -E2BIG)
		fuzz_fail("a build below its size did not fail with E2BIG", ret,
			  i);
out:
	ndvmfw_cls_free(cls[0]);
	ndvmfw_cls_free(cls[1]);
	fw_rules_free(&r);
	return 0;
}
