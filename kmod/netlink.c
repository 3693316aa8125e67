// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family, see uapi/ndvmfw.h. Every command requires
 * CAP_NET_ADMIN in the initial namespace, and each has its own strict
 * policy. A load is parsed in two passes: the first counts and checks the
 * limits before anything is allocated, the second fills flat arrays.
 */
#include <linux/if_ether.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include "ndvmfw.h"

/* Room for the largest rule in one dump message. */
#define NDVMFW_DUMP_MIN_ALLOC	16384

/*
 * The family runs with parallel_ops, so that a long load does not hold
 * the global genl_mutex; loads are serialised here instead, which also
 * bounds the memory of rule sets being built to one at a time.
 */
static DEFINE_MUTEX(ndvmfw_load_lock);

static struct genl_family ndvmfw_genl_family;

static const struct nla_policy ndvmfw_port_policy[NDVMFW_PORT_A_MAX + 1] = {
	[NDVMFW_PORT_A_LO] = { .type = NLA_U16 },
	[NDVMFW_PORT_A_HI] = { .type = NLA_U16 },
};

static const struct nla_policy ndvmfw_addr_policy[NDVMFW_ADDR_A_MAX + 1] = {
	[NDVMFW_ADDR_A_SET] = { .type = NLA_U32 },
	[NDVMFW_ADDR_A_PORT] = NLA_POLICY_NESTED(ndvmfw_port_policy),
};

static const struct nla_policy ndvmfw_iface_policy[NDVMFW_IFACE_A_MAX + 1] = {
	[NDVMFW_IFACE_A_NAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[NDVMFW_IFACE_A_PREFIX] = { .type = NLA_FLAG },
};

static const struct nla_policy ndvmfw_icmp_policy[NDVMFW_ICMP_A_MAX + 1] = {
	[NDVMFW_ICMP_A_TYPE] = { .type = NLA_U8 },
	[NDVMFW_ICMP_A_CODE] = { .type = NLA_U8 },
};

static const struct nla_policy ndvmfw_rule_policy[NDVMFW_RULE_A_MAX + 1] = {
	[NDVMFW_RULE_A_VERDICT] = NLA_POLICY_RANGE(NLA_U8, NDVMFW_DROP,
						   NDVMFW_VERDICT_MAX),
	[NDVMFW_RULE_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __NDVMFW_RULE_F_ALL),
	[NDVMFW_RULE_A_IIF] = NLA_POLICY_NESTED(ndvmfw_iface_policy),
	[NDVMFW_RULE_A_OIF] = NLA_POLICY_NESTED(ndvmfw_iface_policy),
	[NDVMFW_RULE_A_FAMILY] = { .type = NLA_U8 },
	[NDVMFW_RULE_A_PROTO] = { .type = NLA_U8 },
	[NDVMFW_RULE_A_SRC] = NLA_POLICY_NESTED(ndvmfw_addr_policy),
	[NDVMFW_RULE_A_DST] = NLA_POLICY_NESTED(ndvmfw_addr_policy),
	[NDVMFW_RULE_A_ICMP] = NLA_POLICY_NESTED(ndvmfw_icmp_policy),
	[NDVMFW_RULE_A_STATE] = NLA_POLICY_MASK(NLA_U32, __NDVMFW_STATE_ALL),
};

static const struct nla_policy ndvmfw_elem_policy[NDVMFW_ELEM_A_MAX + 1] = {
	[NDVMFW_ELEM_A_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[NDVMFW_ELEM_A_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy ndvmfw_set_policy[NDVMFW_SET_A_MAX + 1] = {
	[NDVMFW_SET_A_ID] = { .type = NLA_U32 },
	[NDVMFW_SET_A_NAME] = { .type = NLA_NUL_STRING,
				.len = NDVMFW_SET_NAME_MAX - 1 },
	[NDVMFW_SET_A_ELEM] = NLA_POLICY_NESTED(ndvmfw_elem_policy),
};

static const struct nla_policy ndvmfw_ifrule_policy[NDVMFW_IFRULE_A_MAX + 1] = {
	[NDVMFW_IFRULE_A_KIND] = NLA_POLICY_RANGE(NLA_U8, NDVMFW_IFRULE_BIND,
						  NDVMFW_IFRULE_MAX),
	[NDVMFW_IFRULE_A_IFACE] = NLA_POLICY_NESTED(ndvmfw_iface_policy),
	[NDVMFW_IFRULE_A_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[NDVMFW_IFRULE_A_SET] = { .type = NLA_U32 },
	[NDVMFW_IFRULE_A_BRIDGE] = { .type = NLA_NUL_STRING,
				     .len = IFNAMSIZ - 1 },
};

static const struct nla_policy ndvmfw_load_policy[NDVMFW_A_MAX + 1] = {
	[NDVMFW_A_POLICY] = NLA_POLICY_RANGE(NLA_U8, NDVMFW_DROP,
					     NDVMFW_ACCEPT),
	[NDVMFW_A_LOAD_FLAGS] = NLA_POLICY_MASK(NLA_U32, __NDVMFW_LOAD_F_ALL),
	[NDVMFW_A_SET] = NLA_POLICY_NESTED(ndvmfw_set_policy),
	[NDVMFW_A_RULE] = NLA_POLICY_NESTED(ndvmfw_rule_policy),
	[NDVMFW_A_IFRULE] = NLA_POLICY_NESTED(ndvmfw_ifrule_policy),
};

/* Commands without attributes: every attribute is refused. */
static const struct nla_policy ndvmfw_none_policy[NDVMFW_A_MAX + 1] = { };

/* True, with the reason in @extack, if attribute @type is missing. */
static bool ndvmfw_missing(struct netlink_ext_ack *extack,
			   const struct nlattr *nest, struct nlattr **tb,
			   unsigned int type, const char *msg)
{
	if (!NL_REQ_ATTR_CHECK(extack, nest, tb, type))
		return false;
	ndvmfw_extack(extack, nest, msg);
	return true;
}

#define NDVMFW_REQUIRE(extack, nest, tb, type) \
	ndvmfw_missing(extack, nest, tb, type, "missing attribute " #type)

static int ndvmfw_err(struct netlink_ext_ack *extack,
		      const struct nlattr *attr, const char *msg)
{
	ndvmfw_extack(extack, attr, msg);
	return -EINVAL;
}

/* ---- NDVMFW_CMD_LOAD ---- */

struct ndvmfw_load {
	struct ndvmfw_ruleset *rs;
	struct netlink_ext_ack *extack;
	const struct nlattr **rule_attrs;
	const struct nlattr **set_attrs;
	const struct nlattr **ifrule_attrs;
};

static u32 ndvmfw_count_nested(const struct nlattr *nest, int type)
{
	const struct nlattr *a;
	u32 n = 0;
	int rem;

	nla_for_each_nested(a, nest, rem)
		n += nla_type(a) == type;
	return n;
}

static int ndvmfw_count_set(struct ndvmfw_load *l, const struct nlattr *a)
{
	struct nlattr *tb[NDVMFW_SET_A_MAX + 1];
	struct ndvmfw_ruleset *rs = l->rs;
	u32 id;
	int ret;

	/* parsed as pass 2 parses it, so that both see the same id */
	ret = nla_parse_nested(tb, NDVMFW_SET_A_MAX, a, ndvmfw_set_policy,
			       l->extack);
	if (ret)
		return ret;
	if (NDVMFW_REQUIRE(l->extack, a, tb, NDVMFW_SET_A_ID))
		return -EINVAL;
	id = nla_get_u32(tb[NDVMFW_SET_A_ID]);
	if (id == rs->nsets) {
		if (++rs->nsets > NDVMFW_MAX_SETS)
			goto too_big;
	} else if (!rs->nsets || id != rs->nsets - 1) {
		return ndvmfw_err(l->extack, tb[NDVMFW_SET_A_ID],
				  "NDVMFW_SET_A_ID: sets are numbered from 0 in order");
	}
	rs->nelems += ndvmfw_count_nested(a, NDVMFW_SET_A_ELEM);
	if (rs->nelems > NDVMFW_MAX_ELEMS)
		goto too_big;
	return 0;

too_big:
	NL_SET_ERR_MSG_ATTR(l->extack, a, "too many sets or set elements");
	return -E2BIG;
}

static int ndvmfw_count_rule(struct ndvmfw_load *l, const struct nlattr *a)
{
	struct ndvmfw_ruleset *rs = l->rs;
	const struct nlattr *b;
	u32 n;
	int rem;

	if (++rs->nrules > NDVMFW_MAX_RULES) {
		NL_SET_ERR_MSG_ATTR(l->extack, a, "too many rules");
		return -E2BIG;
	}
	nla_for_each_nested(b, a, rem) {
		switch (nla_type(b)) {
		case NDVMFW_RULE_A_SRC:
		case NDVMFW_RULE_A_DST:
			n = ndvmfw_count_nested(b, NDVMFW_ADDR_A_PORT);
			if (n > NDVMFW_MAX_PORTS) {
				NL_SET_ERR_MSG_ATTR(l->extack, b,
						    "too many NDVMFW_ADDR_A_PORT ranges");
				return -E2BIG;
			}
			rs->nports += n;
			break;
		case NDVMFW_RULE_A_ICMP:
			rs->nicmp++;
			break;
		}
	}
	n = ndvmfw_count_nested(a, NDVMFW_RULE_A_ICMP);
	if (n > NDVMFW_MAX_ICMP) {
		NL_SET_ERR_MSG_ATTR(l->extack, a,
				    "too many NDVMFW_RULE_A_ICMP entries");
		return -E2BIG;
	}
	return 0;
}

static int ndvmfw_parse_elem(struct ndvmfw_load *l, const struct nlattr *a,
			     struct ndvmfw_elem *e)
{
	struct nlattr *tb[NDVMFW_ELEM_A_MAX + 1];
	const char *msg;
	int ret, len;

	ret = nla_parse_nested(tb, NDVMFW_ELEM_A_MAX, a, ndvmfw_elem_policy,
			       l->extack);
	if (ret)
		return ret;
	if (NDVMFW_REQUIRE(l->extack, a, tb, NDVMFW_ELEM_A_ADDR))
		return -EINVAL;
	len = nla_len(tb[NDVMFW_ELEM_A_ADDR]);
	if (len != 4 && len != 16)
		return ndvmfw_err(l->extack, tb[NDVMFW_ELEM_A_ADDR],
				  "NDVMFW_ELEM_A_ADDR: must be 4 or 16 bytes");
	memset(e, 0, sizeof(*e));
	e->family = len == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	memcpy(e->addr, nla_data(tb[NDVMFW_ELEM_A_ADDR]), len);
	e->plen = tb[NDVMFW_ELEM_A_PREFIXLEN] ?
		  nla_get_u8(tb[NDVMFW_ELEM_A_PREFIXLEN]) : len * 8;
	msg = ndvmfw_elem_check(e);
	if (msg)
		return ndvmfw_err(l->extack, a, msg);
	return 0;
}

static int ndvmfw_parse_set(struct ndvmfw_load *l, const struct nlattr *a)
{
	struct nlattr *tb[NDVMFW_SET_A_MAX + 1];
	struct ndvmfw_ruleset *rs = l->rs;
	const struct nlattr *b;
	struct ndvmfw_set *s;
	const char *name;
	int ret, rem;
	u32 id;

	ret = nla_parse_nested(tb, NDVMFW_SET_A_MAX, a, ndvmfw_set_policy,
			       l->extack);
	if (ret)
		return ret;
	id = nla_get_u32(tb[NDVMFW_SET_A_ID]);
	if (id >= rs->nsets)	/* cannot happen: pass 1 saw the same id */
		return ndvmfw_err(l->extack, tb[NDVMFW_SET_A_ID],
				  "NDVMFW_SET_A_ID: no such set");
	name = tb[NDVMFW_SET_A_NAME] ? nla_data(tb[NDVMFW_SET_A_NAME]) : "";
	s = &rs->sets[id];
	if (!l->set_attrs[id]) {
		const char *msg = ndvmfw_set_name_check(name);

		if (msg)
			return ndvmfw_err(l->extack, tb[NDVMFW_SET_A_NAME], msg);
		strscpy(s->name, name, sizeof(s->name));
		s->first = rs->nelems;
		l->set_attrs[id] = a;
	} else if (strcmp(s->name, name)) {
		return ndvmfw_err(l->extack, a,
				  "NDVMFW_SET_A_NAME: a continued set must repeat its name");
	}
	nla_for_each_nested(b, a, rem) {
		if (nla_type(b) != NDVMFW_SET_A_ELEM)
			continue;
		ret = ndvmfw_parse_elem(l, b, &rs->elems[rs->nelems]);
		if (ret)
			return ret;
		rs->nelems++;
		s->count++;
	}
	return 0;
}

static int ndvmfw_parse_iface(struct ndvmfw_load *l, const struct nlattr *a,
			      struct ndvmfw_iface *i)
{
	struct nlattr *tb[NDVMFW_IFACE_A_MAX + 1];
	int ret;

	if (!a)
		return 0;
	ret = nla_parse_nested(tb, NDVMFW_IFACE_A_MAX, a, ndvmfw_iface_policy,
			       l->extack);
	if (ret)
		return ret;
	if (NDVMFW_REQUIRE(l->extack, a, tb, NDVMFW_IFACE_A_NAME))
		return -EINVAL;
	nla_strscpy(i->name, tb[NDVMFW_IFACE_A_NAME], sizeof(i->name));
	i->mode = tb[NDVMFW_IFACE_A_PREFIX] ? NDVMFW_IFACE_PREFIX :
					      NDVMFW_IFACE_EXACT;
	if (i->mode == NDVMFW_IFACE_EXACT && !i->name[0])
		return ndvmfw_err(l->extack, tb[NDVMFW_IFACE_A_NAME],
				  "NDVMFW_IFACE_A_NAME: empty name without NDVMFW_IFACE_A_PREFIX");
	return 0;
}

static int ndvmfw_parse_port(struct ndvmfw_load *l, const struct nlattr *a,
			     struct ndvmfw_port_range *p)
{
	struct nlattr *tb[NDVMFW_PORT_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, NDVMFW_PORT_A_MAX, a, ndvmfw_port_policy,
			       l->extack);
	if (ret)
		return ret;
	if (NDVMFW_REQUIRE(l->extack, a, tb, NDVMFW_PORT_A_LO))
		return -EINVAL;
	p->lo = nla_get_u16(tb[NDVMFW_PORT_A_LO]);
	p->hi = tb[NDVMFW_PORT_A_HI] ? nla_get_u16(tb[NDVMFW_PORT_A_HI]) :
				       p->lo;
	if (p->lo > p->hi)
		return ndvmfw_err(l->extack, a,
				  "NDVMFW_PORT_A_HI: range ends before it starts");
	return 0;
}

static int ndvmfw_parse_endpoint(struct ndvmfw_load *l,
				 const struct nlattr *a,
				 struct ndvmfw_endpoint *ep)
{
	struct nlattr *tb[NDVMFW_ADDR_A_MAX + 1];
	struct ndvmfw_ruleset *rs = l->rs;
	const struct nlattr *b;
	int ret, rem;

	ep->set = NDVMFW_SET_NONE;
	if (!a)
		return 0;
	ret = nla_parse_nested(tb, NDVMFW_ADDR_A_MAX, a, ndvmfw_addr_policy,
			       l->extack);
	if (ret)
		return ret;
	if (tb[NDVMFW_ADDR_A_SET]) {
		ep->set = nla_get_u32(tb[NDVMFW_ADDR_A_SET]);
		if (ep->set >= rs->nsets)
			return ndvmfw_err(l->extack, tb[NDVMFW_ADDR_A_SET],
					  "NDVMFW_ADDR_A_SET: no such set");
	}
	ep->port_first = rs->nports;
	nla_for_each_nested(b, a, rem) {
		if (nla_type(b) != NDVMFW_ADDR_A_PORT)
			continue;
		ret = ndvmfw_parse_port(l, b, &rs->ports[rs->nports]);
		if (ret)
			return ret;
		rs->nports++;
		ep->port_count++;
	}
	return 0;
}

static int ndvmfw_parse_icmp(struct ndvmfw_load *l, const struct nlattr *a,
			     struct ndvmfw_icmp *ic)
{
	struct nlattr *tb[NDVMFW_ICMP_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, NDVMFW_ICMP_A_MAX, a, ndvmfw_icmp_policy,
			       l->extack);
	if (ret)
		return ret;
	if (NDVMFW_REQUIRE(l->extack, a, tb, NDVMFW_ICMP_A_TYPE))
		return -EINVAL;
	ic->type = nla_get_u8(tb[NDVMFW_ICMP_A_TYPE]);
	ic->has_code = !!tb[NDVMFW_ICMP_A_CODE];
	ic->code = ic->has_code ? nla_get_u8(tb[NDVMFW_ICMP_A_CODE]) : 0;
	return 0;
}

static int ndvmfw_parse_rule(struct ndvmfw_load *l, const struct nlattr *a)
{
	struct nlattr *tb[NDVMFW_RULE_A_MAX + 1];
	struct ndvmfw_ruleset *rs = l->rs;
	struct ndvmfw_rule *r = &rs->rules[rs->nrules];
	const struct nlattr *b;
	int ret, rem;

	ret = nla_parse_nested(tb, NDVMFW_RULE_A_MAX, a, ndvmfw_rule_policy,
			       l->extack);
	if (ret)
		return ret;
	if (NDVMFW_REQUIRE(l->extack, a, tb, NDVMFW_RULE_A_VERDICT))
		return -EINVAL;
	l->rule_attrs[rs->nrules++] = a;
	r->verdict = nla_get_u8(tb[NDVMFW_RULE_A_VERDICT]);
	if (tb[NDVMFW_RULE_A_FLAGS])
		r->flags = nla_get_u32(tb[NDVMFW_RULE_A_FLAGS]);
	if (tb[NDVMFW_RULE_A_STATE])
		r->state = nla_get_u32(tb[NDVMFW_RULE_A_STATE]);
	if (tb[NDVMFW_RULE_A_FAMILY]) {
		r->family = nla_get_u8(tb[NDVMFW_RULE_A_FAMILY]);
		if (r->family != NFPROTO_IPV4 && r->family != NFPROTO_IPV6)
			return ndvmfw_err(l->extack, tb[NDVMFW_RULE_A_FAMILY],
					  "NDVMFW_RULE_A_FAMILY: must be NFPROTO_IPV4 or NFPROTO_IPV6");
	}
	r->proto = tb[NDVMFW_RULE_A_PROTO] ?
		   nla_get_u8(tb[NDVMFW_RULE_A_PROTO]) : NDVMFW_PROTO_ANY;
	ret = ndvmfw_parse_iface(l, tb[NDVMFW_RULE_A_IIF], &r->iif);
	if (!ret)
		ret = ndvmfw_parse_iface(l, tb[NDVMFW_RULE_A_OIF], &r->oif);
	if (!ret)
		ret = ndvmfw_parse_endpoint(l, tb[NDVMFW_RULE_A_SRC], &r->src);
	if (!ret)
		ret = ndvmfw_parse_endpoint(l, tb[NDVMFW_RULE_A_DST], &r->dst);
	if (ret)
		return ret;
	r->icmp_first = rs->nicmp;
	nla_for_each_nested(b, a, rem) {
		if (nla_type(b) != NDVMFW_RULE_A_ICMP)
			continue;
		ret = ndvmfw_parse_icmp(l, b, &rs->icmp[rs->nicmp]);
		if (ret)
			return ret;
		rs->nicmp++;
		r->icmp_count++;
	}
	return 0;
}

static int ndvmfw_parse_ifrule(struct ndvmfw_load *l, const struct nlattr *a)
{
	struct nlattr *tb[NDVMFW_IFRULE_A_MAX + 1];
	struct ndvmfw_ruleset *rs = l->rs;
	struct ndvmfw_ifrule *f = &rs->ifrules[rs->nifrules];
	int ret;

	ret = nla_parse_nested(tb, NDVMFW_IFRULE_A_MAX, a,
			       ndvmfw_ifrule_policy, l->extack);
	if (ret)
		return ret;
	if (NDVMFW_REQUIRE(l->extack, a, tb, NDVMFW_IFRULE_A_KIND) ||
	    NDVMFW_REQUIRE(l->extack, a, tb, NDVMFW_IFRULE_A_IFACE))
		return -EINVAL;
	l->ifrule_attrs[rs->nifrules++] = a;
	f->kind = nla_get_u8(tb[NDVMFW_IFRULE_A_KIND]);
	f->set = NDVMFW_SET_NONE;
	if (tb[NDVMFW_IFRULE_A_MAC])
		nla_memcpy(f->mac, tb[NDVMFW_IFRULE_A_MAC], sizeof(f->mac));
	if (tb[NDVMFW_IFRULE_A_SET]) {
		f->set = nla_get_u32(tb[NDVMFW_IFRULE_A_SET]);
		if (f->set >= rs->nsets)
			return ndvmfw_err(l->extack, tb[NDVMFW_IFRULE_A_SET],
					  "NDVMFW_IFRULE_A_SET: no such set");
	}
	if (tb[NDVMFW_IFRULE_A_BRIDGE])
		nla_strscpy(f->bridge, tb[NDVMFW_IFRULE_A_BRIDGE],
			    sizeof(f->bridge));
	return ndvmfw_parse_iface(l, tb[NDVMFW_IFRULE_A_IFACE], &f->iface);
}

static int ndvmfw_parse_alloc(struct ndvmfw_load *l)
{
	struct ndvmfw_ruleset *rs = l->rs;

	rs->sets = kvcalloc(rs->nsets, sizeof(*rs->sets), GFP_KERNEL);
	rs->elems = kvcalloc(rs->nelems, sizeof(*rs->elems), GFP_KERNEL);
	rs->rules = kvcalloc(rs->nrules, sizeof(*rs->rules), GFP_KERNEL);
	rs->ports = kvcalloc(rs->nports, sizeof(*rs->ports), GFP_KERNEL);
	rs->icmp = kvcalloc(rs->nicmp, sizeof(*rs->icmp), GFP_KERNEL);
	l->rule_attrs = kvcalloc(rs->nrules, sizeof(*l->rule_attrs),
				 GFP_KERNEL);
	l->set_attrs = kvcalloc(rs->nsets, sizeof(*l->set_attrs), GFP_KERNEL);
	rs->ifrules = kvcalloc(rs->nifrules, sizeof(*rs->ifrules), GFP_KERNEL);
	l->ifrule_attrs = kvcalloc(rs->nifrules, sizeof(*l->ifrule_attrs),
				   GFP_KERNEL);
	if ((rs->nsets && (!rs->sets || !l->set_attrs)) ||
	    (rs->nifrules && (!rs->ifrules || !l->ifrule_attrs)) ||
	    (rs->nelems && !rs->elems) || (rs->nports && !rs->ports) ||
	    (rs->nicmp && !rs->icmp) ||
	    (rs->nrules && (!rs->rules || !l->rule_attrs)))
		return -ENOMEM;
	/* pass 2 counts again while filling in */
	rs->nelems = 0;
	rs->nrules = 0;
	rs->nports = 0;
	rs->nicmp = 0;
	rs->nifrules = 0;
	return 0;
}

static int ndvmfw_parse(struct ndvmfw_load *l, const struct genl_info *info)
{
	const struct nlattr *a;
	int ret = 0, rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) == NDVMFW_A_SET)
			ret = ndvmfw_count_set(l, a);
		else if (nla_type(a) == NDVMFW_A_RULE)
			ret = ndvmfw_count_rule(l, a);
		else if (nla_type(a) == NDVMFW_A_IFRULE &&
			 ++l->rs->nifrules > NDVMFW_MAX_IFRULES)
			ret = ndvmfw_err(l->extack, a,
					 "too many interface statements");
		if (ret)
			return ret;
	}
	ret = ndvmfw_parse_alloc(l);
	if (ret)
		return ret;
	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) == NDVMFW_A_SET)
			ret = ndvmfw_parse_set(l, a);
		else if (nla_type(a) == NDVMFW_A_RULE)
			ret = ndvmfw_parse_rule(l, a);
		else if (nla_type(a) == NDVMFW_A_IFRULE)
			ret = ndvmfw_parse_ifrule(l, a);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/* ndvmfw_table_commit() and ndvmfw_seal() while rmmod removes the module */
#define NDVMFW_MSG_GOING "module is being unloaded: not sealed"

static int ndvmfw_nl_load(struct sk_buff *skb, struct genl_info *info)
{
	struct ndvmfw_load l = { .extack = info->extack };
	struct ndvmfw_table *t;
	u32 flags = 0;
	int ret;

	if (ndvmfw_sealed()) {
		NL_SET_ERR_MSG(info->extack, "rule set is sealed");
		return -EPERM;
	}
	if (NDVMFW_REQUIRE(info->extack, NULL, info->attrs, NDVMFW_A_POLICY))
		return -EINVAL;
	if (info->attrs[NDVMFW_A_LOAD_FLAGS])
		flags = nla_get_u32(info->attrs[NDVMFW_A_LOAD_FLAGS]);
	t = ndvmfw_table_alloc();
	if (!t)
		return -ENOMEM;
	t->rs.policy = nla_get_u8(info->attrs[NDVMFW_A_POLICY]);
	l.rs = &t->rs;
	mutex_lock(&ndvmfw_load_lock);
	ret = ndvmfw_parse(&l, info);
	if (!ret)
		ret = ndvmfw_table_build(t, info->extack, l.rule_attrs,
					 l.set_attrs, l.ifrule_attrs);
	if (!ret) {
		ret = ndvmfw_table_commit(t, flags & NDVMFW_LOAD_F_SEAL);
		if (ret == -EPERM)
			NL_SET_ERR_MSG(info->extack, "rule set is sealed");
		else if (ret == -ENODEV)
			NL_SET_ERR_MSG(info->extack, NDVMFW_MSG_GOING);
	}
	mutex_unlock(&ndvmfw_load_lock);
	if (ret)
		ndvmfw_table_put(t);
	kvfree(l.rule_attrs);
	kvfree(l.set_attrs);
	kvfree(l.ifrule_attrs);
	return ret;
}

/* ---- NDVMFW_CMD_SEAL ---- */

static int ndvmfw_nl_seal(struct sk_buff *skb, struct genl_info *info)
{
	int ret = ndvmfw_seal();

	if (ret == -ENOENT)
		NL_SET_ERR_MSG(info->extack,
			       "no rule set is loaded: load one to seal");
	else if (ret == -ENODEV)
		NL_SET_ERR_MSG(info->extack, NDVMFW_MSG_GOING);
	return ret;
}

/* ---- NDVMFW_CMD_GET_STATUS ---- */

/* The attribute that reports each global counter. */
static const u16 ndvmfw_stat_attr[NDVMFW_STAT_MAX] = {
	[NDVMFW_STAT_UNLOADED] = NDVMFW_A_UNLOADED_PACKETS,
	[NDVMFW_STAT_MALFORMED] = NDVMFW_A_MALFORMED_PACKETS,
	[NDVMFW_STAT_FRAGMENT] = NDVMFW_A_FRAGMENT_PACKETS,
	[NDVMFW_STAT_EXTHDR] = NDVMFW_A_EXTHDR_PACKETS,
	[NDVMFW_STAT_VLAN] = NDVMFW_A_VLAN_PACKETS,
	[NDVMFW_STAT_LOG_SUPPRESSED] = NDVMFW_A_LOG_SUPPRESSED,
};

static int ndvmfw_fill_status(struct sk_buff *msg,
			      const struct ndvmfw_table *t)
{
	u64 packets = 0, bytes = 0;
	int i;

	if (nla_put_u8(msg, NDVMFW_A_LOADED, !!t) ||
	    nla_put_u8(msg, NDVMFW_A_SEALED, ndvmfw_sealed()) ||
	    nla_put_u8(msg, NDVMFW_A_FAIL_OPEN, ndvmfw_fail_open) ||
	    nla_put_u64_64bit(msg, NDVMFW_A_GENERATION,
			      t ? t->generation : 0, NDVMFW_A_PAD))
		return -EMSGSIZE;
	for (i = 0; i < NDVMFW_STAT_MAX; i++)
		if (nla_put_u64_64bit(msg, ndvmfw_stat_attr[i],
				      ndvmfw_stat_read(i), NDVMFW_A_PAD))
			return -EMSGSIZE;
	if (!t)
		return 0;
	ndvmfw_table_counter(t, t->rs.nrules, &packets, &bytes);
	if (nla_put_u8(msg, NDVMFW_A_POLICY, t->rs.policy) ||
	    nla_put(msg, NDVMFW_A_DIGEST, NDVMFW_DIGEST_LEN, t->digest) ||
	    nla_put_u32(msg, NDVMFW_A_NRULES, t->rs.nrules) ||
	    nla_put_u32(msg, NDVMFW_A_NSETS, t->rs.nsets) ||
	    nla_put_u32(msg, NDVMFW_A_NELEMS, t->rs.nelems) ||
	    nla_put_u64_64bit(msg, NDVMFW_A_POLICY_PACKETS, packets,
			      NDVMFW_A_PAD) ||
	    nla_put_u64_64bit(msg, NDVMFW_A_POLICY_BYTES, bytes,
			      NDVMFW_A_PAD) ||
	    nla_put_u64_64bit(msg, NDVMFW_A_CLS_NODES,
			      ndvmfw_cls_nodes(t->cls4) +
			      ndvmfw_cls_nodes(t->cls6), NDVMFW_A_PAD) ||
	    nla_put_u64_64bit(msg, NDVMFW_A_CLS_BYTES,
			      ndvmfw_cls_bytes(t->cls4) +
			      ndvmfw_cls_bytes(t->cls6), NDVMFW_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int ndvmfw_nl_status(struct sk_buff *skb, struct genl_info *info)
{
	struct ndvmfw_table *t;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ndvmfw_genl_family, 0,
				NDVMFW_CMD_GET_STATUS);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	t = ndvmfw_table_get();
	ret = ndvmfw_fill_status(msg, t);
	ndvmfw_table_put(t);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ---- NDVMFW_CMD_GET_RULES ---- */

enum {
	NDVMFW_DUMP_TABLE,	/* struct ndvmfw_table *, referenced */
	NDVMFW_DUMP_SET,	/* next set */
	NDVMFW_DUMP_ELEM,	/* next element of that set */
	NDVMFW_DUMP_RULE,	/* next rule */
	NDVMFW_DUMP_IFRULE,	/* next interface statement */
};

int ndvmfw_put_elem(struct sk_buff *skb, int type, const struct ndvmfw_elem *e)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, NDVMFW_ELEM_A_ADDR,
		    e->family == NFPROTO_IPV4 ? 4 : 16, e->addr) ||
	    nla_put_u8(skb, NDVMFW_ELEM_A_PREFIXLEN, e->plen)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One chunk of a set; returns the number of elements put, or -EMSGSIZE. */
static int ndvmfw_put_set(struct sk_buff *skb, const struct ndvmfw_table *t,
			  u32 id, u32 from)
{
	const struct ndvmfw_set *s = &t->rs.sets[id];
	struct nlattr *nest;
	u32 i;

	nest = nla_nest_start(skb, NDVMFW_A_SET);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NDVMFW_SET_A_ID, id) ||
	    (s->name[0] && nla_put_string(skb, NDVMFW_SET_A_NAME, s->name)))
		goto cancel;
	for (i = from; i < s->count; i++)
		if (ndvmfw_put_elem(skb, NDVMFW_SET_A_ELEM,
				    &t->rs.elems[s->first + i]))
			break;
	if (i == from && from < s->count)
		goto cancel;
	nla_nest_end(skb, nest);
	return i - from;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int ndvmfw_put_iface(struct sk_buff *skb, int type,
			    const struct ndvmfw_iface *i)
{
	struct nlattr *nest;

	if (i->mode == NDVMFW_IFACE_NONE)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest || nla_put_string(skb, NDVMFW_IFACE_A_NAME, i->name) ||
	    (i->mode == NDVMFW_IFACE_PREFIX &&
	     nla_put_flag(skb, NDVMFW_IFACE_A_PREFIX)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int ndvmfw_put_endpoint(struct sk_buff *skb, int type,
			       const struct ndvmfw_ruleset *rs,
			       const struct ndvmfw_endpoint *ep)
{
	struct nlattr *nest, *port;
	u32 i;

	if (ep->set == NDVMFW_SET_NONE && !ep->port_count)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest || (ep->set != NDVMFW_SET_NONE &&
		      nla_put_u32(skb, NDVMFW_ADDR_A_SET, ep->set)))
		return -EMSGSIZE;
	for (i = 0; i < ep->port_count; i++) {
		const struct ndvmfw_port_range *p = &rs->ports[ep->port_first + i];

		port = nla_nest_start(skb, NDVMFW_ADDR_A_PORT);
		if (!port || nla_put_u16(skb, NDVMFW_PORT_A_LO, p->lo) ||
		    nla_put_u16(skb, NDVMFW_PORT_A_HI, p->hi))
			return -EMSGSIZE;
		nla_nest_end(skb, port);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ndvmfw_put_icmp(struct sk_buff *skb, const struct ndvmfw_icmp *ic)
{
	struct nlattr *nest = nla_nest_start(skb, NDVMFW_RULE_A_ICMP);

	if (!nest || nla_put_u8(skb, NDVMFW_ICMP_A_TYPE, ic->type) ||
	    (ic->has_code && nla_put_u8(skb, NDVMFW_ICMP_A_CODE, ic->code)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int ndvmfw_put_rule_body(struct sk_buff *skb,
				const struct ndvmfw_table *t, u32 idx)
{
	const struct ndvmfw_ruleset *rs = &t->rs;
	const struct ndvmfw_rule *r = &rs->rules[idx];
	u64 packets, bytes;
	u32 i;

	ndvmfw_table_counter(t, idx, &packets, &bytes);
	if (nla_put_u32(skb, NDVMFW_RULE_A_INDEX, idx) ||
	    nla_put_u8(skb, NDVMFW_RULE_A_VERDICT, r->verdict) ||
	    (r->flags && nla_put_u32(skb, NDVMFW_RULE_A_FLAGS, r->flags)) ||
	    (r->state && nla_put_u32(skb, NDVMFW_RULE_A_STATE, r->state)) ||
	    (r->family && nla_put_u8(skb, NDVMFW_RULE_A_FAMILY, r->family)) ||
	    (r->proto != NDVMFW_PROTO_ANY &&
	     nla_put_u8(skb, NDVMFW_RULE_A_PROTO, r->proto)) ||
	    ndvmfw_put_iface(skb, NDVMFW_RULE_A_IIF, &r->iif) ||
	    ndvmfw_put_iface(skb, NDVMFW_RULE_A_OIF, &r->oif) ||
	    ndvmfw_put_endpoint(skb, NDVMFW_RULE_A_SRC, rs, &r->src) ||
	    ndvmfw_put_endpoint(skb, NDVMFW_RULE_A_DST, rs, &r->dst) ||
	    nla_put_u64_64bit(skb, NDVMFW_RULE_A_PACKETS, packets,
			      NDVMFW_RULE_A_PAD) ||
	    nla_put_u64_64bit(skb, NDVMFW_RULE_A_BYTES, bytes,
			      NDVMFW_RULE_A_PAD))
		return -EMSGSIZE;
	for (i = 0; i < r->icmp_count; i++)
		if (ndvmfw_put_icmp(skb, &rs->icmp[r->icmp_first + i]))
			return -EMSGSIZE;
	return 0;
}

static int ndvmfw_put_rule(struct sk_buff *skb, const struct ndvmfw_table *t,
			   u32 idx)
{
	struct nlattr *nest = nla_nest_start(skb, NDVMFW_A_RULE);

	if (!nest)
		return -EMSGSIZE;
	if (ndvmfw_put_rule_body(skb, t, idx)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ndvmfw_put_ifrule(struct sk_buff *skb, const struct ndvmfw_ifrule *f)
{
	struct nlattr *nest = nla_nest_start(skb, NDVMFW_A_IFRULE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, NDVMFW_IFRULE_A_KIND, f->kind) ||
	    ndvmfw_put_iface(skb, NDVMFW_IFRULE_A_IFACE, &f->iface) ||
	    (f->kind == NDVMFW_IFRULE_BIND &&
	     (nla_put(skb, NDVMFW_IFRULE_A_MAC, sizeof(f->mac), f->mac) ||
	      nla_put_u32(skb, NDVMFW_IFRULE_A_SET, f->set))) ||
	    (f->bridge[0] &&
	     nla_put_string(skb, NDVMFW_IFRULE_A_BRIDGE, f->bridge))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ndvmfw_nl_rules_start(struct netlink_callback *cb)
{
	cb->args[NDVMFW_DUMP_TABLE] = (long)ndvmfw_table_get();
	cb->min_dump_alloc = NDVMFW_DUMP_MIN_ALLOC;
	return 0;
}

static int ndvmfw_nl_rules_done(struct netlink_callback *cb)
{
	ndvmfw_table_put((struct ndvmfw_table *)cb->args[NDVMFW_DUMP_TABLE]);
	return 0;
}

/* Fill one message; returns true if it made progress. */
static bool ndvmfw_dump_fill(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct ndvmfw_table *t)
{
	long *set = &cb->args[NDVMFW_DUMP_SET];
	long *elem = &cb->args[NDVMFW_DUMP_ELEM];
	long *rule = &cb->args[NDVMFW_DUMP_RULE];
	long *ifrule = &cb->args[NDVMFW_DUMP_IFRULE];
	bool progress = false;
	int n;

	while (*set < t->rs.nsets) {
		n = ndvmfw_put_set(skb, t, *set, *elem);
		if (n < 0)
			return progress;
		progress = true;
		*elem += n;
		if (*elem < t->rs.sets[*set].count)
			return progress;
		(*set)++;
		*elem = 0;
	}
	while (*rule < t->rs.nrules) {
		if (ndvmfw_put_rule(skb, t, *rule))
			return progress;
		progress = true;
		(*rule)++;
	}
	while (*ifrule < t->rs.nifrules) {
		if (ndvmfw_put_ifrule(skb, &t->rs.ifrules[*ifrule]))
			return progress;
		progress = true;
		(*ifrule)++;
	}
	return progress;
}

static bool ndvmfw_dump_done(const struct netlink_callback *cb,
			     const struct ndvmfw_table *t)
{
	return cb->args[NDVMFW_DUMP_SET] >= t->rs.nsets &&
	       cb->args[NDVMFW_DUMP_RULE] >= t->rs.nrules &&
	       cb->args[NDVMFW_DUMP_IFRULE] >= t->rs.nifrules;
}

static int ndvmfw_nl_rules_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	const struct ndvmfw_table *t =
		(const struct ndvmfw_table *)cb->args[NDVMFW_DUMP_TABLE];
	void *hdr;

	if (!t || cb->args[NDVMFW_DUMP_ELEM] < 0)
		return 0;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ndvmfw_genl_family, NLM_F_MULTI,
			  NDVMFW_CMD_GET_RULES);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NDVMFW_A_GENERATION, t->generation,
			      NDVMFW_A_PAD) ||
	    nla_put_u8(skb, NDVMFW_A_POLICY, t->rs.policy))
		goto cancel;
	if (!ndvmfw_dump_fill(skb, cb, t) && !ndvmfw_dump_done(cb, t))
		goto cancel;
	if (ndvmfw_dump_done(cb, t))
		cb->args[NDVMFW_DUMP_ELEM] = -1;	/* all sent */
	genlmsg_end(skb, hdr);
	return skb->len;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ---- NDVMFW_CMD_GET_LINKS ---- */

static void *ndvmfw_links_hdr(struct sk_buff *skb, struct netlink_callback *cb)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
			   cb->nlh->nlmsg_seq, &ndvmfw_genl_family,
			   NLM_F_MULTI, NDVMFW_CMD_GET_LINKS);
}

static int ndvmfw_nl_links_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	return ndvmfw_links_dump(skb, cb, ndvmfw_links_hdr);
}

static const struct genl_ops ndvmfw_genl_ops[] = {
	{
		.cmd = NDVMFW_CMD_GET_STATUS,
		.doit = ndvmfw_nl_status,
		.policy = ndvmfw_none_policy,
		.maxattr = NDVMFW_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = NDVMFW_CMD_LOAD,
		.doit = ndvmfw_nl_load,
		.policy = ndvmfw_load_policy,
		.maxattr = NDVMFW_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = NDVMFW_CMD_SEAL,
		.doit = ndvmfw_nl_seal,
		.policy = ndvmfw_none_policy,
		.maxattr = NDVMFW_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = NDVMFW_CMD_GET_RULES,
		.start = ndvmfw_nl_rules_start,
		.dumpit = ndvmfw_nl_rules_dump,
		.done = ndvmfw_nl_rules_done,
		.policy = ndvmfw_none_policy,
		.maxattr = NDVMFW_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = NDVMFW_CMD_GET_LINKS,
		.dumpit = ndvmfw_nl_links_dump,
		.policy = ndvmfw_none_policy,
		.maxattr = NDVMFW_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family ndvmfw_genl_family __ro_after_init = {
	.ops = ndvmfw_genl_ops,
	.n_ops = ARRAY_SIZE(ndvmfw_genl_ops),
	.name = NDVMFW_GENL_NAME,
	.version = NDVMFW_GENL_VERSION,
	.module = THIS_MODULE,
	.netnsok = false,
	.parallel_ops = true,
};

int __init ndvmfw_genl_init(void)
{
	return genl_register_family(&ndvmfw_genl_family);
}

void ndvmfw_genl_exit(void)
{
	genl_unregister_family(&ndvmfw_genl_family);
}
