// SPDX-License-Identifier: GPL-2.0
/*
 * masquerade: source NAT to the output interface's address, for a NDVM
 * that routes its guests to an uplink. The kernel's nf_nat does the work:
 * ndvmfw registers a NAT lookup function at POSTROUTING, which nf_nat
 * calls once for the first packet of each new connection, and answers it
 * with nf_nat_masquerade_ipv4/ipv6() when a masquerade rule matches. Later
 * packets of the connection, replies included, are translated by nf_nat
 * from the conntrack entry without asking again.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_nat.h>
#include <net/netfilter/nf_nat_masquerade.h>
#include "compat.h"
#include "ndvmfw.h"

/* The indices of the masquerade rules of a table being built. */
int ndvmfw_nat_prepare(struct ndvmfw_table *t)
{
	u32 i, n = 0;

	for (i = 0; i < t->rs.nrules; i++)
		n += t->rs.rules[i].verdict == NDVMFW_MASQUERADE;
	if (!n)
		return 0;
	t->masq = kvcalloc(n, sizeof(*t->masq), GFP_KERNEL);
	if (!t->masq)
		return -ENOMEM;
	for (i = 0; i < t->rs.nrules; i++)
		if (t->rs.rules[i].verdict == NDVMFW_MASQUERADE)
			t->masq[t->nmasq++] = i;
	return 0;
}

/* Is @addr in set @id? Sets for masquerade are short: a linear scan. */
static bool ndvmfw_set_has(const struct ndvmfw_ruleset *rs, u32 id,
			   const u8 *addr, u8 family)
{
	const struct ndvmfw_set *s = &rs->sets[id];
	const struct ndvmfw_elem *e;
	u32 i;

	for (i = 0; i < s->count; i++) {
		e = &rs->elems[s->first + i];
		if (ndvmfw_elem_has(e, family, addr))
			return true;
	}
	return false;
}

static unsigned int ndvmfw_nat_hook(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	static const struct nf_nat_range2 range;	/* any address, port */
	const struct ndvmfw_table *t = rcu_dereference(ndvmfw_active);
	u8 family = state->pf;
	const struct ndvmfw_rule *r;
	const u8 *saddr;
	u32 i;

	if (!t || !t->nmasq || !state->out)
		return NF_ACCEPT;
	if (family == NFPROTO_IPV4)
		saddr = (const u8 *)&ip_hdr(skb)->saddr;
	else
		saddr = ipv6_hdr(skb)->saddr.s6_addr;
	for (i = 0; i < t->nmasq; i++) {
		r = &t->rs.rules[t->masq[i]];
		if ((r->family && r->family != family) ||
		    !ndvmfw_iface_match(&r->oif, state->out->name) ||
		    (r->src.set != NDVMFW_SET_NONE &&
		     !ndvmfw_set_has(&t->rs, r->src.set, saddr, family)))
			continue;
		ndvmfw_table_count(t, t->masq[i], skb->len);
		if (family == NFPROTO_IPV4)
			return nf_nat_masquerade_ipv4(skb, state->hook, &range,
						      state->out);
		return nf_nat_masquerade_ipv6(skb, &range, state->out);
	}
	return NF_ACCEPT;
}

static const struct nf_hook_ops ndvmfw_nat_ops[] = {
	{
		.hook = ndvmfw_nat_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP_PRI_NAT_SRC,
	},
	{
		.hook = ndvmfw_nat_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP6_PRI_NAT_SRC,
	},
};

int ndvmfw_nat_init(void)
{
	int ret;

	/* Forget masqueraded connections when their address goes away. */
	ret = nf_nat_masquerade_inet_register_notifiers();
	if (ret)
		return ret;
	ret = nf_nat_ipv4_register_fn(&init_net, &ndvmfw_nat_ops[0]);
	if (ret)
		goto err_notifiers;
	ret = nf_nat_ipv6_register_fn(&init_net, &ndvmfw_nat_ops[1]);
	if (ret)
		goto err_ipv4;
	return 0;

err_ipv4:
	nf_nat_ipv4_unregister_fn(&init_net, &ndvmfw_nat_ops[0]);
err_notifiers:
	nf_nat_masquerade_inet_unregister_notifiers();
	return ret;
}

void ndvmfw_nat_exit(void)
{
	nf_nat_ipv6_unregister_fn(&init_net, &ndvmfw_nat_ops[1]);
	nf_nat_ipv4_unregister_fn(&init_net, &ndvmfw_nat_ops[0]);
	nf_nat_masquerade_inet_unregister_notifiers();
}
