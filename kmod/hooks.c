// SPDX-License-Identifier: GPL-2.0
/*
 * Packet path. The IPv4/IPv6 hooks judge what the machine receives
 * (LOCAL_IN), forwards (FORWARD) and sends (LOCAL_OUT), where the input
 * and output interfaces are known. The kernel's defragmenters run before
 * them (nf_defrag_ipv4/ipv6, enabled while the module is loaded), so rules
 * see whole packets. Before them, a netdev ingress hook on every interface
 * (link.c) drops everything until the first rule set is committed, ARP and
 * other non-IP traffic included, and afterwards VLAN tags no VLAN device
 * takes and, with "antispoof", frames without the interface's identity.
 * Loopback traffic is never judged.
 * Judging allocates nothing and takes no lock: one RCU pointer, per-CPU
 * counters (a logged rule takes its token bucket's spinlock). Only the
 * answer to a "reject" is a new packet, built by the kernel's nf_reject
 * helpers.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/netfilter/ipv6/nf_reject.h>
#include "compat.h"
#include "ndvmfw.h"

unsigned int ndvmfw_unloaded(void)
{
	ndvmfw_stat_inc(NDVMFW_STAT_UNLOADED);
	return ndvmfw_fail_open ? NF_ACCEPT : NF_DROP;
}

/*
 * The packet's connection state as one NDVMFW_STATE_* bit. Conntrack has
 * run at PREROUTING / LOCAL_OUT by now whenever a rule set uses "state"
 * (see ndvmfw_table_build()); a packet it could not track is invalid.
 */
static u64 ndvmfw_key_state(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;

	if (!nf_ct_get(skb, &ctinfo))
		return ctinfo == IP_CT_UNTRACKED ? NDVMFW_STATE_UNTRACKED :
						   NDVMFW_STATE_INVALID;
	switch (ctinfo) {
	case IP_CT_NEW:
		return NDVMFW_STATE_NEW;
	case IP_CT_RELATED:
	case IP_CT_RELATED_REPLY:
		return NDVMFW_STATE_RELATED;
	default:
		return NDVMFW_STATE_ESTABLISHED;
	}
}

/*
 * On a bridge there is no route back: build the answer like the netdev
 * family's reject does, and send it out of the port the packet came in by.
 * A broadcast or multicast frame gets none (as in nft's bridge reject):
 * the hook sees it once per port it is flooded to, and the answer would
 * come from a group address.
 */
static void ndvmfw_reject_bridged(struct sk_buff *skb,
				  const struct nf_hook_state *state, bool v6,
				  u64 proto)
{
	struct sk_buff *nskb;

	if (is_multicast_ether_addr(eth_hdr(skb)->h_dest))
		return;
	if (v6 && proto == IPPROTO_TCP)
		nskb = nf_reject_skb_v6_tcp_reset(state->net, skb, state->in,
						  state->hook);
	else if (v6)
		nskb = nf_reject_skb_v6_unreach(state->net, skb, state->in,
						state->hook,
						ICMPV6_PORT_UNREACH);
	else if (proto == IPPROTO_TCP)
		nskb = nf_reject_skb_v4_tcp_reset(state->net, skb, state->in,
						  state->hook);
	else
		nskb = nf_reject_skb_v4_unreach(state->net, skb, state->in,
						state->hook, ICMP_PORT_UNREACH);
	if (!nskb)
		return;
	dev_hard_header(nskb, nskb->dev, ntohs(skb->protocol),
			eth_hdr(skb)->h_source, eth_hdr(skb)->h_dest,
			nskb->len);
	dev_queue_xmit(nskb);
}

/* reject: a reset for TCP, port unreachable for the rest; then drop. */
static void ndvmfw_reject(struct sk_buff *skb,
			  const struct nf_hook_state *state, bool v6, u64 proto)
{
	if (state->pf == NFPROTO_BRIDGE)
		ndvmfw_reject_bridged(skb, state, v6, proto);
	else if (v6 && proto == IPPROTO_TCP)
		nf_send_reset6(state->net, state->sk, skb, state->hook);
	else if (v6)
		nf_send_unreach6(state->net, skb, ICMPV6_PORT_UNREACH,
				 state->hook);
	else if (proto == IPPROTO_TCP)
		nf_send_reset(state->net, state->sk, skb, state->hook);
	else
		nf_send_unreach(skb, ICMP_PORT_UNREACH, state->hook);
}

static unsigned int ndvmfw_judge(struct sk_buff *skb,
				 const struct nf_hook_state *state, bool v6)
{
	const struct ndvmfw_table *t;
	enum ndvmfw_stat why;
	struct ndvmfw_key key;
	u8 verdict;
	s32 idx;

	if ((state->in && (state->in->flags & IFF_LOOPBACK)) ||
	    (state->out && (state->out->flags & IFF_LOOPBACK)))
		return NF_ACCEPT;
	t = rcu_dereference(ndvmfw_active);
	if (unlikely(!t))
		return ndvmfw_unloaded();

	ndvmfw_key_ifname(&key.f[NDVMFW_DIM_IIF],
			  state->in ? state->in->name : NULL);
	ndvmfw_key_ifname(&key.f[NDVMFW_DIM_OIF],
			  state->out ? state->out->name : NULL);
	ndvmfw_key_u64(&key.f[NDVMFW_DIM_STATE], ndvmfw_key_state(skb));
	if (unlikely(ndvmfw_key_packet(&key, skb, skb_network_offset(skb), v6,
				       &why))) {
		ndvmfw_stat_inc(why);
		return NF_DROP;
	}
	idx = ndvmfw_cls_lookup(v6 ? t->cls6 : t->cls4, &key);
	if (idx < 0) {
		ndvmfw_table_count(t, t->rs.nrules, skb->len);
		verdict = t->rs.policy;
	} else {
		ndvmfw_table_count(t, idx, skb->len);
		verdict = t->rs.rules[idx].verdict;
		if (unlikely(t->rs.rules[idx].flags & NDVMFW_RULE_F_LOG))
			ndvmfw_log_packet(t, idx, state, &key, v6);
	}
	if (verdict == NDVMFW_ACCEPT)
		return NF_ACCEPT;
	if (verdict == NDVMFW_REJECT)
		ndvmfw_reject(skb, state, v6, key.f[NDVMFW_DIM_PROTO].lo);
	return NF_DROP;
}

static unsigned int ndvmfw_ipv4_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	return ndvmfw_judge(skb, state, false);
}

static unsigned int ndvmfw_ipv6_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	return ndvmfw_judge(skb, state, true);
}

/*
 * Bridged traffic, port to port: "in" and "out" are the ports. Traffic
 * between a port and the NDVM itself is judged by the IP hooks above, as
 * the bridge device's. ARP and other non-IP frames pass once a rule set is
 * committed, as on the IP side.
 */
static unsigned int ndvmfw_bridge_hook(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return ndvmfw_judge(skb, state, false);
	case htons(ETH_P_IPV6):
		return ndvmfw_judge(skb, state, true);
	}
	if (unlikely(!rcu_access_pointer(ndvmfw_active)))
		return ndvmfw_unloaded();
	return NF_ACCEPT;
}

#define NDVMFW_OPS(_fn, _pf, _hooknum, _prio) {	\
	.hook = _fn,					\
	.pf = _pf,					\
	.hooknum = _hooknum,				\
	.priority = _prio,				\
}

static const struct nf_hook_ops ndvmfw_ops[] = {
	NDVMFW_OPS(ndvmfw_ipv4_hook, NFPROTO_IPV4, NF_INET_LOCAL_IN,
		   NF_IP_PRI_FILTER),
	NDVMFW_OPS(ndvmfw_ipv4_hook, NFPROTO_IPV4, NF_INET_FORWARD,
		   NF_IP_PRI_FILTER),
	NDVMFW_OPS(ndvmfw_ipv4_hook, NFPROTO_IPV4, NF_INET_LOCAL_OUT,
		   NF_IP_PRI_FILTER),
	NDVMFW_OPS(ndvmfw_ipv6_hook, NFPROTO_IPV6, NF_INET_LOCAL_IN,
		   NF_IP6_PRI_FILTER),
	NDVMFW_OPS(ndvmfw_ipv6_hook, NFPROTO_IPV6, NF_INET_FORWARD,
		   NF_IP6_PRI_FILTER),
	NDVMFW_OPS(ndvmfw_ipv6_hook, NFPROTO_IPV6, NF_INET_LOCAL_OUT,
		   NF_IP6_PRI_FILTER),
	NDVMFW_OPS(ndvmfw_bridge_hook, NFPROTO_BRIDGE, NF_BR_FORWARD,
		   NF_BR_PRI_FILTER_BRIDGED),
};

int ndvmfw_hooks_init(void)
{
	int ret;

	/* Judge whole packets: fragments wait for the rest, then pass. */
	ret = nf_defrag_ipv4_enable(&init_net);
	if (ret)
		return ret;
	ret = nf_defrag_ipv6_enable(&init_net);
	if (ret)
		goto err_defrag4;
	ret = nf_register_net_hooks(&init_net, ndvmfw_ops,
				    ARRAY_SIZE(ndvmfw_ops));
	if (ret)
		goto err_defrag6;
	return 0;

err_defrag6:
	nf_defrag_ipv6_disable(&init_net);
err_defrag4:
	nf_defrag_ipv4_disable(&init_net);
	return ret;
}

void ndvmfw_hooks_exit(void)
{
	nf_unregister_net_hooks(&init_net, ndvmfw_ops,
				ARRAY_SIZE(ndvmfw_ops));
	nf_defrag_ipv6_disable(&init_net);
	nf_defrag_ipv4_disable(&init_net);
}
