// SPDX-License-Identifier: GPL-2.0
/*
 * Semantic checks and the canonical digest of a rule set. The module runs
 * them on what it received over netlink, fwctl on what it parsed, so that
 * "fwctl check" refuses exactly what the kernel would and prints the digest
 * the kernel will report.
 */
#include "core.h"

bool ndvmfw_proto_has_ports(u16 proto)
{
	switch (proto) {
	case 6:		/* tcp */
	case 17:	/* udp */
	case 33:	/* dccp */
	case 132:	/* sctp */
	case 136:	/* udplite */
		return true;
	}
	return false;
}

static u8 ndvmfw_family_bit(u8 family)
{
	return family == NFPROTO_IPV4 ? NDVMFW_FAM_IP : NDVMFW_FAM_IP6;
}

/* The rule language's word for a verdict; NULL if there is none. */
const char *ndvmfw_verdict_name(u8 verdict)
{
	switch (verdict) {
	case NDVMFW_DROP:
		return "drop";
	case NDVMFW_ACCEPT:
		return "accept";
	case NDVMFW_REJECT:
		return "reject";
	case NDVMFW_MASQUERADE:
		return "masquerade";
	}
	return NULL;
}

const char *ndvmfw_elem_check(const struct ndvmfw_elem *e)
{
	unsigned int alen, i;

	if (e->family == NFPROTO_IPV4)
		alen = 4;
	else if (e->family == NFPROTO_IPV6)
		alen = 16;
	else
		return "address family must be ip or ip6";
	if (e->plen > alen * 8)
		return "prefix length too long for the address family";
	for (i = 0; i < sizeof(e->addr); i++) {
		u8 keep;

		if (i >= alen)
			keep = 0;
		else if (8 * (i + 1) <= e->plen)
			keep = 0xff;
		else if (8 * i >= e->plen)
			keep = 0;
		else
			keep = 0xff << (8 - (e->plen - 8 * i));
		if (e->addr[i] & ~keep)
			return "address has host bits set beyond the prefix length";
	}
	return NULL;
}

const char *ndvmfw_set_name_check(const char *name)
{
	size_t i, len = strnlen(name, NDVMFW_SET_NAME_MAX);

	if (len == NDVMFW_SET_NAME_MAX)
		return "set name too long";
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return "set name may only hold [A-Za-z0-9_.-]";
	}
	return NULL;
}

static const char *ndvmfw_iface_check(const struct ndvmfw_iface *i)
{
	size_t len = strnlen(i->name, IFNAMSIZ);

	if (len == IFNAMSIZ)
		return "interface name too long";
	switch (i->mode) {
	case NDVMFW_IFACE_NONE:
		return len ? "interface name without a match mode" : NULL;
	case NDVMFW_IFACE_EXACT:
		return len ? NULL : "empty interface name";
	case NDVMFW_IFACE_PREFIX:
		return NULL;
	}
	return "bad interface match mode";
}

/**
 * ndvmfw_iface_match - whether an interface name matches a rule's iface
 * @i: a checked iface (NDVMFW_IFACE_NONE matches every name)
 * @name: the interface name
 */
bool ndvmfw_iface_match(const struct ndvmfw_iface *i, const char *name)
{
	switch (i->mode) {
	case NDVMFW_IFACE_EXACT:
		return !strncmp(i->name, name, IFNAMSIZ);
	case NDVMFW_IFACE_PREFIX:
		return !strncmp(i->name, name, strnlen(i->name, IFNAMSIZ));
	}
	return true;
}

/**
 * ndvmfw_elem_has - whether an address is in a set element
 * @e: a checked element (host or prefix)
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6, the family of @addr
 * @addr: 4 or 16 bytes, network byte order
 */
bool ndvmfw_elem_has(const struct ndvmfw_elem *e, u8 family, const void *addr)
{
	unsigned int full = e->plen / 8, rest = e->plen % 8;
	const u8 *a = addr;

	if (e->family != family || memcmp(e->addr, a, full))
		return false;
	return !rest || !((e->addr[full] ^ a[full]) & (0xff00 >> rest));
}

/* The families of a set's elements, once: a set may serve many rules. */
static void ndvmfw_set_families(struct ndvmfw_ruleset *rs, u32 set)
{
	struct ndvmfw_set *s = &rs->sets[set];
	u32 i;

	s->fam = 0;
	for (i = 0; i < s->count &&
	     s->fam != (NDVMFW_FAM_IP | NDVMFW_FAM_IP6); i++)
		s->fam |= ndvmfw_family_bit(rs->elems[s->first + i].family);
}

/**
 * ndvmfw_rule_families - the address families a rule can match
 * @rs: the rule set holding @r, its sets' families filled in (by
 *	ndvmfw_ruleset_check(), before it checks the rules)
 * @r: a rule whose sets exist
 *
 * Return: a mask of NDVMFW_FAM_IP and NDVMFW_FAM_IP6; 0 if the rule can
 * match no packet (e.g. it names an empty set).
 */
u8 ndvmfw_rule_families(const struct ndvmfw_ruleset *rs,
			const struct ndvmfw_rule *r)
{
	u8 fam = NDVMFW_FAM_IP | NDVMFW_FAM_IP6;

	if (r->family)
		fam = ndvmfw_family_bit(r->family);
	if (r->src.set != NDVMFW_SET_NONE)
		fam &= rs->sets[r->src.set].fam;
	if (r->dst.set != NDVMFW_SET_NONE)
		fam &= rs->sets[r->dst.set].fam;
	return fam;
}

static const char *ndvmfw_endpoint_check(const struct ndvmfw_ruleset *rs,
					 const struct ndvmfw_rule *r,
					 const struct ndvmfw_endpoint *ep)
{
	u32 i;

	if (ep->set != NDVMFW_SET_NONE && ep->set >= rs->nsets)
		return "reference to a set that does not exist";
	if (!ep->port_count)
		return NULL;
	if (ep->port_count > NDVMFW_MAX_PORTS)
		return "too many port ranges";
	if (ep->port_first > rs->nports ||
	    ep->port_count > rs->nports - ep->port_first)
		return "port list out of bounds";
	if (!ndvmfw_proto_has_ports(r->proto))
		return "ports need proto tcp, udp, udplite, sctp or dccp";
	for (i = 0; i < ep->port_count; i++) {
		const struct ndvmfw_port_range *p = &rs->ports[ep->port_first + i];

		if (p->lo > p->hi)
			return "port range ends before it starts";
	}
	return NULL;
}

static const char *ndvmfw_icmp_check(const struct ndvmfw_ruleset *rs,
				     const struct ndvmfw_rule *r)
{
	if (!r->icmp_count)
		return NULL;
	if (r->icmp_count > NDVMFW_MAX_ICMP)
		return "too many icmp types";
	if (r->icmp_first > rs->nicmp ||
	    r->icmp_count > rs->nicmp - r->icmp_first)
		return "icmp list out of bounds";
	if (!(r->proto == 1 && r->family == NFPROTO_IPV4) &&
	    !(r->proto == 58 && r->family == NFPROTO_IPV6))
		return "icmp-type needs proto icmp with family ip, or icmpv6 with family ip6";
	return NULL;
}

/* A NAT rule: where the connection leaves, and from which addresses. */
static const char *ndvmfw_masq_check(const struct ndvmfw_rule *r)
{
	if (r->verdict != NDVMFW_MASQUERADE)
		return NULL;
	if (r->oif.mode == NDVMFW_IFACE_NONE)
		return "masquerade needs out";
	if (r->iif.mode != NDVMFW_IFACE_NONE || r->proto != NDVMFW_PROTO_ANY ||
	    r->dst.set != NDVMFW_SET_NONE || r->src.port_count ||
	    r->dst.port_count || r->icmp_count || r->state || r->flags)
		return "masquerade takes only out, from ADDRS and family";
	return NULL;
}

static int ndvmfw_rule_check(const struct ndvmfw_ruleset *rs,
			     const struct ndvmfw_rule *r, const char **msg)
{
	const char *m = NULL;

	if (r->verdict < NDVMFW_DROP || r->verdict > NDVMFW_VERDICT_MAX)
		m = "bad verdict";
	else if (r->flags & ~__NDVMFW_RULE_F_ALL)
		m = "unknown rule flags";
	else if (r->state & ~__NDVMFW_STATE_ALL)
		m = "unknown connection state";
	else if (r->family && r->family != NFPROTO_IPV4 &&
		 r->family != NFPROTO_IPV6)
		m = "family must be ip or ip6";
	else if (r->proto != NDVMFW_PROTO_ANY && r->proto > 255)
		m = "protocol out of range";
	if (!m)
		m = ndvmfw_iface_check(&r->iif);
	if (!m)
		m = ndvmfw_iface_check(&r->oif);
	if (!m)
		m = ndvmfw_endpoint_check(rs, r, &r->src);
	if (!m)
		m = ndvmfw_endpoint_check(rs, r, &r->dst);
	if (!m)
		m = ndvmfw_icmp_check(rs, r);
	if (!m)
		m = ndvmfw_masq_check(r);
	if (!m && !ndvmfw_rule_families(rs, r) &&
	    (r->src.set == NDVMFW_SET_NONE || rs->sets[r->src.set].count) &&
	    (r->dst.set == NDVMFW_SET_NONE || rs->sets[r->dst.set].count))
		m = "rule can never match: its address families conflict";
	*msg = m;
	return m ? -EINVAL : 0;
}

static bool ndvmfw_mac_unicast(const u8 *mac)
{
	return !(mac[0] & 1) &&
	       (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

static const char *ndvmfw_ifrule_check(const struct ndvmfw_ruleset *rs,
				       const struct ndvmfw_ifrule *f)
{
	static const u8 zero[6];
	const char *m;
	u32 i;

	m = ndvmfw_iface_check(&f->iface);
	if (m)
		return m;
	if (f->iface.mode == NDVMFW_IFACE_NONE)
		return "interface statement without an interface";
	if (strnlen(f->bridge, IFNAMSIZ) == IFNAMSIZ)
		return "bridge name too long";
	switch (f->kind) {
	case NDVMFW_IFRULE_BIND:
		if (f->iface.mode != NDVMFW_IFACE_EXACT)
			return "bind needs an interface name, not a pattern";
		if (!ndvmfw_mac_unicast(f->mac))
			return "bind needs a unicast MAC address";
		if (f->set >= rs->nsets)
			return "bind needs a set of addresses";
		if (f->bridge[0])
			return "bind takes no bridge";
		for (i = 0; i < rs->nifrules; i++) {
			const struct ndvmfw_ifrule *g = &rs->ifrules[i];

			if (g != f && g->kind == NDVMFW_IFRULE_BIND &&
			    !strncmp(g->iface.name, f->iface.name, IFNAMSIZ))
				return "interface bound twice";
			if (g == f)
				break;
		}
		return NULL;
	case NDVMFW_IFRULE_ANTISPOOF:
	case NDVMFW_IFRULE_HOTPLUG:
		if (memcmp(f->mac, zero, sizeof(zero)) ||
		    f->set != NDVMFW_SET_NONE)
			return "only bind takes a MAC and addresses";
		if (f->kind == NDVMFW_IFRULE_HOTPLUG && !f->bridge[0])
			return "hotplug needs a bridge";
		if (f->kind == NDVMFW_IFRULE_ANTISPOOF && f->bridge[0])
			return "antispoof takes no bridge";
		return NULL;
	}
	return "unknown interface statement";
}

static int ndvmfw_name_cmp(const void *a, const void *b)
{
	const struct ndvmfw_set *x = *(const struct ndvmfw_set * const *)a;
	const struct ndvmfw_set *y = *(const struct ndvmfw_set * const *)b;

	return strcmp(x->name, y->name);
}

/*
 * Named sets have unique names; anonymous sets are referenced once (the
 * digest hashes one where it is used: shared, its cost would multiply).
 */
static void ndvmfw_set_use(u8 *used, u32 set)
{
	if (set != NDVMFW_SET_NONE && used[set] < 2)
		used[set]++;
}

static int ndvmfw_sets_check(const struct ndvmfw_ruleset *rs,
			     struct ndvmfw_error *err)
{
	const struct ndvmfw_set **named;
	u8 *used;
	u32 i, n = 0;
	int ret = 0;

	used = ndvmfw_zalloc_array(rs->nsets, 1);
	named = ndvmfw_alloc_array(rs->nsets, sizeof(*named));
	if (!used || !named) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < rs->nrules; i++) {
		ndvmfw_set_use(used, rs->rules[i].src.set);
		ndvmfw_set_use(used, rs->rules[i].dst.set);
	}
	for (i = 0; i < rs->nifrules; i++)
		ndvmfw_set_use(used, rs->ifrules[i].set);
	for (i = 0; i < rs->nsets; i++) {
		if (rs->sets[i].name[0])
			named[n++] = &rs->sets[i];
		else if (used[i] != 1)
			break;
	}
	if (i < rs->nsets) {
		err->msg = used[i] ? "anonymous set referenced more than once" :
				     "anonymous set not referenced by any rule";
		err->where = NDVMFW_AT_SET;
		err->index = i;
		ret = -EINVAL;
		goto out;
	}
	ndvmfw_sort(named, n, sizeof(*named), ndvmfw_name_cmp);
	for (i = 1; i < n; i++) {
		if (!strcmp(named[i - 1]->name, named[i]->name)) {
			err->msg = "duplicate set name";
			err->where = NDVMFW_AT_SET;
			err->index = named[i] - rs->sets;
			ret = -EINVAL;
			break;
		}
	}
out:
	ndvmfw_free(named);
	ndvmfw_free(used);
	return ret;
}

/**
 * ndvmfw_ruleset_check - validate a whole rule set
 * @rs: the rule set; the check fills in each set's families (fam)
 * @err: where to put the reason and the offending item on failure
 *
 * Return: 0, -EINVAL, -E2BIG (a limit) or -ENOMEM.
 */
int ndvmfw_ruleset_check(struct ndvmfw_ruleset *rs,
			 struct ndvmfw_error *err)
{
	const char *msg;
	u32 i;
	int ret;

	err->where = NDVMFW_AT_RULESET;
	err->index = 0;
	if (rs->policy != NDVMFW_DROP && rs->policy != NDVMFW_ACCEPT) {
		err->msg = "policy must be drop or accept";
		return -EINVAL;
	}
	if (rs->nrules > NDVMFW_MAX_RULES || rs->nsets > NDVMFW_MAX_SETS ||
	    rs->nelems > NDVMFW_MAX_ELEMS ||
	    rs->nifrules > NDVMFW_MAX_IFRULES) {
		err->msg = "rule set exceeds the limits of rules, sets or elements";
		return -E2BIG;
	}
	for (i = 0; i < rs->nifrules; i++) {
		const struct ndvmfw_ifrule *f = &rs->ifrules[i];

		if (f->kind == NDVMFW_IFRULE_BIND && f->set < rs->nsets &&
		    rs->sets[f->set].count > NDVMFW_MAX_BIND_ADDRS) {
			err->msg = "bind names more than "
				   __stringify(NDVMFW_MAX_BIND_ADDRS)
				   " addresses";
			err->where = NDVMFW_AT_IFRULE;
			err->index = i;
			return -E2BIG;
		}
	}
	for (i = 0; i < rs->nsets; i++) {
		const struct ndvmfw_set *s = &rs->sets[i];

		msg = ndvmfw_set_name_check(s->name);
		if (!msg && (s->first > rs->nelems ||
			     s->count > rs->nelems - s->first))
			msg = "set elements out of bounds";
		if (msg) {
			err->msg = msg;
			err->where = NDVMFW_AT_SET;
			err->index = i;
			return -EINVAL;
		}
	}
	for (i = 0; i < rs->nelems; i++) {
		msg = ndvmfw_elem_check(&rs->elems[i]);
		if (msg) {
			err->msg = msg;
			err->where = NDVMFW_AT_ELEM;
			err->index = i;
			return -EINVAL;
		}
	}
	for (i = 0; i < rs->nsets; i++)
		ndvmfw_set_families(rs, i);
	for (i = 0; i < rs->nrules; i++) {
		ret = ndvmfw_rule_check(rs, &rs->rules[i], &err->msg);
		if (ret) {
			err->where = NDVMFW_AT_RULE;
			err->index = i;
			return ret;
		}
		if (!(i & 1023))
			ndvmfw_yield();
	}
	for (i = 0; i < rs->nifrules; i++) {
		msg = ndvmfw_ifrule_check(rs, &rs->ifrules[i]);
		if (msg) {
			err->msg = msg;
			err->where = NDVMFW_AT_IFRULE;
			err->index = i;
			return -EINVAL;
		}
	}
	return ndvmfw_sets_check(rs, err);
}

/* ---- canonical encoding, see uapi/ndvmfw.h ---- */

static void ndvmfw_put8(struct ndvmfw_sha256 *c, u8 v)
{
	ndvmfw_sha256_update(c, &v, 1);
}

static void ndvmfw_put16(struct ndvmfw_sha256 *c, u16 v)
{
	u8 b[2] = { v >> 8, v };

	ndvmfw_sha256_update(c, b, sizeof(b));
}

static void ndvmfw_put32(struct ndvmfw_sha256 *c, u32 v)
{
	u8 b[4] = { v >> 24, v >> 16, v >> 8, v };

	ndvmfw_sha256_update(c, b, sizeof(b));
}

static void ndvmfw_put_str(struct ndvmfw_sha256 *c, const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	ndvmfw_put8(c, len);
	ndvmfw_sha256_update(c, s, len);
}

static void ndvmfw_put_elems(struct ndvmfw_sha256 *c,
			     const struct ndvmfw_ruleset *rs,
			     const struct ndvmfw_set *s)
{
	u32 i;

	ndvmfw_put32(c, s->count);
	for (i = 0; i < s->count; i++) {
		const struct ndvmfw_elem *e = &rs->elems[s->first + i];

		ndvmfw_put8(c, e->family);
		ndvmfw_put8(c, e->plen);
		ndvmfw_sha256_update(c, e->addr,
				     e->family == NFPROTO_IPV4 ? 4 : 16);
		if (!(i & 0xffff))
			ndvmfw_yield();
	}
}

static void ndvmfw_put_iface(struct ndvmfw_sha256 *c,
			     const struct ndvmfw_iface *i)
{
	ndvmfw_put8(c, i->mode);
	ndvmfw_put_str(c, i->name, IFNAMSIZ);
}

static void ndvmfw_put_setref(struct ndvmfw_sha256 *c,
			      const struct ndvmfw_ruleset *rs, u32 set)
{
	if (set == NDVMFW_SET_NONE) {
		ndvmfw_put8(c, 0);
	} else if (rs->sets[set].name[0]) {
		ndvmfw_put8(c, 1);
		ndvmfw_put_str(c, rs->sets[set].name, NDVMFW_SET_NAME_MAX);
	} else {
		ndvmfw_put8(c, 2);
		ndvmfw_put_elems(c, rs, &rs->sets[set]);
	}
}

static void ndvmfw_put_endpoint(struct ndvmfw_sha256 *c,
				const struct ndvmfw_ruleset *rs,
				const struct ndvmfw_endpoint *ep)
{
	u32 i;

	ndvmfw_put_setref(c, rs, ep->set);
	ndvmfw_put16(c, ep->port_count);
	for (i = 0; i < ep->port_count; i++) {
		ndvmfw_put16(c, rs->ports[ep->port_first + i].lo);
		ndvmfw_put16(c, rs->ports[ep->port_first + i].hi);
	}
}

static void ndvmfw_put_rule(struct ndvmfw_sha256 *c,
			    const struct ndvmfw_ruleset *rs,
			    const struct ndvmfw_rule *r)
{
	u32 i;

	ndvmfw_put8(c, r->verdict);
	ndvmfw_put32(c, r->flags);
	ndvmfw_put_iface(c, &r->iif);
	ndvmfw_put_iface(c, &r->oif);
	ndvmfw_put8(c, r->family);
	ndvmfw_put16(c, r->proto);
	ndvmfw_put32(c, r->state);
	ndvmfw_put_endpoint(c, rs, &r->src);
	ndvmfw_put_endpoint(c, rs, &r->dst);
	ndvmfw_put16(c, r->icmp_count);
	for (i = 0; i < r->icmp_count; i++) {
		const struct ndvmfw_icmp *ic = &rs->icmp[r->icmp_first + i];

		ndvmfw_put8(c, ic->type);
		ndvmfw_put8(c, ic->has_code ? ic->code : 0);
		ndvmfw_put8(c, ic->has_code);
	}
}

/**
 * ndvmfw_ruleset_digest - SHA-256 of the canonical encoding of a rule set
 * @rs: a rule set that passed ndvmfw_ruleset_check()
 * @digest: NDVMFW_DIGEST_LEN bytes of output
 *
 * Anonymous sets are hashed where they are used, so the digest does not
 * depend on how they happen to be numbered; named sets are hashed in the
 * order they are defined, and rules name them.
 */
void ndvmfw_ruleset_digest(const struct ndvmfw_ruleset *rs, u8 *digest)
{
	static const u8 magic[8] = { 'n', 'd', 'v', 'm', 'f', 'w', 0, 2 };
	struct ndvmfw_sha256 c;
	u32 i;

	ndvmfw_sha256_init(&c);
	ndvmfw_sha256_update(&c, magic, sizeof(magic));
	ndvmfw_put8(&c, rs->policy);
	for (i = 0; i < rs->nsets; i++) {
		if (!rs->sets[i].name[0])
			continue;
		ndvmfw_put8(&c, 1);
		ndvmfw_put_str(&c, rs->sets[i].name, NDVMFW_SET_NAME_MAX);
		ndvmfw_put_elems(&c, rs, &rs->sets[i]);
	}
	ndvmfw_put8(&c, 0);
	ndvmfw_put32(&c, rs->nrules);
	for (i = 0; i < rs->nrules; i++) {
		ndvmfw_put_rule(&c, rs, &rs->rules[i]);
		if (!(i & 1023))
			ndvmfw_yield();
	}
	ndvmfw_put32(&c, rs->nifrules);
	for (i = 0; i < rs->nifrules; i++) {
		const struct ndvmfw_ifrule *f = &rs->ifrules[i];

		ndvmfw_put8(&c, f->kind);
		ndvmfw_put_iface(&c, &f->iface);
		ndvmfw_sha256_update(&c, f->mac, sizeof(f->mac));
		ndvmfw_put_setref(&c, rs, f->set);
		ndvmfw_put_str(&c, f->bridge, IFNAMSIZ);
	}
	ndvmfw_sha256_final(&c, digest);
}
