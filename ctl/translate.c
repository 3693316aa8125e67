// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl translate FILE: the rule set as an equivalent nftables ruleset, for
 * users who know nft and as the test oracle. One inet table with the
 * filter hooks ndvmfw uses (input, forward, output), the policy as the
 * chain policy and the rules in the same order; masquerade rules in a nat
 * chain at postrouting. Then one bridge table with a forward chain for
 * what a bridge forwards from port to port, where non-IP frames pass, as
 * in ndvmfw; nftables cannot reject there (nft_reject_bridge only works
 * at prerouting and input), so reject rules become drop rules, marked with
 * a comment line. A rule that names address
 * sets becomes one nft rule per address family (nft sets are typed); a
 * rule that needs several nft statements of one kind (icmp types with and
 * without codes, reject of TCP and the rest) becomes consecutive nft rules
 * with the same verdict, which first-match semantics keeps equivalent.
 * Each nft rule carries a counter and the comment "rule N" of the ndvmfw
 * rule it comes from, so that counters can be compared rule by rule.
 * Interfaces that "antispoof" covers and that have a "bind" statement get
 * an ingress chain each in a netdev table, with the same checks, except
 * that of Neighbour Discovery's options only the first is checked (nft
 * cannot walk them; a comment line says so); the identities the module
 * reads from xenstore and "hotplug" have no nft counterpart, said in
 * comment lines. Every filter chain starts by
 * dropping fragments, as the module does with a fragment that no
 * defragmenter reassembled (on a bridge, every fragment while no filter
 * rule uses "state"), before any rule sees it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "fwctl.h"
#include "parse.h"

enum fw_chain { FW_INPUT, FW_FORWARD, FW_OUTPUT, FW_POSTROUTING,
		FW_BRIDGE_FORWARD };

static const char *const fw_chain_names[] = { "input", "forward", "output",
					      "postrouting", "forward" };

/* The pieces of one nft rule, each already formatted. */
struct fw_nft_rule {
	char match[8192];
	char icmp[1024];
	char verdict[128];
	u32 idx;		/* the ndvmfw rule, 0-based */
	bool bridge;		/* in the bridge table */
};

static void fw_cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void fw_set_name(char *buf, size_t len, const char *name, u8 family)
{
	snprintf(buf, len, "%s%s_v%c", isalpha((unsigned char)name[0]) ?
		 "" : "s_", name, family == NFPROTO_IPV4 ? '4' : '6');
}

static void fw_elem(char *buf, size_t len, const struct ndvmfw_elem *e)
{
	char a[INET6_ADDRSTRLEN];
	bool v6 = e->family == NFPROTO_IPV6;

	inet_ntop(v6 ? AF_INET6 : AF_INET, e->addr, a, sizeof(a));
	if (e->plen == (v6 ? 128 : 32))
		fw_cat(buf, len, "%s", a);
	else
		fw_cat(buf, len, "%s/%u", a, e->plen);
}

/* The elements of set @s in @family, comma-separated; returns the count. */
static u32 fw_elems(char *buf, size_t len, const struct ndvmfw_ruleset *rs,
		    const struct ndvmfw_set *s, u8 family)
{
	u32 i, n = 0;

	for (i = 0; i < s->count; i++) {
		const struct ndvmfw_elem *e = &rs->elems[s->first + i];

		if (e->family != family)
			continue;
		if (n++)
			fw_cat(buf, len, ", ");
		fw_elem(buf, len, e);
	}
	return n;
}

static void fw_print_sets(FILE *f, const struct ndvmfw_ruleset *rs)
{
	static const u8 families[] = { NFPROTO_IPV4, NFPROTO_IPV6 };
	static char elems[1 << 20];
	char name[64];
	unsigned int k;
	u32 i;

	for (i = 0; i < rs->nsets; i++) {
		if (!rs->sets[i].name[0])
			continue;
		for (k = 0; k < ARRAY_SIZE(families); k++) {
			elems[0] = 0;
			if (!fw_elems(elems, sizeof(elems), rs, &rs->sets[i],
				      families[k]))
				continue;
			fw_set_name(name, sizeof(name), rs->sets[i].name,
				    families[k]);
			fprintf(f, "\tset %s {\n\t\ttype %s\n", name,
				families[k] == NFPROTO_IPV4 ? "ipv4_addr" :
							      "ipv6_addr");
			fprintf(f, "\t\tflags interval\n\t\tauto-merge\n");
			fprintf(f, "\t\telements = { %s }\n\t}\n\n", elems);
		}
	}
}

static void fw_iface(char *buf, size_t len, const char *key,
		     const struct ndvmfw_iface *i)
{
	if (i->mode == NDVMFW_IFACE_EXACT)
		fw_cat(buf, len, "%sname \"%s\" ", key, i->name);
	else if (i->mode == NDVMFW_IFACE_PREFIX && i->name[0])
		fw_cat(buf, len, "%sname \"%s*\" ", key, i->name);
	/* an empty prefix matches any interface, always there in chain */
}

static void fw_addr(char *buf, size_t len, const struct ndvmfw_ruleset *rs,
		    const struct ndvmfw_endpoint *ep, const char *dir,
		    u8 family)
{
	static char elems[1 << 16];
	const struct ndvmfw_set *s;
	char name[64];

	if (ep->set == NDVMFW_SET_NONE)
		return;
	s = &rs->sets[ep->set];
	fw_cat(buf, len, "%s %s ", family == NFPROTO_IPV4 ? "ip" : "ip6", dir);
	if (s->name[0]) {
		fw_set_name(name, sizeof(name), s->name, family);
		fw_cat(buf, len, "@%s ", name);
		return;
	}
	elems[0] = 0;
	if (fw_elems(elems, sizeof(elems), rs, s, family) == 1)
		fw_cat(buf, len, "%s ", elems);	/* an address or a prefix */
	else
		fw_cat(buf, len, "{ %s } ", elems);
}

static void fw_ports(char *buf, size_t len, const struct ndvmfw_ruleset *rs,
		     const struct ndvmfw_endpoint *ep, const char *dir)
{
	bool one = ep->port_count == 1;
	u32 i;

	if (!ep->port_count)
		return;
	fw_cat(buf, len, "th %s %s", dir, one ? "" : "{ ");
	for (i = 0; i < ep->port_count; i++) {
		const struct ndvmfw_port_range *p = &rs->ports[ep->port_first + i];

		fw_cat(buf, len, "%s%u", i ? ", " : "", p->lo);
		if (p->hi != p->lo)
			fw_cat(buf, len, "-%u", p->hi);
	}
	fw_cat(buf, len, "%s", one ? " " : " } ");
}

static void fw_state(char *buf, size_t len, u32 state)
{
	u32 bit;
	bool first = true;

	if (!state)
		return;
	fw_cat(buf, len, "ct state { ");
	for (bit = 1; bit <= __NDVMFW_STATE_ALL; bit <<= 1) {
		if (!(state & bit))
			continue;
		fw_cat(buf, len, "%s%s", first ? "" : ", ", fw_state_name(bit));
		first = false;
	}
	fw_cat(buf, len, " } ");
}

static void fw_emit(FILE *f, const struct fw_nft_rule *n, const char *extra,
		    const char *verdict)
{
	fprintf(f, "\t\t%s%s%scounter %s comment \"rule %u\"\n", n->match,
		n->icmp, extra, verdict, n->idx + 1);
}

/* The verdict part, with reject split into TCP and the rest. */
static void fw_emit_verdict(FILE *f, const struct fw_nft_rule *n,
			    const struct ndvmfw_rule *r)
{
	if (r->verdict != NDVMFW_REJECT) {
		fw_emit(f, n, "", n->verdict);
		return;
	}
	if (n->bridge) {
		fprintf(f, "\t\t# rule %u rejects: nft cannot reject here, it drops\n",
			n->idx + 1);
		fw_emit(f, n, "", n->verdict);
		return;
	}
	if (r->proto == 6) {
		fw_emit(f, n, "", "reject with tcp reset");
		return;
	}
	if (r->proto == NDVMFW_PROTO_ANY)
		fw_emit(f, n, "meta l4proto tcp ", "reject with tcp reset");
	fw_emit(f, n, "", "reject with icmpx type port-unreachable");
}

/* One family's variant of rule @idx: icmp types with and without codes. */
static void fw_emit_icmp(FILE *f, struct fw_nft_rule *n,
			 const struct ndvmfw_ruleset *rs,
			 const struct ndvmfw_rule *r)
{
	const char *kw = r->proto == 58 ? "icmpv6" : "icmp";
	bool any = false;
	u32 i;

	if (!r->icmp_count) {
		n->icmp[0] = 0;
		fw_emit_verdict(f, n, r);
		return;
	}
	snprintf(n->icmp, sizeof(n->icmp), "%s type { ", kw);
	for (i = 0; i < r->icmp_count; i++) {
		const struct ndvmfw_icmp *ic = &rs->icmp[r->icmp_first + i];

		if (ic->has_code)
			continue;
		fw_cat(n->icmp, sizeof(n->icmp), "%s%u", any ? ", " : "",
		       ic->type);
		any = true;
	}
	fw_cat(n->icmp, sizeof(n->icmp), " } ");
	if (any)
		fw_emit_verdict(f, n, r);
	for (i = 0; i < r->icmp_count; i++) {
		const struct ndvmfw_icmp *ic = &rs->icmp[r->icmp_first + i];

		if (!ic->has_code)
			continue;
		snprintf(n->icmp, sizeof(n->icmp), "%s type %u %s code %u ",
			 kw, ic->type, kw, ic->code);
		fw_emit_verdict(f, n, r);
	}
}

static void fw_translate_rule(FILE *f, const struct ndvmfw_ruleset *rs,
			      u32 idx, enum fw_chain chain)
{
	static struct fw_nft_rule n;
	const struct ndvmfw_rule *r = &rs->rules[idx];
	u8 fams = ndvmfw_rule_families(rs, r), k;
	bool split = r->family || r->src.set != NDVMFW_SET_NONE ||
		     r->dst.set != NDVMFW_SET_NONE;
	bool nat = r->verdict == NDVMFW_MASQUERADE;
	bool nat_chain = chain == FW_POSTROUTING;

	if (nat != nat_chain)
		return;	/* NAT rules in the nat chain, the rest elsewhere */
	if ((r->iif.mode != NDVMFW_IFACE_NONE && chain == FW_OUTPUT) ||
	    (r->oif.mode != NDVMFW_IFACE_NONE && chain == FW_INPUT))
		return;	/* no such interface at this hook: never matches */
	n.idx = idx;
	n.bridge = chain == FW_BRIDGE_FORWARD;
	snprintf(n.verdict, sizeof(n.verdict), "%s%s",
		 r->flags & NDVMFW_RULE_F_LOG ? "log prefix \"ndvmfw: \" " : "",
		 r->verdict == NDVMFW_MASQUERADE ? "masquerade" :
		 r->verdict == NDVMFW_ACCEPT ? "accept" : "drop");
	for (k = NDVMFW_FAM_IP; k <= NDVMFW_FAM_IP6; k <<= 1) {
		u8 family = k == NDVMFW_FAM_IP ? NFPROTO_IPV4 : NFPROTO_IPV6;

		if (!(fams & k))
			continue;
		n.match[0] = 0;
		fw_iface(n.match, sizeof(n.match), "iif", &r->iif);
		fw_iface(n.match, sizeof(n.match), "oif", &r->oif);
		if (split && n.bridge)
			fw_cat(n.match, sizeof(n.match), "meta protocol %s ",
			       family == NFPROTO_IPV4 ? "ip" : "ip6");
		else if (split)
			fw_cat(n.match, sizeof(n.match), "meta nfproto %s ",
			       family == NFPROTO_IPV4 ? "ipv4" : "ipv6");
		if (r->proto != NDVMFW_PROTO_ANY)
			fw_cat(n.match, sizeof(n.match), "meta l4proto %u ",
			       r->proto);
		fw_addr(n.match, sizeof(n.match), rs, &r->src, "saddr", family);
		fw_addr(n.match, sizeof(n.match), rs, &r->dst, "daddr", family);
		fw_ports(n.match, sizeof(n.match), rs, &r->src, "sport");
		fw_ports(n.match, sizeof(n.match), rs, &r->dst, "dport");
		fw_state(n.match, sizeof(n.match), r->state);
		fw_emit_icmp(f, &n, rs, r);
		if (!split)
			break;
	}
}

/*
 * An IPv6 address or prefix as a 128-bit integer, or a range of them: how
 * raw payload (@th,64,128, the target of a neighbour solicitation or
 * advertisement) is compared; nftables 1.0 has no "icmpv6 taddr".
 */
static void fw_raw6(char *buf, size_t len, const u8 *addr, unsigned int plen)
{
	char lo[33], hi[33];
	unsigned int i, bits;
	u8 host;

	for (i = 0; i < 16; i++) {
		bits = plen > 8 * i ? plen - 8 * i : 0;
		host = bits >= 8 ? 0 : 0xff >> bits;
		snprintf(lo + 2 * i, 3, "%02x", addr[i] & ~host & 0xff);
		snprintf(hi + 2 * i, 3, "%02x", addr[i] | host);
	}
	if (plen < 128)
		fw_cat(buf, len, "0x%s-0x%s", lo, hi);
	else
		fw_cat(buf, len, "0x%s", lo);
}

/* An antispoof check: counted, and commented with the reason. */
static void fw_spoof_rule(FILE *f, const char *ifname, const char *why,
			  const char *match)
{
	fprintf(f, "\t\t%s counter drop comment \"antispoof %s %s\"\n", match,
		ifname, why);
}

/* What antispoof lets through from ::, and Neighbour Discovery's prefix */
#define FW_FROM_ANY "nd-router-solicit, nd-neighbor-solicit, " \
	"mld-listener-report, mld-listener-done, mld2-listener-report"
#define FW_ND "ip6 hoplimit 255 icmpv6 type "

/*
 * The first option of Neighbour Discovery messages of @types, at bit @at of
 * the ICMPv6 header: no length 0, and a link-layer address option is
 * 8 bytes long and carries @mac.
 */
static void fw_nd_opt(FILE *f, const char *ifname, const char *types,
		      unsigned int at, const u8 *mac)
{
	char m[256];

	snprintf(m, sizeof(m), FW_ND "%s @th,%u,8 0", types, at + 8);
	fw_spoof_rule(f, ifname, "ip", m);
	snprintf(m, sizeof(m), FW_ND "%s @th,%u,8 { 1, 2 } @th,%u,8 != 1",
		 types, at, at + 8);
	fw_spoof_rule(f, ifname, "ip", m);
	snprintf(m, sizeof(m),
		 FW_ND "%s @th,%u,8 { 1, 2 } @th,%u,48 != 0x%02x%02x%02x%02x%02x%02x",
		 types, at, at + 16, mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	fw_spoof_rule(f, ifname, "ip", m);
}

static bool fw_antispoofed(const struct ndvmfw_ruleset *rs, const char *name)
{
	u32 i;

	for (i = 0; i < rs->nifrules; i++)
		if (rs->ifrules[i].kind == NDVMFW_IFRULE_ANTISPOOF &&
		    ndvmfw_iface_match(&rs->ifrules[i].iface, name))
			return true;
	return false;
}

/* The ingress chain of one bound interface under antispoof. */
static void fw_spoof_chain(FILE *f, const struct ndvmfw_ruleset *rs,
			   const struct ndvmfw_ifrule *b)
{
	static char v4[1 << 16], v6[1 << 16], m[sizeof(v6) + 64];
	static char t[NDVMFW_MAX_BIND_ADDRS * 72 + 40];
	const struct ndvmfw_set *s = &rs->sets[b->set];
	const char *n = b->iface.name;
	char mac[18], chain[IFNAMSIZ + 8];
	struct in6_addr ll;
	char lls[INET6_ADDRSTRLEN];
	size_t i;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", b->mac[0],
		 b->mac[1], b->mac[2], b->mac[3], b->mac[4], b->mac[5]);
	snprintf(chain, sizeof(chain), "spoof_%s", n);
	for (i = 0; chain[i]; i++)
		if (!isalnum((unsigned char)chain[i]))
			chain[i] = '_';
	/* the link-local address derived from the MAC (EUI-64) */
	memset(&ll, 0, sizeof(ll));
	ll.s6_addr[0] = 0xfe;
	ll.s6_addr[1] = 0x80;
	memcpy(ll.s6_addr + 8, b->mac, 3);
	ll.s6_addr[8] ^= 2;
	ll.s6_addr[11] = 0xff;
	ll.s6_addr[12] = 0xfe;
	memcpy(ll.s6_addr + 13, b->mac + 3, 3);
	inet_ntop(AF_INET6, &ll, lls, sizeof(lls));
	v4[0] = 0;
	v6[0] = 0;
	fw_elems(v4, sizeof(v4), rs, s, NFPROTO_IPV4);
	fw_elems(v6, sizeof(v6), rs, s, NFPROTO_IPV6);
	fprintf(f, "\tchain %s {\n\t\ttype filter hook ingress device \"%s\" %s\n",
		chain, n, "priority -500; policy accept;");
	snprintf(m, sizeof(m), "ether saddr != %s", mac);
	fw_spoof_rule(f, n, "mac", m);
	fw_spoof_rule(f, n, "other", "ether type { 8021q, 8021ad }");
	snprintf(m, sizeof(m), "meta protocol ip%s%s%s", v4[0] ? " ip saddr != { " : "",
		 v4, v4[0] ? " }" : "");
	fw_spoof_rule(f, n, "ip", m);
	snprintf(m, sizeof(m), "meta protocol ip6 ip6 saddr != { ::, %s%s%s }",
		 lls, v6[0] ? ", " : "", v6);
	fw_spoof_rule(f, n, "ip", m);
	/* from :: only router and neighbour solicitations, MLD reports */
	fw_spoof_rule(f, n, "ip", "ip6 saddr :: meta l4proto != ipv6-icmp");
	fw_spoof_rule(f, n, "ip", "ip6 saddr :: icmpv6 type != { " FW_FROM_ANY " }");
	/* Neighbour Discovery: targets, then link-layer address options */
	t[0] = 0;
	fw_raw6(t, sizeof(t), ll.s6_addr, 128);
	for (i = 0; i < s->count; i++) {
		const struct ndvmfw_elem *e = &rs->elems[s->first + i];

		if (e->family != NFPROTO_IPV6)
			continue;
		fw_cat(t, sizeof(t), ", ");
		fw_raw6(t, sizeof(t), e->addr, e->plen);
	}
	snprintf(m, sizeof(m), FW_ND "nd-neighbor-advert @th,64,128 != { %s }",
		 t);
	fw_spoof_rule(f, n, "ip", m);
	snprintf(m, sizeof(m),
		 "ip6 saddr :: " FW_ND "nd-neighbor-solicit @th,64,128 != { %s }",
		 t);
	fw_spoof_rule(f, n, "ip", m);
	fprintf(f, "\t\t# ndvmfw checks every Neighbour Discovery option; %s\n",
		"nftables cannot walk them, this checks the first");
	fw_nd_opt(f, n, "{ nd-neighbor-solicit, nd-neighbor-advert }", 192,
		  b->mac);
	fw_nd_opt(f, n, "nd-router-solicit", 64, b->mac);
	fw_spoof_rule(f, n, "other", "arp htype != 1");
	fw_spoof_rule(f, n, "other", "arp ptype != ip");
	fw_spoof_rule(f, n, "other", "arp hlen != 6");
	fw_spoof_rule(f, n, "other", "arp plen != 4");
	snprintf(m, sizeof(m), "arp saddr ether != %s", mac);
	fw_spoof_rule(f, n, "arp", m);
	snprintf(m, sizeof(m), "arp saddr ip != { 0.0.0.0%s%s }",
		 v4[0] ? ", " : "", v4);
	fw_spoof_rule(f, n, "arp", m);
	fw_spoof_rule(f, n, "other", "meta protocol != { ip, ip6, arp }");
	fprintf(f, "\t}\n");
}

static void fw_translate_ifrules(FILE *f, const struct ndvmfw_ruleset *rs)
{
	const struct ndvmfw_ifrule *r;
	bool table = false;
	u32 i;

	for (i = 0; i < rs->nifrules; i++) {
		r = &rs->ifrules[i];
		if (r->kind == NDVMFW_IFRULE_BIND &&
		    fw_antispoofed(rs, r->iface.name)) {
			fprintf(f, "%s", table ? "\n" :
				"\ntable netdev ndvmfw {\n");
			table = true;
			fw_spoof_chain(f, rs, r);
		}
	}
	if (table)
		fprintf(f, "}\n");
	for (i = 0; i < rs->nifrules; i++) {
		r = &rs->ifrules[i];
		if (r->kind == NDVMFW_IFRULE_BIND)
			continue;
		fprintf(f, "# ");
		fw_print_ifrule(f, rs, r);
		fprintf(f, ": %s\n", r->kind == NDVMFW_IFRULE_HOTPLUG ?
			"no nftables equivalent (ndvmfw bridges the interface and brings it up)" :
			"interfaces without a bind statement take their identity from xenstore, which nftables cannot read");
	}
}

/* What the module drops before its rules: fragments (atomic ones pass). */
static void fw_translate_frags(FILE *f, const char *v4, const char *v6)
{
	fprintf(f, "\t\t%s ip frag-off & 0x3fff != 0 drop\n", v4);
	fprintf(f, "\t\t%s frag frag-off != 0 drop\n", v6);
	fprintf(f, "\t\t%s frag more-fragments 1 drop\n", v6);
}

static void fw_translate(FILE *f, const struct ndvmfw_ruleset *rs)
{
	bool nat = false;
	enum fw_chain c;
	u32 i;

	for (i = 0; i < rs->nrules; i++)
		nat |= rs->rules[i].verdict == NDVMFW_MASQUERADE;
	fprintf(f, "table inet ndvmfw {\n");
	fw_print_sets(f, rs);
	for (c = FW_INPUT; c <= FW_OUTPUT; c++) {
		fprintf(f, "\tchain %s {\n\t\ttype filter hook %s priority filter; policy %s;\n",
			fw_chain_names[c], fw_chain_names[c],
			fw_verdict_name(rs->policy));
		if (c == FW_INPUT)
			fprintf(f, "\t\tiif \"lo\" accept\n");
		if (c == FW_OUTPUT)
			fprintf(f, "\t\toif \"lo\" accept\n");
		fw_translate_frags(f, "meta nfproto ipv4", "meta nfproto ipv6");
		for (i = 0; i < rs->nrules; i++)
			fw_translate_rule(f, rs, i, c);
		fprintf(f, "\t}\n%s", c == FW_OUTPUT && !nat ? "" : "\n");
	}
	if (nat) {
		fprintf(f, "\tchain postrouting {\n\t\ttype nat hook %s\n",
			"postrouting priority srcnat; policy accept;");
		for (i = 0; i < rs->nrules; i++)
			fw_translate_rule(f, rs, i, FW_POSTROUTING);
		fprintf(f, "\t}\n");
	}
	fprintf(f, "}\n\ntable bridge ndvmfw {\n");
	fw_print_sets(f, rs);
	fprintf(f, "\tchain forward {\n\t\ttype filter hook forward priority filter; policy %s;\n",
		fw_verdict_name(rs->policy));
	fprintf(f, "\t\tmeta protocol != { ip, ip6 } accept\n");
	fw_translate_frags(f, "meta protocol ip", "meta protocol ip6");
	for (i = 0; i < rs->nrules; i++)
		fw_translate_rule(f, rs, i, FW_BRIDGE_FORWARD);
	fprintf(f, "\t}\n}\n");
	fw_translate_ifrules(f, rs);
}

int fw_cmd_translate(int argc, char *argv[])
{
	struct fw_rules r;
	char err[1024];

	if (argc != 2)
		return fw_fail("usage: fwctl translate FILE");
	if (fw_parse_file(argv[1], &r, err, sizeof(err)))
		return fw_fail("%s", err);
	fw_translate(stdout, &r.rs);
	fw_rules_free(&r);
	return 0;
}
