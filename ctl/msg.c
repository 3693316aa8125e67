// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding a rule set into NDVMFW_CMD_LOAD, and decoding the replies of
 * NDVMFW_CMD_GET_STATUS and NDVMFW_CMD_GET_RULES. Replies are validated
 * attribute by attribute; unknown attributes are skipped so that a newer
 * kernel does not break an older fwctl.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include "msg.h"
#include "parse.h"

/* An attribute nest holds at most 64 KiB; start a new one well before. */
#define FW_NEST_ROOM	60000

/* ---- NDVMFW_CMD_LOAD ---- */

static size_t fw_load_size(const struct ndvmfw_ruleset *rs)
{
	return 4096 + (size_t)rs->nsets * 64 + (size_t)rs->nelems * 40 +
	       (size_t)rs->nrules * 256 + (size_t)rs->nports * 24 +
	       (size_t)rs->nicmp * 24 + (size_t)rs->nifrules * 96 +
	       (size_t)rs->nelems / 1000 * 64;
}

static void fw_put_set_head(struct nlmsghdr *nlh, u32 id,
			    const struct ndvmfw_set *s)
{
	mnl_attr_put_u32(nlh, NDVMFW_SET_A_ID, id);
	if (s->name[0])
		mnl_attr_put_strz(nlh, NDVMFW_SET_A_NAME, s->name);
}

static void fw_put_set(struct nlmsghdr *nlh, const struct ndvmfw_ruleset *rs,
		       u32 id)
{
	const struct ndvmfw_set *s = &rs->sets[id];
	struct nlattr *nest, *e;
	u32 i;

	nest = mnl_attr_nest_start(nlh, NDVMFW_A_SET);
	fw_put_set_head(nlh, id, s);
	for (i = 0; i < s->count; i++) {
		const struct ndvmfw_elem *el = &rs->elems[s->first + i];

		if ((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nest >
		    FW_NEST_ROOM) {
			mnl_attr_nest_end(nlh, nest);
			nest = mnl_attr_nest_start(nlh, NDVMFW_A_SET);
			fw_put_set_head(nlh, id, s);
		}
		e = mnl_attr_nest_start(nlh, NDVMFW_SET_A_ELEM);
		mnl_attr_put(nlh, NDVMFW_ELEM_A_ADDR,
			     el->family == NFPROTO_IPV4 ? 4 : 16, el->addr);
		mnl_attr_put_u8(nlh, NDVMFW_ELEM_A_PREFIXLEN, el->plen);
		mnl_attr_nest_end(nlh, e);
	}
	mnl_attr_nest_end(nlh, nest);
}

static void fw_put_iface(struct nlmsghdr *nlh, int type,
			 const struct ndvmfw_iface *i)
{
	struct nlattr *nest;

	if (i->mode == NDVMFW_IFACE_NONE)
		return;
	nest = mnl_attr_nest_start(nlh, type);
	mnl_attr_put_strz(nlh, NDVMFW_IFACE_A_NAME, i->name);
	if (i->mode == NDVMFW_IFACE_PREFIX)
		mnl_attr_put(nlh, NDVMFW_IFACE_A_PREFIX, 0, NULL);
	mnl_attr_nest_end(nlh, nest);
}

static void fw_put_endpoint(struct nlmsghdr *nlh, int type,
			    const struct ndvmfw_ruleset *rs,
			    const struct ndvmfw_endpoint *ep)
{
	struct nlattr *nest, *p;
	u32 i;

	if (ep->set == NDVMFW_SET_NONE && !ep->port_count)
		return;
	nest = mnl_attr_nest_start(nlh, type);
	if (ep->set != NDVMFW_SET_NONE)
		mnl_attr_put_u32(nlh, NDVMFW_ADDR_A_SET, ep->set);
	for (i = 0; i < ep->port_count; i++) {
		p = mnl_attr_nest_start(nlh, NDVMFW_ADDR_A_PORT);
		mnl_attr_put_u16(nlh, NDVMFW_PORT_A_LO,
				 rs->ports[ep->port_first + i].lo);
		mnl_attr_put_u16(nlh, NDVMFW_PORT_A_HI,
				 rs->ports[ep->port_first + i].hi);
		mnl_attr_nest_end(nlh, p);
	}
	mnl_attr_nest_end(nlh, nest);
}

static void fw_put_rule(struct nlmsghdr *nlh, const struct ndvmfw_ruleset *rs,
			const struct ndvmfw_rule *r)
{
	struct nlattr *nest, *ic;
	u32 i;

	nest = mnl_attr_nest_start(nlh, NDVMFW_A_RULE);
	mnl_attr_put_u8(nlh, NDVMFW_RULE_A_VERDICT, r->verdict);
	if (r->flags)
		mnl_attr_put_u32(nlh, NDVMFW_RULE_A_FLAGS, r->flags);
	if (r->state)
		mnl_attr_put_u32(nlh, NDVMFW_RULE_A_STATE, r->state);
	if (r->family)
		mnl_attr_put_u8(nlh, NDVMFW_RULE_A_FAMILY, r->family);
	if (r->proto != NDVMFW_PROTO_ANY)
		mnl_attr_put_u8(nlh, NDVMFW_RULE_A_PROTO, r->proto);
	fw_put_iface(nlh, NDVMFW_RULE_A_IIF, &r->iif);
	fw_put_iface(nlh, NDVMFW_RULE_A_OIF, &r->oif);
	fw_put_endpoint(nlh, NDVMFW_RULE_A_SRC, rs, &r->src);
	fw_put_endpoint(nlh, NDVMFW_RULE_A_DST, rs, &r->dst);
	for (i = 0; i < r->icmp_count; i++) {
		const struct ndvmfw_icmp *c = &rs->icmp[r->icmp_first + i];

		ic = mnl_attr_nest_start(nlh, NDVMFW_RULE_A_ICMP);
		mnl_attr_put_u8(nlh, NDVMFW_ICMP_A_TYPE, c->type);
		if (c->has_code)
			mnl_attr_put_u8(nlh, NDVMFW_ICMP_A_CODE, c->code);
		mnl_attr_nest_end(nlh, ic);
	}
	mnl_attr_nest_end(nlh, nest);
}

static void fw_put_ifrule(struct nlmsghdr *nlh, const struct ndvmfw_ifrule *f)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, NDVMFW_A_IFRULE);
	mnl_attr_put_u8(nlh, NDVMFW_IFRULE_A_KIND, f->kind);
	fw_put_iface(nlh, NDVMFW_IFRULE_A_IFACE, &f->iface);
	if (f->kind == NDVMFW_IFRULE_BIND)
		mnl_attr_put(nlh, NDVMFW_IFRULE_A_MAC, sizeof(f->mac), f->mac);
	if (f->set != NDVMFW_SET_NONE)
		mnl_attr_put_u32(nlh, NDVMFW_IFRULE_A_SET, f->set);
	if (f->bridge[0])
		mnl_attr_put_strz(nlh, NDVMFW_IFRULE_A_BRIDGE, f->bridge);
	mnl_attr_nest_end(nlh, nest);
}

/**
 * fw_encode_load - build one NDVMFW_CMD_LOAD request for a whole rule set
 * @n: the socket, for the family id
 * @rs: the rule set
 * @flags: NDVMFW_LOAD_F_*
 *
 * Return: the message, to be freed, or NULL with errno set.
 */
struct nlmsghdr *fw_encode_load(struct fw_nl *n,
				const struct ndvmfw_ruleset *rs, u32 flags)
{
	struct nlmsghdr *nlh;
	void *buf;
	u32 i;

	buf = calloc(1, fw_load_size(rs));
	if (!buf)
		return NULL;
	nlh = fw_nl_put(n, buf, NDVMFW_CMD_LOAD, 0);
	mnl_attr_put_u8(nlh, NDVMFW_A_POLICY, rs->policy);
	if (flags)
		mnl_attr_put_u32(nlh, NDVMFW_A_LOAD_FLAGS, flags);
	for (i = 0; i < rs->nsets; i++)
		fw_put_set(nlh, rs, i);
	for (i = 0; i < rs->nrules; i++)
		fw_put_rule(nlh, rs, &rs->rules[i]);
	for (i = 0; i < rs->nifrules; i++)
		fw_put_ifrule(nlh, &rs->ifrules[i]);
	return nlh;
}

/* ---- NDVMFW_CMD_GET_STATUS ---- */

const struct fw_counter fw_counters[FW_NCOUNTERS] = {
	{ NDVMFW_A_UNLOADED_PACKETS, "unloaded-packets" },
	{ NDVMFW_A_MALFORMED_PACKETS, "malformed-packets" },
	{ NDVMFW_A_FRAGMENT_PACKETS, "fragment-packets" },
	{ NDVMFW_A_EXTHDR_PACKETS, "exthdr-packets" },
	{ NDVMFW_A_VLAN_PACKETS, "vlan-packets" },
	{ NDVMFW_A_LOG_SUPPRESSED, "log-suppressed" },
};

static int fw_status_attr(const struct nlattr *a, void *data)
{
	struct fw_status *st = data;
	int type = mnl_attr_get_type(a);
	int i;

	switch (type) {
	case NDVMFW_A_LOADED:
	case NDVMFW_A_SEALED:
	case NDVMFW_A_FAIL_OPEN:
	case NDVMFW_A_POLICY:
		if (mnl_attr_validate(a, MNL_TYPE_U8))
			return MNL_CB_ERROR;
		break;
	case NDVMFW_A_NRULES:
	case NDVMFW_A_NSETS:
	case NDVMFW_A_NELEMS:
		if (mnl_attr_validate(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		break;
	case NDVMFW_A_DIGEST:
		if (mnl_attr_get_payload_len(a) != NDVMFW_DIGEST_LEN)
			return MNL_CB_ERROR;
		memcpy(st->digest, mnl_attr_get_payload(a), NDVMFW_DIGEST_LEN);
		return MNL_CB_OK;
	case NDVMFW_A_GENERATION:
	case NDVMFW_A_POLICY_PACKETS:
	case NDVMFW_A_POLICY_BYTES:
	case NDVMFW_A_UNLOADED_PACKETS:
	case NDVMFW_A_MALFORMED_PACKETS:
	case NDVMFW_A_FRAGMENT_PACKETS:
	case NDVMFW_A_EXTHDR_PACKETS:
	case NDVMFW_A_VLAN_PACKETS:
	case NDVMFW_A_LOG_SUPPRESSED:
	case NDVMFW_A_CLS_NODES:
	case NDVMFW_A_CLS_BYTES:
		if (mnl_attr_validate(a, MNL_TYPE_U64))
			return MNL_CB_ERROR;
		break;
	default:
		return MNL_CB_OK;
	}
	switch (type) {
	case NDVMFW_A_LOADED:
		st->loaded = mnl_attr_get_u8(a);
		break;
	case NDVMFW_A_SEALED:
		st->sealed = mnl_attr_get_u8(a);
		break;
	case NDVMFW_A_FAIL_OPEN:
		st->fail_open = mnl_attr_get_u8(a);
		break;
	case NDVMFW_A_POLICY:
		st->policy = mnl_attr_get_u8(a);
		break;
	case NDVMFW_A_NRULES:
		st->nrules = mnl_attr_get_u32(a);
		break;
	case NDVMFW_A_NSETS:
		st->nsets = mnl_attr_get_u32(a);
		break;
	case NDVMFW_A_NELEMS:
		st->nelems = mnl_attr_get_u32(a);
		break;
	case NDVMFW_A_GENERATION:
		st->generation = mnl_attr_get_u64(a);
		break;
	case NDVMFW_A_POLICY_PACKETS:
		st->policy_packets = mnl_attr_get_u64(a);
		break;
	case NDVMFW_A_POLICY_BYTES:
		st->policy_bytes = mnl_attr_get_u64(a);
		break;
	case NDVMFW_A_CLS_NODES:
		st->cls_nodes = mnl_attr_get_u64(a);
		break;
	case NDVMFW_A_CLS_BYTES:
		st->cls_bytes = mnl_attr_get_u64(a);
		break;
	default:
		for (i = 0; i < FW_NCOUNTERS; i++)
			if (fw_counters[i].attr == type)
				st->counters[i] = mnl_attr_get_u64(a);
	}
	return MNL_CB_OK;
}

static int fw_status_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, GENL_HDRLEN, fw_status_attr, data);
}

int fw_get_status(struct fw_nl *n, struct fw_status *st)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	memset(st, 0, sizeof(*st));
	return fw_nl_talk(n, fw_nl_put(n, buf, NDVMFW_CMD_GET_STATUS, 0),
			  fw_status_cb, st);
}

/* ---- NDVMFW_CMD_GET_RULES ---- */

/* Make room for element @n of array @p; 0 or -ENOMEM. */
static int fw_room(void **p, u32 *cap, u32 n, size_t size)
{
	void *np = fw_grow(*p, cap, n, size);

	if (!np)
		return -ENOMEM;
	*p = np;
	return 0;
}

/* Attribute payload of the expected length, or NULL. */
static const void *fw_get(const struct nlattr *a, enum mnl_attr_data_type t)
{
	return mnl_attr_validate(a, t) ? NULL : mnl_attr_get_payload(a);
}

/* An NDVMFW_SET_A_ELEM / NDVMFW_LINK_A_ELEM nest. */
static int fw_parse_elem(const struct nlattr *nest, struct ndvmfw_elem *e)
{
	const struct nlattr *a;
	int len;

	memset(e, 0, sizeof(*e));
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case NDVMFW_ELEM_A_ADDR:
			len = mnl_attr_get_payload_len(a);
			if (len != 4 && len != 16)
				return -EBADMSG;
			e->family = len == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
			memcpy(e->addr, mnl_attr_get_payload(a), len);
			break;
		case NDVMFW_ELEM_A_PREFIXLEN:
			if (!fw_get(a, MNL_TYPE_U8))
				return -EBADMSG;
			e->plen = mnl_attr_get_u8(a);
			break;
		}
	}
	return e->family ? 0 : -EBADMSG;
}

static int fw_dump_elem(struct fw_dump *d, const struct nlattr *nest)
{
	struct ndvmfw_ruleset *rs = &d->rs;
	int ret;

	if (fw_room((void **)&rs->elems, &d->cap_elems, rs->nelems,
		    sizeof(*rs->elems)))
		return -ENOMEM;
	ret = fw_parse_elem(nest, &rs->elems[rs->nelems]);
	if (!ret)
		rs->nelems++;
	return ret;
}

static int fw_dump_set(struct fw_dump *d, const struct nlattr *nest)
{
	struct ndvmfw_ruleset *rs = &d->rs;
	const struct nlattr *a, *id = NULL, *name = NULL;
	struct ndvmfw_set *s;
	int ret;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == NDVMFW_SET_A_ID)
			id = fw_get(a, MNL_TYPE_U32) ? a : NULL;
		else if (mnl_attr_get_type(a) == NDVMFW_SET_A_NAME)
			name = a;
	}
	if (!id)
		return -EBADMSG;
	if (mnl_attr_get_u32(id) == rs->nsets) {
		if (fw_room((void **)&rs->sets, &d->cap_sets, rs->nsets,
			    sizeof(*rs->sets)))
			return -ENOMEM;
		s = &rs->sets[rs->nsets++];
		memset(s, 0, sizeof(*s));
		s->first = rs->nelems;
		if (name) {
			if (mnl_attr_validate(name, MNL_TYPE_NUL_STRING) ||
			    mnl_attr_get_payload_len(name) > sizeof(s->name))
				return -EBADMSG;
			strcpy(s->name, mnl_attr_get_str(name));
		}
	} else if (!rs->nsets || mnl_attr_get_u32(id) != rs->nsets - 1) {
		return -EBADMSG;
	}
	s = &rs->sets[rs->nsets - 1];
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != NDVMFW_SET_A_ELEM)
			continue;
		ret = fw_dump_elem(d, a);
		if (ret)
			return ret;
		s->count++;
	}
	return 0;
}

static int fw_dump_iface(const struct nlattr *nest, struct ndvmfw_iface *i)
{
	const struct nlattr *a;

	i->mode = NDVMFW_IFACE_EXACT;
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == NDVMFW_IFACE_A_PREFIX) {
			i->mode = NDVMFW_IFACE_PREFIX;
		} else if (mnl_attr_get_type(a) == NDVMFW_IFACE_A_NAME) {
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) ||
			    mnl_attr_get_payload_len(a) > IFNAMSIZ)
				return -EBADMSG;
			strcpy(i->name, mnl_attr_get_str(a));
		}
	}
	return 0;
}

static int fw_dump_endpoint(struct fw_dump *d, const struct nlattr *nest,
			    struct ndvmfw_endpoint *ep)
{
	struct ndvmfw_ruleset *rs = &d->rs;
	const struct nlattr *a, *b;
	struct ndvmfw_port_range *p;

	ep->port_first = rs->nports;
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == NDVMFW_ADDR_A_SET) {
			if (!fw_get(a, MNL_TYPE_U32))
				return -EBADMSG;
			ep->set = mnl_attr_get_u32(a);
			continue;
		}
		if (mnl_attr_get_type(a) != NDVMFW_ADDR_A_PORT)
			continue;
		if (fw_room((void **)&rs->ports, &d->cap_ports, rs->nports,
			    sizeof(*rs->ports)))
			return -ENOMEM;
		p = &rs->ports[rs->nports++];
		ep->port_count++;
		mnl_attr_for_each_nested(b, a) {
			if (!fw_get(b, MNL_TYPE_U16))
				return -EBADMSG;
			if (mnl_attr_get_type(b) == NDVMFW_PORT_A_LO)
				p->lo = mnl_attr_get_u16(b);
			else if (mnl_attr_get_type(b) == NDVMFW_PORT_A_HI)
				p->hi = mnl_attr_get_u16(b);
		}
	}
	return 0;
}

static int fw_dump_icmp(struct fw_dump *d, const struct nlattr *nest,
			struct ndvmfw_rule *r)
{
	struct ndvmfw_ruleset *rs = &d->rs;
	struct ndvmfw_icmp *ic;
	const struct nlattr *a;

	if (fw_room((void **)&rs->icmp, &d->cap_icmp, rs->nicmp,
		    sizeof(*rs->icmp)))
		return -ENOMEM;
	ic = &rs->icmp[rs->nicmp++];
	r->icmp_count++;
	mnl_attr_for_each_nested(a, nest) {
		if (!fw_get(a, MNL_TYPE_U8))
			return -EBADMSG;
		if (mnl_attr_get_type(a) == NDVMFW_ICMP_A_TYPE) {
			ic->type = mnl_attr_get_u8(a);
		} else if (mnl_attr_get_type(a) == NDVMFW_ICMP_A_CODE) {
			ic->code = mnl_attr_get_u8(a);
			ic->has_code = 1;
		}
	}
	return 0;
}

static int fw_dump_rule_attr(struct fw_dump *d, struct ndvmfw_rule *r,
			     u32 idx, const struct nlattr *a)
{
	switch (mnl_attr_get_type(a)) {
	case NDVMFW_RULE_A_VERDICT:
		return fw_get(a, MNL_TYPE_U8) ?
		       (r->verdict = mnl_attr_get_u8(a), 0) : -EBADMSG;
	case NDVMFW_RULE_A_FAMILY:
		return fw_get(a, MNL_TYPE_U8) ?
		       (r->family = mnl_attr_get_u8(a), 0) : -EBADMSG;
	case NDVMFW_RULE_A_PROTO:
		return fw_get(a, MNL_TYPE_U8) ?
		       (r->proto = mnl_attr_get_u8(a), 0) : -EBADMSG;
	case NDVMFW_RULE_A_FLAGS:
		return fw_get(a, MNL_TYPE_U32) ?
		       (r->flags = mnl_attr_get_u32(a), 0) : -EBADMSG;
	case NDVMFW_RULE_A_STATE:
		return fw_get(a, MNL_TYPE_U32) ?
		       (r->state = mnl_attr_get_u32(a), 0) : -EBADMSG;
	case NDVMFW_RULE_A_PACKETS:
		return fw_get(a, MNL_TYPE_U64) ?
		       (d->packets[idx] = mnl_attr_get_u64(a), 0) : -EBADMSG;
	case NDVMFW_RULE_A_BYTES:
		return fw_get(a, MNL_TYPE_U64) ?
		       (d->bytes[idx] = mnl_attr_get_u64(a), 0) : -EBADMSG;
	case NDVMFW_RULE_A_IIF:
		return fw_dump_iface(a, &r->iif);
	case NDVMFW_RULE_A_OIF:
		return fw_dump_iface(a, &r->oif);
	case NDVMFW_RULE_A_SRC:
		return fw_dump_endpoint(d, a, &r->src);
	case NDVMFW_RULE_A_DST:
		return fw_dump_endpoint(d, a, &r->dst);
	case NDVMFW_RULE_A_ICMP:
		return fw_dump_icmp(d, a, r);
	}
	return 0;
}

static int fw_dump_rule(struct fw_dump *d, const struct nlattr *nest)
{
	struct ndvmfw_ruleset *rs = &d->rs;
	struct ndvmfw_rule *r;
	const struct nlattr *a;
	u32 idx = rs->nrules;
	int ret;

	if (fw_room((void **)&rs->rules, &d->cap_rules, idx,
		    sizeof(*rs->rules)) ||
	    fw_room((void **)&d->packets, &d->cap_packets, idx, sizeof(u64)) ||
	    fw_room((void **)&d->bytes, &d->cap_bytes, idx, sizeof(u64)))
		return -ENOMEM;
	r = &rs->rules[rs->nrules++];
	memset(r, 0, sizeof(*r));
	r->proto = NDVMFW_PROTO_ANY;
	r->src.set = NDVMFW_SET_NONE;
	r->dst.set = NDVMFW_SET_NONE;
	r->icmp_first = rs->nicmp;
	mnl_attr_for_each_nested(a, nest) {
		ret = fw_dump_rule_attr(d, r, idx, a);
		if (ret)
			return ret;
	}
	return 0;
}

static int fw_dump_ifrule(struct fw_dump *d, const struct nlattr *nest)
{
	struct ndvmfw_ruleset *rs = &d->rs;
	struct ndvmfw_ifrule *f;
	const struct nlattr *a;
	int ret;

	if (fw_room((void **)&rs->ifrules, &d->cap_ifrules, rs->nifrules,
		    sizeof(*rs->ifrules)))
		return -ENOMEM;
	f = &rs->ifrules[rs->nifrules++];
	memset(f, 0, sizeof(*f));
	f->set = NDVMFW_SET_NONE;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case NDVMFW_IFRULE_A_KIND:
			if (!fw_get(a, MNL_TYPE_U8))
				return -EBADMSG;
			f->kind = mnl_attr_get_u8(a);
			break;
		case NDVMFW_IFRULE_A_IFACE:
			ret = fw_dump_iface(a, &f->iface);
			if (ret)
				return ret;
			break;
		case NDVMFW_IFRULE_A_MAC:
			if (mnl_attr_get_payload_len(a) != sizeof(f->mac))
				return -EBADMSG;
			memcpy(f->mac, mnl_attr_get_payload(a), sizeof(f->mac));
			break;
		case NDVMFW_IFRULE_A_SET:
			if (!fw_get(a, MNL_TYPE_U32))
				return -EBADMSG;
			f->set = mnl_attr_get_u32(a);
			break;
		case NDVMFW_IFRULE_A_BRIDGE:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) ||
			    mnl_attr_get_payload_len(a) > IFNAMSIZ)
				return -EBADMSG;
			strcpy(f->bridge, mnl_attr_get_str(a));
			break;
		}
	}
	return 0;
}

static int fw_dump_attr(const struct nlattr *a, void *data)
{
	struct fw_dump *d = data;
	int ret = 0;

	switch (mnl_attr_get_type(a)) {
	case NDVMFW_A_POLICY:
		if (!fw_get(a, MNL_TYPE_U8))
			return MNL_CB_ERROR;
		d->rs.policy = mnl_attr_get_u8(a);
		d->loaded = true;
		break;
	case NDVMFW_A_GENERATION:
		if (!fw_get(a, MNL_TYPE_U64))
			return MNL_CB_ERROR;
		d->generation = mnl_attr_get_u64(a);
		break;
	case NDVMFW_A_SET:
		ret = fw_dump_set(d, a);
		break;
	case NDVMFW_A_RULE:
		ret = fw_dump_rule(d, a);
		break;
	case NDVMFW_A_IFRULE:
		ret = fw_dump_ifrule(d, a);
		break;
	}
	if (ret) {
		errno = -ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int fw_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, GENL_HDRLEN, fw_dump_attr, data);
}

void fw_dump_free(struct fw_dump *d)
{
	fw_ruleset_free(&d->rs);
	free(d->packets);
	free(d->bytes);
	memset(d, 0, sizeof(*d));
}

/**
 * fw_get_dump - fetch the active rule set with its counters
 * @n: an open socket
 * @d: filled in; d->loaded is false when no rule set is loaded
 *
 * Return: 0 or a negative errno (-EBADMSG for a reply that makes no sense).
 */
int fw_get_dump(struct fw_nl *n, struct fw_dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ndvmfw_error err;
	int ret;

	memset(d, 0, sizeof(*d));
	ret = fw_nl_talk(n, fw_nl_put(n, buf, NDVMFW_CMD_GET_RULES,
				      NLM_F_DUMP), fw_dump_cb, d);
	if (!ret && d->loaded && ndvmfw_ruleset_check(&d->rs, &err))
		ret = -EBADMSG;
	if (ret)
		fw_dump_free(d);
	return ret;
}

/* ---- NDVMFW_CMD_GET_LINKS ---- */

static int fw_link_elem(struct fw_link *l, const struct nlattr *nest)
{
	int ret;

	if (l->naddrs == FW_LINK_MAX_ADDRS)
		return 0;
	ret = fw_parse_elem(nest, &l->addrs[l->naddrs]);
	if (!ret)
		l->naddrs++;
	return ret;
}

static int fw_link_str(const struct nlattr *a, char *dst, size_t size)
{
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) ||
	    mnl_attr_get_payload_len(a) > size)
		return -EBADMSG;
	strcpy(dst, mnl_attr_get_str(a));
	return 0;
}

static int fw_link_attr(struct fw_link *l, const struct nlattr *a)
{
	int t = mnl_attr_get_type(a);

	switch (t) {
	case NDVMFW_LINK_A_NAME:
		return fw_link_str(a, l->name, sizeof(l->name));
	case NDVMFW_LINK_A_XEN_PATH:
		return fw_link_str(a, l->xen_path, sizeof(l->xen_path));
	case NDVMFW_LINK_A_BRIDGE:
		return fw_link_str(a, l->bridge, sizeof(l->bridge));
	case NDVMFW_LINK_A_IFINDEX:
	case NDVMFW_LINK_A_XEN_DOMID:
		if (!fw_get(a, MNL_TYPE_U32))
			return -EBADMSG;
		if (t == NDVMFW_LINK_A_IFINDEX)
			l->ifindex = mnl_attr_get_u32(a);
		else
			l->xen_domid = mnl_attr_get_u32(a);
		return 0;
	case NDVMFW_LINK_A_IDENT:
	case NDVMFW_LINK_A_ANTISPOOF:
	case NDVMFW_LINK_A_HOTPLUG:
		if (!fw_get(a, MNL_TYPE_U8))
			return -EBADMSG;
		if (t == NDVMFW_LINK_A_IDENT)
			l->ident = mnl_attr_get_u8(a);
		else if (t == NDVMFW_LINK_A_ANTISPOOF)
			l->antispoof = mnl_attr_get_u8(a);
		else
			l->hotplug = mnl_attr_get_u8(a);
		return 0;
	case NDVMFW_LINK_A_MAC:
		if (mnl_attr_get_payload_len(a) != sizeof(l->mac))
			return -EBADMSG;
		memcpy(l->mac, mnl_attr_get_payload(a), sizeof(l->mac));
		l->has_mac = true;
		return 0;
	case NDVMFW_LINK_A_ELEM:
		return fw_link_elem(l, a);
	case NDVMFW_LINK_A_DROP_MAC:
	case NDVMFW_LINK_A_DROP_IP:
	case NDVMFW_LINK_A_DROP_ARP:
	case NDVMFW_LINK_A_DROP_OTHER:
		if (!fw_get(a, MNL_TYPE_U64))
			return -EBADMSG;
		l->drop[t - NDVMFW_LINK_A_DROP_MAC] = mnl_attr_get_u64(a);
		return 0;
	}
	return 0;
}

struct fw_links_ctx {
	struct fw_link *links;
	u32 n, cap;
};

static int fw_links_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fw_links_ctx *c = data;
	const struct nlattr *a, *b;
	struct fw_link *l;
	int ret;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != NDVMFW_A_LINK)
			continue;
		if (fw_room((void **)&c->links, &c->cap, c->n, sizeof(*l))) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		l = &c->links[c->n++];
		memset(l, 0, sizeof(*l));
		mnl_attr_for_each_nested(b, a) {
			ret = fw_link_attr(l, b);
			if (ret) {
				errno = -ret;
				return MNL_CB_ERROR;
			}
		}
	}
	return MNL_CB_OK;
}

/**
 * fw_get_links - fetch the interfaces the module reports
 * @n: an open socket
 * @links: set to a malloc'd array (NULL if none)
 * @nlinks: its length
 *
 * Return: 0 or a negative errno.
 */
int fw_get_links(struct fw_nl *n, struct fw_link **links, u32 *nlinks)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct fw_links_ctx c = { 0 };
	int ret;

	ret = fw_nl_talk(n, fw_nl_put(n, buf, NDVMFW_CMD_GET_LINKS,
				      NLM_F_DUMP), fw_links_cb, &c);
	if (ret) {
		free(c.links);
		c.links = NULL;
		c.n = 0;
	}
	*links = c.links;
	*nlinks = c.n;
	return ret;
}
