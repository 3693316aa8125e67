// SPDX-License-Identifier: GPL-2.0
/*
 * Packet path. The IPv4/IPv6 hooks judge what the machine receives
 * (LOCAL_IN), forwards (FORWARD) and sends (LOCAL_OUT), where the input
 * and output interfaces are known. A netdev ingress hook on every
 * non-loopback interface of the initial namespace, including interfaces
 * that appear later, drops everything until the first rule set is
 * committed, ARP and other non-IP traffic included. Loopback traffic is
 * never judged. Judging allocates nothing and takes no lock: one RCU
 * pointer, per-CPU counters; only the answer to a "reject" is a new packet,
 * built by the kernel's nf_reject helpers.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_reject.h>
#include "compat.h"
#include "ndvmfw.h"

static unsigned int ndvmfw_unloaded(void)
{
	ndvmfw_stat_inc(NDVMFW_STAT_UNLOADED);
	return ndvmfw_fail_open ? NF_ACCEPT : NF_DROP;
}

/* Ports or ICMP type; -EINVAL if the packet is too short to hold them. */
static int ndvmfw_key_l4(struct ndvmfw_key *k, const struct sk_buff *skb,
			 unsigned int thoff, u8 proto, bool icmp)
{
	u8 buf[4];
	const u8 *p;

	ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], NDVMFW_L4_NONE);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], NDVMFW_L4_NONE);
	if (icmp) {
		p = skb_header_pointer(skb, thoff, 2, buf);
		if (!p)
			return -EINVAL;
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT],
			       get_unaligned_be16(p));
	} else if (ndvmfw_proto_has_ports(proto)) {
		p = skb_header_pointer(skb, thoff, 4, buf);
		if (!p)
			return -EINVAL;
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], get_unaligned_be16(p));
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT],
			       get_unaligned_be16(p + 2));
	}
	return 0;
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

static int ndvmfw_key_ipv4(struct ndvmfw_key *k, const struct sk_buff *skb)
{
	unsigned int nhoff = skb_network_offset(skb);
	const struct iphdr *iph;
	struct iphdr _iph;

	iph = skb_header_pointer(skb, nhoff, sizeof(_iph), &_iph);
	if (!iph || iph->ihl < 5 || iph->version != 4)
		return -EINVAL;
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_PROTO], iph->protocol);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_SADDR], (const u8 *)&iph->saddr,
			false);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_DADDR], (const u8 *)&iph->daddr,
			false);
	if (iph->frag_off & htons(IP_OFFSET)) {
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], NDVMFW_L4_NONE);
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], NDVMFW_L4_NONE);
		return 0;
	}
	return ndvmfw_key_l4(k, skb, nhoff + iph->ihl * 4, iph->protocol,
			     iph->protocol == IPPROTO_ICMP);
}

static int ndvmfw_key_ipv6(struct ndvmfw_key *k, struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr _ip6h;
	unsigned short frag_off = 0;
	unsigned int thoff = 0;
	int proto, flags = 0;

	ip6h = skb_header_pointer(skb, skb_network_offset(skb),
				  sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return -EINVAL;
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_SADDR], ip6h->saddr.s6_addr, true);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_DADDR], ip6h->daddr.s6_addr, true);
	proto = ipv6_find_hdr(skb, &thoff, -1, &frag_off, &flags);
	if (proto < 0)
		return -EINVAL;
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_PROTO], proto);
	if (frag_off) {
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], NDVMFW_L4_NONE);
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], NDVMFW_L4_NONE);
		return 0;
	}
	return ndvmfw_key_l4(k, skb, thoff, proto, proto == IPPROTO_ICMPV6);
}

static void ndvmfw_log(const struct ndvmfw_table *t, u32 idx,
		       const struct nf_hook_state *state,
		       const struct ndvmfw_key *k, bool v6)
{
	u64 sport = k->f[NDVMFW_DIM_SPORT].lo;
	u64 dport = k->f[NDVMFW_DIM_DPORT].lo;
	char src[48], dst[48];
	u8 s[16], d[16];

	if (!net_ratelimit())
		return;
	if (v6) {
		put_unaligned_be64(k->f[NDVMFW_DIM_SADDR].hi, s);
		put_unaligned_be64(k->f[NDVMFW_DIM_SADDR].lo, s + 8);
		put_unaligned_be64(k->f[NDVMFW_DIM_DADDR].hi, d);
		put_unaligned_be64(k->f[NDVMFW_DIM_DADDR].lo, d + 8);
		snprintf(src, sizeof(src), "%pI6c", s);
		snprintf(dst, sizeof(dst), "%pI6c", d);
	} else {
		put_unaligned_be32(k->f[NDVMFW_DIM_SADDR].lo, s);
		put_unaligned_be32(k->f[NDVMFW_DIM_DADDR].lo, d);
		snprintf(src, sizeof(src), "%pI4", s);
		snprintf(dst, sizeof(dst), "%pI4", d);
	}
	pr_info("rule %u %s in=%s out=%s src=%s dst=%s proto=%llu sport=%lld dport=%lld\n",
		idx + 1, ndvmfw_verdict_name(t->rs.rules[idx].verdict),
		state->in ? state->in->name : "",
		state->out ? state->out->name : "", src, dst,
		k->f[NDVMFW_DIM_PROTO].lo,
		sport == NDVMFW_L4_NONE ? -1LL : (s64)sport,
		dport == NDVMFW_L4_NONE ? -1LL : (s64)dport);
}

/* reject: a reset for TCP, port unreachable for the rest; then drop. */
static void ndvmfw_reject(struct sk_buff *skb,
			  const struct nf_hook_state *state, bool v6, u64 proto)
{
	if (v6 && proto == IPPROTO_TCP)
		nf_send_reset6(state->net, state->sk, skb, state->hook);
	else if (v6)
		nf_send_unreach6(state->net, skb, ICMPV6_PORT_UNREACH,
				 state->hook);
	else if (proto == IPPROTO_TCP)
		nf_send_reset(state->net, state->sk, skb, state->hook);
	else
		nf_send_unreach(skb, ICMP_PORT_UNREACH, state->hook);
}

static void ndvmfw_count(const struct ndvmfw_table *t, u32 idx,
			 unsigned int len)
{
	struct ndvmfw_counter *c;

	preempt_disable();
	c = &t->pcpu[smp_processor_id()][idx];
	local64_inc(&c->packets);
	local64_add(len, &c->bytes);
	preempt_enable();
}

static unsigned int ndvmfw_judge(struct sk_buff *skb,
				 const struct nf_hook_state *state, bool v6)
{
	const struct ndvmfw_table *t;
	struct ndvmfw_key key;
	u8 verdict;
	s32 idx;
	int ret;

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
	ret = v6 ? ndvmfw_key_ipv6(&key, skb) : ndvmfw_key_ipv4(&key, skb);
	if (unlikely(ret)) {
		ndvmfw_stat_inc(NDVMFW_STAT_MALFORMED);
		return NF_DROP;
	}
	idx = ndvmfw_cls_lookup(v6 ? t->cls6 : t->cls4, &key);
	if (idx < 0) {
		ndvmfw_count(t, t->rs.nrules, skb->len);
		verdict = t->rs.policy;
	} else {
		ndvmfw_count(t, idx, skb->len);
		verdict = t->rs.rules[idx].verdict;
		if (unlikely(t->rs.rules[idx].flags & NDVMFW_RULE_F_LOG))
			ndvmfw_log(t, idx, state, &key, v6);
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

#define NDVMFW_INET_OPS(_fn, _pf, _hooknum, _prio) {	\
	.hook = _fn,					\
	.pf = _pf,					\
	.hooknum = _hooknum,				\
	.priority = _prio,				\
}

static const struct nf_hook_ops ndvmfw_inet_ops[] = {
	NDVMFW_INET_OPS(ndvmfw_ipv4_hook, NFPROTO_IPV4, NF_INET_LOCAL_IN,
			NF_IP_PRI_FILTER),
	NDVMFW_INET_OPS(ndvmfw_ipv4_hook, NFPROTO_IPV4, NF_INET_FORWARD,
			NF_IP_PRI_FILTER),
	NDVMFW_INET_OPS(ndvmfw_ipv4_hook, NFPROTO_IPV4, NF_INET_LOCAL_OUT,
			NF_IP_PRI_FILTER),
	NDVMFW_INET_OPS(ndvmfw_ipv6_hook, NFPROTO_IPV6, NF_INET_LOCAL_IN,
			NF_IP6_PRI_FILTER),
	NDVMFW_INET_OPS(ndvmfw_ipv6_hook, NFPROTO_IPV6, NF_INET_FORWARD,
			NF_IP6_PRI_FILTER),
	NDVMFW_INET_OPS(ndvmfw_ipv6_hook, NFPROTO_IPV6, NF_INET_LOCAL_OUT,
			NF_IP6_PRI_FILTER),
};

/* ---- per-device ingress hooks ---- */

struct ndvmfw_dev {
	struct list_head list;
	struct nf_hook_ops ops;
	struct rcu_head rcu;
};

static LIST_HEAD(ndvmfw_devs);	/* under RTNL */

static unsigned int ndvmfw_ingress_hook(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	if (likely(rcu_access_pointer(ndvmfw_active)))
		return NF_ACCEPT;
	return ndvmfw_unloaded();
}

static int ndvmfw_dev_attach(struct net_device *dev)
{
	struct ndvmfw_dev *d;
	int ret;

	ASSERT_RTNL();
	if (dev->flags & IFF_LOOPBACK)
		return 0;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->ops.hook = ndvmfw_ingress_hook;
	d->ops.pf = NFPROTO_NETDEV;
	d->ops.hooknum = NF_NETDEV_INGRESS;
	d->ops.priority = INT_MIN + 1;
	d->ops.dev = dev;
	ret = nf_register_net_hook(dev_net(dev), &d->ops);
	if (ret) {
		kfree(d);
		return ret;
	}
	list_add(&d->list, &ndvmfw_devs);
	return 0;
}

static void ndvmfw_dev_detach(struct net_device *dev)
{
	struct ndvmfw_dev *d, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(d, tmp, &ndvmfw_devs, list) {
		if (d->ops.dev != dev)
			continue;
		nf_unregister_net_hook(dev_net(dev), &d->ops);
		list_del(&d->list);
		kfree_rcu(d, rcu);
	}
}

static int ndvmfw_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	int ret;

	switch (event) {
	case NETDEV_REGISTER:
		/*
		 * An interface we cannot filter does not come up; but a device
		 * moved in from another namespace ignores this veto.
		 */
		ret = ndvmfw_dev_attach(dev);
		if (ret)
			netdev_warn(dev, "ndvmfw: no ingress hook: %d\n", ret);
		return notifier_from_errno(ret);
	case NETDEV_UNREGISTER:
		ndvmfw_dev_detach(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ndvmfw_netdev_nb = {
	.notifier_call = ndvmfw_netdev_event,
};

int ndvmfw_hooks_init(void)
{
	int ret;

	ret = nf_register_net_hooks(&init_net, ndvmfw_inet_ops,
				    ARRAY_SIZE(ndvmfw_inet_ops));
	if (ret)
		return ret;
	/* Replays NETDEV_REGISTER for the interfaces that exist already. */
	ret = register_netdevice_notifier_net(&init_net, &ndvmfw_netdev_nb);
	if (ret)
		goto err_inet;
	return 0;

err_inet:
	nf_unregister_net_hooks(&init_net, ndvmfw_inet_ops,
				ARRAY_SIZE(ndvmfw_inet_ops));
	return ret;
}

void ndvmfw_hooks_exit(void)
{
	/* Replays NETDEV_UNREGISTER, which detaches every ingress hook. */
	unregister_netdevice_notifier_net(&init_net, &ndvmfw_netdev_nb);
	nf_unregister_net_hooks(&init_net, ndvmfw_inet_ops,
				ARRAY_SIZE(ndvmfw_inet_ops));
}
