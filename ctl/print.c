// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl: print a rule set in the rule language, such that parsing the text
 * gives a rule set with the same digest (see parse.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

#define FW_SET_ONE_LINE	4	/* a named set up to this size on one line */

static bool fw_in_bounds(u32 first, u32 count, u32 n)
{
	return first <= n && count <= n - first;
}

static void fw_print_elem(FILE *f, const struct ndvmfw_elem *e)
{
	bool v4 = e->family == NFPROTO_IPV4;
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(v4 ? AF_INET : AF_INET6, e->addr, buf, sizeof(buf)))
		strcpy(buf, "?");
	fputs(buf, f);
	if (e->plen != (v4 ? 32 : 128))
		fprintf(f, "/%u", e->plen);
}

static void fw_print_elems(FILE *f, const struct ndvmfw_ruleset *rs,
			   const struct ndvmfw_set *s, bool multiline)
{
	u32 i;

	if (!fw_in_bounds(s->first, s->count, rs->nelems)) {
		fputs("{ ? }", f);
		return;
	}
	if (s->count == 1 && !s->name[0]) {
		fw_print_elem(f, &rs->elems[s->first]);
		return;
	}
	fputc('{', f);
	for (i = 0; i < s->count; i++) {
		fputs(i ? "," : "", f);
		fputs(multiline ? "\n\t" : " ", f);
		fw_print_elem(f, &rs->elems[s->first + i]);
	}
	fputs(multiline ? "\n}" : " }", f);
}

static void fw_print_iface(FILE *f, const char *dir,
			   const struct ndvmfw_iface *i)
{
	if (i->mode == NDVMFW_IFACE_NONE)
		return;
	fprintf(f, "%s %.*s%s", dir, (int)strnlen(i->name, IFNAMSIZ),
		i->name, i->mode == NDVMFW_IFACE_PREFIX ? "*" : "");
}

static void fw_print_endpoint(FILE *f, const struct ndvmfw_ruleset *rs,
			      const char *dir,
			      const struct ndvmfw_endpoint *ep)
{
	const struct ndvmfw_port_range *pr;
	u32 i;

	if (ep->set == NDVMFW_SET_NONE && !ep->port_count)
		return;
	fprintf(f, " %s ", dir);
	if (ep->set == NDVMFW_SET_NONE)
		fputs("any", f);
	else if (ep->set >= rs->nsets)
		fputs("@?", f);
	else if (rs->sets[ep->set].name[0])
		fprintf(f, "@%.*s", NDVMFW_SET_NAME_MAX - 1,
			rs->sets[ep->set].name);
	else
		fw_print_elems(f, rs, &rs->sets[ep->set], false);
	if (!ep->port_count ||
	    !fw_in_bounds(ep->port_first, ep->port_count, rs->nports))
		return;
	fputs(" port ", f);
	if (ep->port_count > 1)
		fputs("{ ", f);
	for (i = 0; i < ep->port_count; i++) {
		pr = &rs->ports[ep->port_first + i];
		fputs(i ? ", " : "", f);
		if (pr->lo == pr->hi)
			fprintf(f, "%u", pr->lo);
		else
			fprintf(f, "%u-%u", pr->lo, pr->hi);
	}
	if (ep->port_count > 1)
		fputs(" }", f);
}

static void fw_print_icmp(FILE *f, const struct ndvmfw_ruleset *rs,
			  const struct ndvmfw_rule *r)
{
	const struct ndvmfw_icmp *ic;
	const char *name;
	u32 i;

	if (!r->icmp_count ||
	    !fw_in_bounds(r->icmp_first, r->icmp_count, rs->nicmp))
		return;
	fputs(" icmp-type ", f);
	if (r->icmp_count > 1)
		fputs("{ ", f);
	for (i = 0; i < r->icmp_count; i++) {
		ic = &rs->icmp[r->icmp_first + i];
		name = fw_icmp_type_name(r->proto, ic->type);
		fputs(i ? ", " : "", f);
		if (name)
			fputs(name, f);
		else
			fprintf(f, "%u", ic->type);
		if (ic->has_code)
			fprintf(f, "/%u", ic->code);
	}
	if (r->icmp_count > 1)
		fputs(" }", f);
}

void fw_print_rule(FILE *f, const struct ndvmfw_ruleset *rs,
		   const struct ndvmfw_rule *r)
{
	const char *verdict = ndvmfw_verdict_name(r->verdict);
	const char *proto = NULL, *sep = " state ";
	bool implied = false;
	u32 bit;

	if (verdict)
		fputs(verdict, f);
	else
		fprintf(f, "verdict-%u", r->verdict);
	fw_print_iface(f, " in", &r->iif);
	fw_print_iface(f, " out", &r->oif);
	/* only the names icmp and icmpv6 imply a family */
	if (r->proto != NDVMFW_PROTO_ANY) {
		proto = fw_proto_name(r->proto);
		if (r->proto == 1 || r->proto == 58) {
			implied = r->family == (r->proto == 1 ? NFPROTO_IPV4 :
						NFPROTO_IPV6);
			if (!implied)
				proto = NULL;
		}
	}
	if (r->family == NFPROTO_IPV4 && !implied)
		fputs(" family ip", f);
	else if (r->family == NFPROTO_IPV6 && !implied)
		fputs(" family ip6", f);
	else if (r->family && !implied)
		fprintf(f, " family %u", r->family);
	if (proto)
		fprintf(f, " proto %s", proto);
	else if (r->proto != NDVMFW_PROTO_ANY)
		fprintf(f, " proto %u", r->proto);
	fw_print_endpoint(f, rs, "from", &r->src);
	fw_print_endpoint(f, rs, "to", &r->dst);
	fw_print_icmp(f, rs, r);
	for (bit = 1; bit && bit <= r->state; bit <<= 1) {
		if (!(r->state & bit))
			continue;
		if (fw_state_name(bit))
			fprintf(f, "%s%s", sep, fw_state_name(bit));
		else
			fprintf(f, "%s0x%x", sep, bit);
		sep = ",";
	}
	if (r->flags & NDVMFW_RULE_F_LOG)
		fputs(" log", f);
}

static bool fw_iface_printable(const struct ndvmfw_iface *i)
{
	size_t len = strnlen(i->name, IFNAMSIZ);

	switch (i->mode) {
	case NDVMFW_IFACE_NONE:
		return !len;
	case NDVMFW_IFACE_EXACT:
		return !fw_iface_name_check(i->name, len, false);
	case NDVMFW_IFACE_PREFIX:
		return !fw_iface_name_check(i->name, len, true);
	}
	return false;
}

static bool fw_endpoint_printable(const struct ndvmfw_ruleset *rs,
				  const struct ndvmfw_rule *r,
				  const struct ndvmfw_endpoint *ep)
{
	u32 i;

	if (ep->set != NDVMFW_SET_NONE && ep->set >= rs->nsets)
		return false;
	if (!ep->port_count)
		return true;
	if (!fw_in_bounds(ep->port_first, ep->port_count, rs->nports) ||
	    !ndvmfw_proto_has_ports(r->proto))
		return false;
	for (i = 0; i < ep->port_count; i++)
		if (rs->ports[ep->port_first + i].lo >
		    rs->ports[ep->port_first + i].hi)
			return false;
	return true;
}

/* Whether the parser would give back the same rule. */
static bool fw_rule_printable(const struct ndvmfw_ruleset *rs,
			      const struct ndvmfw_rule *r)
{
	if (!ndvmfw_verdict_name(r->verdict) ||
	    (r->flags & ~__NDVMFW_RULE_F_ALL) ||
	    (r->state & ~__NDVMFW_STATE_ALL) ||
	    (r->family && r->family != NFPROTO_IPV4 &&
	     r->family != NFPROTO_IPV6) ||
	    (r->proto != NDVMFW_PROTO_ANY && r->proto > 255) ||
	    !fw_iface_printable(&r->iif) || !fw_iface_printable(&r->oif) ||
	    !fw_endpoint_printable(rs, r, &r->src) ||
	    !fw_endpoint_printable(rs, r, &r->dst))
		return false;
	if (!r->icmp_count)
		return true;
	return fw_in_bounds(r->icmp_first, r->icmp_count, rs->nicmp) &&
	       (r->proto == 1 || r->proto == 58);
}

static bool fw_ifrule_printable(const struct ndvmfw_ruleset *rs,
				const struct ndvmfw_ifrule *f)
{
	if (!fw_iface_printable(&f->iface) ||
	    f->iface.mode == NDVMFW_IFACE_NONE)
		return false;
	switch (f->kind) {
	case NDVMFW_IFRULE_BIND:
		return f->iface.mode == NDVMFW_IFACE_EXACT &&
		       f->set < rs->nsets;
	case NDVMFW_IFRULE_ANTISPOOF:
		return true;
	case NDVMFW_IFRULE_HOTPLUG:
		return !fw_iface_name_check(f->bridge,
					    strnlen(f->bridge, IFNAMSIZ),
					    false);
	}
	return false;
}

/* Print a bind, antispoof or hotplug statement, without a newline. */
void fw_print_ifrule(FILE *f, const struct ndvmfw_ruleset *rs,
		     const struct ndvmfw_ifrule *r)
{
	const struct ndvmfw_set *s;
	u32 i;

	switch (r->kind) {
	case NDVMFW_IFRULE_BIND:
		fw_print_iface(f, "bind", &r->iface);
		fprintf(f, " mac %02x:%02x:%02x:%02x:%02x:%02x ip ",
			r->mac[0], r->mac[1], r->mac[2], r->mac[3], r->mac[4],
			r->mac[5]);
		s = &rs->sets[r->set];
		if (s->name[0]) {
			fprintf(f, "@%s", s->name);
		} else if (!s->count) {
			fputs("{ }", f);
		} else {
			for (i = 0; i < s->count; i++) {
				fputs(i ? "," : "", f);
				fw_print_elem(f, &rs->elems[s->first + i]);
			}
		}
		break;
	case NDVMFW_IFRULE_ANTISPOOF:
		fw_print_iface(f, "antispoof", &r->iface);
		break;
	case NDVMFW_IFRULE_HOTPLUG:
		fw_print_iface(f, "hotplug", &r->iface);
		fprintf(f, " bridge %s", r->bridge);
		break;
	}
}

static bool fw_ruleset_printable(const struct ndvmfw_ruleset *rs)
{
	u32 i;

	for (i = 0; i < rs->nifrules; i++)
		if (!fw_ifrule_printable(rs, &rs->ifrules[i]))
			return false;
	if (rs->policy != NDVMFW_DROP && rs->policy != NDVMFW_ACCEPT)
		return false;
	for (i = 0; i < rs->nsets; i++)
		if (ndvmfw_set_name_check(rs->sets[i].name) ||
		    !fw_in_bounds(rs->sets[i].first, rs->sets[i].count,
				  rs->nelems))
			return false;
	for (i = 0; i < rs->nelems; i++)
		if (ndvmfw_elem_check(&rs->elems[i]))
			return false;
	for (i = 0; i < rs->nrules; i++)
		if (!fw_rule_printable(rs, &rs->rules[i]))
			return false;
	return true;
}

int fw_print_ruleset(FILE *f, const struct ndvmfw_ruleset *rs)
{
	const struct ndvmfw_set *s;
	u32 i;

	if (!fw_ruleset_printable(rs))
		return -EINVAL;
	for (i = 0; i < rs->nsets; i++) {
		s = &rs->sets[i];
		if (!s->name[0])
			continue;
		fprintf(f, "set %s ", s->name);
		fw_print_elems(f, rs, s, s->count > FW_SET_ONE_LINE);
		fputc('\n', f);
	}
	fprintf(f, "policy %s\n", ndvmfw_verdict_name(rs->policy));
	for (i = 0; i < rs->nrules; i++) {
		fw_print_rule(f, rs, &rs->rules[i]);
		fputc('\n', f);
	}
	for (i = 0; i < rs->nifrules; i++) {
		fw_print_ifrule(f, rs, &rs->ifrules[i]);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}
