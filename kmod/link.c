// SPDX-License-Identifier: GPL-2.0
/*
 * Interfaces. Every non-loopback interface of the initial namespace gets a
 * netdev ingress hook when it registers, before it can come up: it drops
 * everything until the first rule set is committed, then VLAN tags no VLAN
 * device takes, then, on "antispoof" interfaces, every frame that does not
 * carry the interface's identity.
 *
 * An identity is a MAC address and the source addresses an interface may
 * use: from a "bind" statement, or, for a xen-netback device, from its
 * backend's xenstore directory ("mac" and "ip", written by the toolstack;
 * the guest cannot touch them).
 *
 * "hotplug" statements do in the kernel what vif-bridge, udev and xl devd
 * do in a driver domain: add the interface to a bridge, bring it up, and
 * for a xen-netback device write hotplug-status=connected (netback then
 * lets the frontend connect) and, once the toolstack has taken the device
 * away, delete the backend's xenstore directory. Nothing is written before
 * the ingress hook and the identity are in place, so no frame of the guest
 * passes before its rules apply.
 *
 * Locking: the list of interfaces and everything in struct ndvmfw_link but
 * the RCU identity and the counters are under RTNL. xenstore is only read
 * and written from ndvmfw_link_work, outside RTNL.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_bridge.h>
#include <linux/if_vlan.h>
#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_netdev.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>
#include <net/addrconf.h>
#include <net/ndisc.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include "compat.h"
#include "ndvmfw.h"

#ifdef NDVMFW_HAVE_XEN_BACKEND
#include <xen/xenbus.h>
#endif

/* Addresses one identity may hold (xenstore "ip" or a bind statement). */
#define NDVMFW_IDENT_MAX_ADDRS	NDVMFW_MAX_BIND_ADDRS

/* Interfaces whose antispoof counters are kept by name. */
#define NDVMFW_LINK_STATS_MAX	1024

struct ndvmfw_ident {
	struct rcu_head rcu;
	u8 source;			/* enum ndvmfw_ident_source */
	u8 mac[ETH_ALEN];
	struct in6_addr ll;		/* link-local address from mac */
	u32 n;
	struct ndvmfw_elem addrs[];
};

struct ndvmfw_link_stats {
	struct list_head list;
	char name[IFNAMSIZ];
	atomic64_t drop[NDVMFW_SPOOF_MAX];
};

struct ndvmfw_link {
	struct list_head list;
	struct nf_hook_ops ops;		/* ops.dev: the interface */
	struct rcu_head rcu;
	struct ndvmfw_ident __rcu *ident;	/* in force; NULL: none */
	struct ndvmfw_ident *next_ident;	/* ndvmfw_links_prepare() */
	bool antispoof;			/* READ_ONCE in the hook */
	struct ndvmfw_link_stats *stats;
	/* xen-netback devices */
	char *xen_path;			/* backend directory in xenstore */
	int xen_domid;
	unsigned int xen_handle;
	bool xen_read;			/* xenstore read (xen_ident may be NULL) */
	struct ndvmfw_ident *xen_ident;	/* what xenstore says */
	/* hotplug */
	u8 hotplug;			/* enum ndvmfw_hotplug_state */
	char bridge[IFNAMSIZ];
};

static LIST_HEAD(ndvmfw_links);		/* under RTNL */
static LIST_HEAD(ndvmfw_link_stats);	/* under RTNL */
static unsigned int ndvmfw_nlink_stats;
static struct ndvmfw_link_stats ndvmfw_stats_overflow;

/* xenstore directories to delete once the toolstack took the device away */
struct ndvmfw_xen_gone {
	struct list_head list;
	char path[];
};

static LIST_HEAD(ndvmfw_xen_gone);	/* under ndvmfw_gone_lock */
static DEFINE_SPINLOCK(ndvmfw_gone_lock);
static struct workqueue_struct *ndvmfw_wq;
static void ndvmfw_link_work_fn(struct work_struct *work);
static DECLARE_WORK(ndvmfw_link_work, ndvmfw_link_work_fn);

/* ---- antispoof: the packet path ---- */

static bool ndvmfw_ident_has(const struct ndvmfw_ident *id, u8 family,
			     const void *addr)
{
	u32 i;

	for (i = 0; i < id->n; i++)
		if (ndvmfw_elem_has(&id->addrs[i], family, addr))
			return true;
	return false;
}

/* One of the identity's IPv6 addresses, or its link-local one. */
static bool ndvmfw_ident_has6(const struct ndvmfw_ident *id,
			      const struct in6_addr *a)
{
	return ndvmfw_ident_has(id, NFPROTO_IPV6, a) ||
	       ipv6_addr_equal(a, &id->ll);
}

/*
 * Neighbour Discovery binds an IPv6 address to a MAC address, as ARP does
 * for IPv4: the link-layer address options of a solicitation (source) or
 * an advertisement (target) must be the identity's MAC, and the target of
 * an advertisement, or of a duplicate address probe (@any: from ::), one
 * of its addresses. Else a guest could answer, from its own source, for
 * another guest's address or the gateway's. The kernel heeds ND only with
 * hop limit 255, and not fragmented (RFC 6980, suppress_frag_ndisc):
 * nothing else is looked at.
 */
static bool ndvmfw_nd_ok(const struct ndvmfw_ident *id,
			 const struct sk_buff *skb, unsigned int off,
			 unsigned int end, u8 type, bool any)
{
	const struct nd_opt_hdr *o;
	struct nd_opt_hdr _o[4];	/* 8 bytes: an Ethernet address option */
	const struct in6_addr *target;
	struct in6_addr _target;

	if (type == NDISC_NEIGHBOUR_ADVERTISEMENT ||
	    (type == NDISC_NEIGHBOUR_SOLICITATION && any)) {
		target = skb_header_pointer(skb, off + sizeof(struct icmp6hdr),
					    sizeof(_target), &_target);
		if (!target || !ndvmfw_ident_has6(id, target))
			return false;
	}
	off += type == NDISC_ROUTER_SOLICITATION ? sizeof(struct rs_msg) :
						   sizeof(struct nd_msg);
	while (off < end) {
		o = skb_header_pointer(skb, off, sizeof(*o), _o);
		if (!o || !o->nd_opt_len || end - off < o->nd_opt_len * 8U)
			return false;
		if (o->nd_opt_type == ND_OPT_SOURCE_LL_ADDR ||
		    o->nd_opt_type == ND_OPT_TARGET_LL_ADDR) {
			o = skb_header_pointer(skb, off, sizeof(_o), _o);
			if (!o || o->nd_opt_len != 1 ||
			    !ether_addr_equal((const u8 *)(o + 1), id->mac))
				return false;
		}
		off += o->nd_opt_len * 8U;
	}
	return true;
}

static enum ndvmfw_spoof ndvmfw_spoof_ip6(const struct ndvmfw_ident *id,
					  const struct sk_buff *skb)
{
	const struct icmp6hdr *ih = NULL;
	struct icmp6hdr _ih;
	struct ipv6hdr _h;
	const struct ipv6hdr *h = skb_header_pointer(skb, 0, sizeof(_h), &_h);
	unsigned int off, end;
	bool any;

	if (!h)
		return NDVMFW_SPOOF_OTHER;
	any = ipv6_addr_any(&h->saddr);
	if (!any && !ndvmfw_ident_has6(id, &h->saddr))
		return NDVMFW_SPOOF_IP;
	end = sizeof(*h) + ntohs(h->payload_len);
	if (end <= skb->len &&
	    ndvmfw_ipv6_upper(skb, h->nexthdr, end, &off) == IPPROTO_ICMPV6)
		ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
	if (!ih)
		return any ? NDVMFW_SPOOF_IP : NDVMFW_SPOOF_NONE;
	switch (ih->icmp6_type) {
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		if (any)
			return NDVMFW_SPOOF_IP;
		fallthrough;
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_NEIGHBOUR_SOLICITATION:
		if (h->hop_limit == 255 &&
		    !ndvmfw_nd_ok(id, skb, off, end, ih->icmp6_type, any))
			return NDVMFW_SPOOF_IP;
		return NDVMFW_SPOOF_NONE;
	case ICMPV6_MGM_REPORT:
	case ICMPV6_MGM_REDUCTION:
	case ICMPV6_MLD2_REPORT:
		return NDVMFW_SPOOF_NONE;
	}
	/* from :: only the above: DAD, router solicitation, MLD reports */
	return any ? NDVMFW_SPOOF_IP : NDVMFW_SPOOF_NONE;
}

struct ndvmfw_arp_eth {
	struct arphdr h;
	u8 sha[ETH_ALEN];
	__be32 sip;
} __packed;

static enum ndvmfw_spoof ndvmfw_spoof_arp(const struct ndvmfw_ident *id,
					  const struct sk_buff *skb)
{
	struct ndvmfw_arp_eth _a;
	const struct ndvmfw_arp_eth *a;

	a = skb_header_pointer(skb, 0, sizeof(_a), &_a);
	if (!a)
		return NDVMFW_SPOOF_OTHER;
	if (a->h.ar_hrd != htons(ARPHRD_ETHER) ||
	    a->h.ar_pro != htons(ETH_P_IP) || a->h.ar_hln != ETH_ALEN ||
	    a->h.ar_pln != 4)
		return NDVMFW_SPOOF_OTHER;
	if (!ether_addr_equal(a->sha, id->mac))
		return NDVMFW_SPOOF_ARP;
	if (a->sip && !ndvmfw_ident_has(id, NFPROTO_IPV4, &a->sip))
		return NDVMFW_SPOOF_ARP;
	return NDVMFW_SPOOF_NONE;
}

static enum ndvmfw_spoof ndvmfw_spoof_check(const struct ndvmfw_ident *id,
					    const struct sk_buff *skb)
{
	const struct iphdr *iph;
	struct iphdr _iph;

	if (!id || skb->dev->type != ARPHRD_ETHER ||
	    !skb_mac_header_was_set(skb) ||
	    skb_mac_header_len(skb) < ETH_HLEN)
		return NDVMFW_SPOOF_OTHER;
	if (!ether_addr_equal(eth_hdr(skb)->h_source, id->mac))
		return NDVMFW_SPOOF_MAC;
	if (skb_vlan_tag_present(skb))
		return NDVMFW_SPOOF_OTHER;
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
		if (!iph)
			return NDVMFW_SPOOF_OTHER;
		return ndvmfw_ident_has(id, NFPROTO_IPV4, &iph->saddr) ?
			NDVMFW_SPOOF_NONE : NDVMFW_SPOOF_IP;
	case htons(ETH_P_IPV6):
		return ndvmfw_spoof_ip6(id, skb);
	case htons(ETH_P_ARP):
		return ndvmfw_spoof_arp(id, skb);
	}
	return NDVMFW_SPOOF_OTHER;
}

/*
 * The device has untagged the outer VLAN tag into skb->vlan_tci by now.
 * A tag with a VLAN device on top comes back here on that device, tag by
 * tag, and its packets are judged as that device's ("in eth0.5"). A
 * priority tag (VID 0) over an untagged frame is the same frame as without
 * it. Everything else would reach no IP hook as what it is: drop it.
 *
 * The deep lookup also finds a VLAN device on the master of skb->dev.
 * That is right for a bond's or a team's port, whose frames go on as the
 * master's; a bridge port's go to the bridge, which would forward them,
 * tagged, to its other ports: there the VLAN device must be the port's.
 */
static bool ndvmfw_vlan_ok(const struct sk_buff *skb)
{
	struct net_device *vdev;
	u16 vid;

	if (!skb_vlan_tag_present(skb))
		return !eth_type_vlan(skb->protocol);
	vid = skb_vlan_tag_get_id(skb);
	if (!vid)
		return !eth_type_vlan(skb->protocol);
	vdev = __vlan_find_dev_deep_rcu(skb->dev, skb->vlan_proto, vid);
	if (vdev && netif_is_bridge_port(skb->dev))
		return vlan_dev_real_dev(vdev) == skb->dev;
	return vdev;
}

static unsigned int ndvmfw_ingress_hook(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	const struct ndvmfw_link *l = priv;
	enum ndvmfw_spoof why;

	if (unlikely(!rcu_access_pointer(ndvmfw_active)))
		return ndvmfw_unloaded();
	/*
	 * The machine's own multicast, looped back on the interface it went
	 * out of (dev_loopback_xmit(): no Ethernet header); nothing received
	 * is ever marked so.
	 */
	if (READ_ONCE(l->antispoof) && skb->pkt_type != PACKET_LOOPBACK) {
		why = ndvmfw_spoof_check(rcu_dereference(l->ident), skb);
		if (unlikely(why != NDVMFW_SPOOF_NONE)) {
			atomic64_inc(&READ_ONCE(l->stats)->drop[why]);
			return NF_DROP;
		}
	}
	if (unlikely(!ndvmfw_vlan_ok(skb))) {
		ndvmfw_stat_inc(NDVMFW_STAT_VLAN);
		return NF_DROP;
	}
	return NF_ACCEPT;
}

/* ---- identities ---- */

static struct ndvmfw_ident *ndvmfw_ident_alloc(u8 source, const u8 *mac,
					       u32 n)
{
	struct ndvmfw_ident *id;

	id = kzalloc(struct_size(id, addrs, n), GFP_KERNEL);
	if (!id)
		return NULL;
	id->source = source;
	ether_addr_copy(id->mac, mac);
	ipv6_addr_set(&id->ll, htonl(0xfe800000), 0, 0, 0);
	addrconf_addr_eui48(id->ll.s6_addr + 8, mac);
	id->n = n;
	return id;
}

static struct ndvmfw_ident *ndvmfw_ident_bind(const struct ndvmfw_ruleset *rs,
					      const struct ndvmfw_ifrule *f)
{
	const struct ndvmfw_set *s = &rs->sets[f->set];
	struct ndvmfw_ident *id;

	id = ndvmfw_ident_alloc(NDVMFW_IDENT_BIND, f->mac, s->count);
	if (id)
		memcpy(id->addrs, &rs->elems[s->first],
		       s->count * sizeof(id->addrs[0]));
	return id;
}

static struct ndvmfw_ident *ndvmfw_ident_copy(const struct ndvmfw_ident *src)
{
	return kmemdup(src, struct_size(src, addrs, src->n), GFP_KERNEL);
}

static struct ndvmfw_link_stats *ndvmfw_stats_get(const char *name)
{
	struct ndvmfw_link_stats *s;

	list_for_each_entry(s, &ndvmfw_link_stats, list)
		if (!strncmp(s->name, name, IFNAMSIZ))
			return s;
	if (ndvmfw_nlink_stats >= NDVMFW_LINK_STATS_MAX)
		return &ndvmfw_stats_overflow;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return &ndvmfw_stats_overflow;
	strscpy(s->name, name, sizeof(s->name));
	list_add_tail(&s->list, &ndvmfw_link_stats);
	ndvmfw_nlink_stats++;
	return s;
}

/* The bind statement of rule set @t (NULL: none) that names @l, if any. */
static const struct ndvmfw_ifrule *
ndvmfw_link_bind(const struct ndvmfw_link *l, const struct ndvmfw_table *t)
{
	const struct ndvmfw_ifrule *bind = NULL;
	u32 i;

	for (i = 0; t && i < t->rs.nifrules; i++) {
		const struct ndvmfw_ifrule *f = &t->rs.ifrules[i];

		if (f->kind == NDVMFW_IFRULE_BIND &&
		    ndvmfw_iface_match(&f->iface, l->ops.dev->name))
			bind = f;
	}
	return bind;
}

/*
 * The identity rule set @t gives @l, newly allocated: from its bind
 * statement, else from xenstore. NULL for none, ERR_PTR(-ENOMEM).
 */
static struct ndvmfw_ident *ndvmfw_link_ident(const struct ndvmfw_link *l,
					      const struct ndvmfw_table *t)
{
	const struct ndvmfw_ifrule *bind = ndvmfw_link_bind(l, t);
	struct ndvmfw_ident *id;

	if (bind)
		id = ndvmfw_ident_bind(&t->rs, bind);
	else if (l->xen_ident)
		id = ndvmfw_ident_copy(l->xen_ident);
	else
		return NULL;
	return id ? id : ERR_PTR(-ENOMEM);
}

/*
 * What rule set @t (NULL: none committed) asks of interface @l: whether
 * antispoof applies (*@antispoof) and its hotplug statement, if any.
 */
static const struct ndvmfw_ifrule *
ndvmfw_link_rules(const struct ndvmfw_link *l, const struct ndvmfw_table *t,
		  bool *antispoof)
{
	const struct ndvmfw_ifrule *hotplug = NULL;
	u32 i;

	*antispoof = false;
	for (i = 0; t && i < t->rs.nifrules; i++) {
		const struct ndvmfw_ifrule *f = &t->rs.ifrules[i];

		if (!ndvmfw_iface_match(&f->iface, l->ops.dev->name))
			continue;
		if (f->kind == NDVMFW_IFRULE_ANTISPOOF)
			*antispoof = true;
		else if (f->kind == NDVMFW_IFRULE_HOTPLUG && !hotplug)
			hotplug = f;
	}
	return hotplug;
}

/* The identity prepared in l->next_ident (NULL: none) takes over. */
static void ndvmfw_link_ident_swap(struct ndvmfw_link *l)
{
	struct ndvmfw_ident *old;

	old = rcu_replace_pointer(l->ident, l->next_ident,
				  lockdep_rtnl_is_held());
	l->next_ident = NULL;
	if (old)
		kfree_rcu(old, rcu);
}

/*
 * Rule set @t is applied to an interface in two steps, under RTNL, that
 * tighten first: ndvmfw_link_arm() before @t is published, where @t asks
 * for antispoof, installs @t's identity (l->next_ident) and then turns
 * antispoof on; ndvmfw_link_settle() afterwards turns it off where @t does
 * not ask for it, then installs the identity there, and sets up hotplug.
 * So antispoof never lapses where either rule set has it: not on the
 * first commit, when packets meet @t's rules at once, and not when one rule
 * set replaces another. Both steps see the same @t. ndvmfw_links_arm()
 * says when the commit must wait for frames in flight.
 */
static bool ndvmfw_link_arm(struct ndvmfw_link *l, const struct ndvmfw_table *t)
{
	bool antispoof;

	ASSERT_RTNL();
	ndvmfw_link_rules(l, t, &antispoof);
	if (!antispoof)
		return false;
	ndvmfw_link_ident_swap(l);
	if (l->stats == &ndvmfw_stats_overflow)
		WRITE_ONCE(l->stats, ndvmfw_stats_get(l->ops.dev->name));
	WRITE_ONCE(l->antispoof, true);
	return true;
}

static void ndvmfw_link_settle(struct ndvmfw_link *l,
			       const struct ndvmfw_table *t)
{
	const struct ndvmfw_ifrule *hotplug;
	bool antispoof;

	ASSERT_RTNL();
	hotplug = ndvmfw_link_rules(l, t, &antispoof);
	if (!antispoof) {
		WRITE_ONCE(l->antispoof, false);
		ndvmfw_link_ident_swap(l);
	}

	if (!hotplug) {
		l->hotplug = NDVMFW_HOTPLUG_NONE;
	} else if (l->hotplug == NDVMFW_HOTPLUG_NONE ||
		   l->hotplug == NDVMFW_HOTPLUG_FAILED ||
		   strncmp(l->bridge, hotplug->bridge, IFNAMSIZ)) {
		strscpy(l->bridge, hotplug->bridge, sizeof(l->bridge));
		l->hotplug = NDVMFW_HOTPLUG_PENDING;
		queue_work(ndvmfw_wq, &ndvmfw_link_work);
	}
}

/*
 * Apply the active rule set @t to an interface that appeared, was renamed
 * or read xenstore. Under RTNL.
 */
static void ndvmfw_link_apply(struct ndvmfw_link *l,
			      const struct ndvmfw_table *t)
{
	struct ndvmfw_ident *id = ndvmfw_link_ident(l, t);

	/* without memory for it, antispoof drops everything: fail closed */
	l->next_ident = IS_ERR(id) ? NULL : id;
	ndvmfw_link_arm(l, t);
	ndvmfw_link_settle(l, t);
}

/**
 * ndvmfw_links_abort - drop what ndvmfw_links_prepare() allocated
 *
 * Releases RTNL.
 */
void ndvmfw_links_abort(void)
{
	struct ndvmfw_link *l;

	ASSERT_RTNL();
	list_for_each_entry(l, &ndvmfw_links, list) {
		kfree(l->next_ident);
		l->next_ident = NULL;
	}
	rtnl_unlock();
}

/**
 * ndvmfw_links_prepare - allocate the identities rule set @t gives
 * @t: the table about to be committed
 *
 * Every interface's, before the commit, so that a commit never stands
 * without them. Takes RTNL and keeps it on success: no interface comes or
 * goes, and no other commit starts, until ndvmfw_links_commit() or
 * ndvmfw_links_abort().
 *
 * Return: 0, or -ENOMEM with nothing changed and RTNL released.
 */
int ndvmfw_links_prepare(const struct ndvmfw_table *t)
{
	struct ndvmfw_ident *id;
	struct ndvmfw_link *l;

	rtnl_lock();
	list_for_each_entry(l, &ndvmfw_links, list) {
		id = ndvmfw_link_ident(l, t);
		if (IS_ERR(id)) {
			ndvmfw_links_abort();
			return PTR_ERR(id);
		}
		l->next_ident = id;
	}
	return 0;
}

/**
 * ndvmfw_links_arm - tighten every interface for rule set @t
 * @t: the table ndvmfw_links_prepare() prepared, about to be published
 *
 * Where @t asks for antispoof: its identity, and antispoof on (see
 * ndvmfw_link_arm()). Cannot fail; RTNL stays held.
 *
 * Return: whether any interface has antispoof under @t. Then the caller
 * must wait for an RCU grace period before it publishes @t: a frame that
 * passed the ingress hook before, without @t's antispoof, may not yet
 * have reached the IP or bridge hook, where @t's rules would judge it.
 */
bool ndvmfw_links_arm(const struct ndvmfw_table *t)
{
	struct ndvmfw_link *l;
	bool armed = false;

	list_for_each_entry(l, &ndvmfw_links, list)
		armed |= ndvmfw_link_arm(l, t);
	return armed;
}

/**
 * ndvmfw_links_commit - apply committed rule set @t to every interface
 * @t: the table ndvmfw_links_arm() armed them for, now the active one
 *
 * The rest of the prepared identities, antispoof off where @t does not ask
 * for it, hotplug; releases RTNL.
 */
void ndvmfw_links_commit(const struct ndvmfw_table *t)
{
	struct ndvmfw_link *l;

	ASSERT_RTNL();
	list_for_each_entry(l, &ndvmfw_links, list)
		ndvmfw_link_settle(l, t);
	rtnl_unlock();
}

/* ---- xen-netback devices ---- */

#ifdef NDVMFW_HAVE_XEN_BACKEND
static bool ndvmfw_link_xen(struct ndvmfw_link *l)
{
	struct device *parent = l->ops.dev->dev.parent;
	struct xenbus_device *xdev;
	const char *handle;

	if (!parent || !parent->bus || strcmp(parent->bus->name, "xen-backend"))
		return false;
	xdev = to_xenbus_device(parent);
	if (strcmp(xdev->devicetype, "vif"))
		return false;
	l->xen_path = kstrdup(xdev->nodename, GFP_KERNEL);
	if (!l->xen_path)
		return false;
	l->xen_domid = xdev->otherend_id;
	handle = strrchr(xdev->nodename, '/');
	if (!handle || kstrtouint(handle + 1, 10, &l->xen_handle))
		l->xen_handle = 0;
	return true;
}

/*
 * The identity in a backend directory: "mac" (required) and "ip", a list
 * of addresses separated by spaces. Anything unreadable or malformed
 * gives no identity (antispoof then drops everything), and a warning.
 */
static struct ndvmfw_ident *ndvmfw_xen_ident(const char *path)
{
	struct ndvmfw_ident *id = NULL;
	char *mac, *ip, *p, *tok;
	u8 hw[ETH_ALEN];
	u32 n = 0;

	mac = xenbus_read(XBT_NIL, path, "mac", NULL);
	if (IS_ERR(mac)) {
		pr_warn("%s/mac: cannot read: %ld\n", path, PTR_ERR(mac));
		return NULL;
	}
	if (!mac_pton(mac, hw) || strlen(mac) != 17 ||
	    !is_valid_ether_addr(hw)) {
		pr_warn("%s/mac: not a unicast MAC address: %s\n", path, mac);
		kfree(mac);
		return NULL;
	}
	kfree(mac);
	ip = xenbus_read(XBT_NIL, path, "ip", NULL);
	if (IS_ERR(ip))
		ip = NULL;	/* absent: no address bound */
	id = ndvmfw_ident_alloc(NDVMFW_IDENT_XEN, hw, NDVMFW_IDENT_MAX_ADDRS);
	for (p = ip; id && p && (tok = strsep(&p, " ")) != NULL;) {
		struct ndvmfw_elem *e = &id->addrs[n];

		if (!*tok)
			continue;
		if (n == NDVMFW_IDENT_MAX_ADDRS) {
			pr_warn("%s/ip: more than %d addresses\n", path,
				NDVMFW_IDENT_MAX_ADDRS);
			goto bad;
		}
		if (in4_pton(tok, -1, e->addr, -1, NULL)) {
			e->family = NFPROTO_IPV4;
			e->plen = 32;
		} else if (in6_pton(tok, -1, e->addr, -1, NULL)) {
			e->family = NFPROTO_IPV6;
			e->plen = 128;
		} else {
			pr_warn("%s/ip: not an address: %s\n", path, tok);
			goto bad;
		}
		n++;
	}
	if (id)
		id->n = n;
	kfree(ip);
	return id;

bad:
	kfree(id);
	kfree(ip);
	return NULL;
}

static int ndvmfw_xen_connected(const char *path)
{
	return xenbus_write(XBT_NIL, path, "hotplug-status", "connected");
}

/* What xl devd does once a device is gone: remove its backend directory. */
static void ndvmfw_xen_remove(const char *path)
{
	char *online = xenbus_read(XBT_NIL, path, "online", NULL);
	int ret;

	if (IS_ERR(online))
		return;
	if (!strcmp(online, "0")) {
		ret = xenbus_rm(XBT_NIL, path, "");
		if (ret)
			pr_warn("%s: cannot remove: %d\n", path, ret);
	}
	kfree(online);
}
#else
static bool ndvmfw_link_xen(struct ndvmfw_link *l)
{
	return false;
}

static struct ndvmfw_ident *ndvmfw_xen_ident(const char *path)
{
	return NULL;
}

static int ndvmfw_xen_connected(const char *path)
{
	return -EOPNOTSUPP;
}

static void ndvmfw_xen_remove(const char *path)
{
}
#endif

/* ---- hotplug ---- */

static const u8 ndvmfw_netback_mac[ETH_ALEN] = {
	0xfe, 0xff, 0xff, 0xff, 0xff, 0xff
};

/* Bridge the interface and bring it up. Under RTNL. */
static int ndvmfw_hotplug(struct ndvmfw_link *l)
{
	struct net_device *dev = l->ops.dev, *br, *master;
	struct sockaddr sa;
	int ret;

	br = __dev_get_by_name(&init_net, l->bridge);
	if (!br || !netif_is_bridge_master(br))
		return -ENODEV;
	master = netdev_master_upper_dev_get(dev);
	if (master && master != br)
		return -EBUSY;
	if (l->xen_path && ether_addr_equal(dev->dev_addr, ndvmfw_netback_mac)) {
		sa.sa_family = dev->type;
		memcpy(sa.sa_data, ndvmfw_netback_mac, 3);
		sa.sa_data[3] = l->xen_domid >> 8;
		sa.sa_data[4] = l->xen_domid;
		sa.sa_data[5] = l->xen_handle;
		ret = dev_set_mac_address(dev, &sa, NULL);
		if (ret)
			return ret;
	}
	if (!master) {
		ret = br->netdev_ops->ndo_add_slave(br, dev, NULL);
		if (ret)
			return ret;
	}
	return dev_open(dev, NULL);
}

struct ndvmfw_job {
	struct list_head list;
	int ifindex;
	char *path;
	struct ndvmfw_ident *ident;
	int ret;
};

static void ndvmfw_jobs_free(struct list_head *jobs)
{
	struct ndvmfw_job *j, *tmp;

	list_for_each_entry_safe(j, tmp, jobs, list) {
		list_del(&j->list);
		kfree(j->ident);
		kfree(j->path);
		kfree(j);
	}
}

/* Under RTNL: the interface a job was made for, if it is still there. */
static struct ndvmfw_link *ndvmfw_job_link(const struct ndvmfw_job *j)
{
	struct ndvmfw_link *l;

	list_for_each_entry(l, &ndvmfw_links, list)
		if (l->ops.dev->ifindex == j->ifindex && l->xen_path &&
		    !strcmp(l->xen_path, j->path))
			return l;
	return NULL;
}

static int ndvmfw_job_add(struct list_head *jobs, const struct ndvmfw_link *l)
{
	struct ndvmfw_job *j = kzalloc(sizeof(*j), GFP_KERNEL);

	if (!j)
		return -ENOMEM;
	j->ifindex = l->ops.dev->ifindex;
	j->path = kstrdup(l->xen_path, GFP_KERNEL);
	if (!j->path) {
		kfree(j);
		return -ENOMEM;
	}
	list_add_tail(&j->list, jobs);
	return 0;
}

/* 1. read the identities of new xen-netback devices from xenstore */
static void ndvmfw_work_read(void)
{
	struct ndvmfw_table *t;
	struct ndvmfw_link *l;
	struct ndvmfw_job *j;
	LIST_HEAD(jobs);

	rtnl_lock();
	list_for_each_entry(l, &ndvmfw_links, list)
		if (l->xen_path && !l->xen_read)
			ndvmfw_job_add(&jobs, l);
	rtnl_unlock();
	if (list_empty(&jobs))
		return;
	list_for_each_entry(j, &jobs, list)
		j->ident = ndvmfw_xen_ident(j->path);
	rtnl_lock();
	/*
	 * Under RTNL: a commit holds it from before it replaces the table
	 * until it has applied the new one to every link, so @t is the one
	 * the other links have, never one a commit replaced meanwhile.
	 */
	t = ndvmfw_table_get();
	list_for_each_entry(j, &jobs, list) {
		l = ndvmfw_job_link(j);
		if (!l)
			continue;
		kfree(l->xen_ident);
		l->xen_ident = j->ident;
		j->ident = NULL;
		l->xen_read = true;
		ndvmfw_link_apply(l, t);
	}
	rtnl_unlock();
	if (t)
		ndvmfw_table_put(t);
	ndvmfw_jobs_free(&jobs);
}

/* 2. bridge and bring up what hotplug statements name, then connect */
static void ndvmfw_work_hotplug(void)
{
	struct ndvmfw_link *l;
	struct ndvmfw_job *j;
	LIST_HEAD(jobs);
	int ret;

	rtnl_lock();
	list_for_each_entry(l, &ndvmfw_links, list) {
		if (l->hotplug != NDVMFW_HOTPLUG_PENDING)
			continue;
		/* a xen device waits for its identity */
		if (l->xen_path && !l->xen_read)
			continue;
		ret = ndvmfw_hotplug(l);
		if (ret) {
			netdev_warn(l->ops.dev,
				    "ndvmfw: hotplug into %s failed: %d\n",
				    l->bridge, ret);
			l->hotplug = NDVMFW_HOTPLUG_FAILED;
		} else if (!l->xen_path || ndvmfw_job_add(&jobs, l)) {
			l->hotplug = l->xen_path ? NDVMFW_HOTPLUG_FAILED :
						   NDVMFW_HOTPLUG_DONE;
		}
	}
	rtnl_unlock();
	if (list_empty(&jobs))
		return;
	list_for_each_entry(j, &jobs, list)
		j->ret = ndvmfw_xen_connected(j->path);
	rtnl_lock();
	list_for_each_entry(j, &jobs, list) {
		struct net_device *master;

		l = ndvmfw_job_link(j);
		if (!l || l->hotplug != NDVMFW_HOTPLUG_PENDING)
			continue;
		/*
		 * Not in the bridge named now (a commit meanwhile named
		 * another, or the device left it): try again, so that the
		 * status tells where it is.
		 */
		master = netdev_master_upper_dev_get(l->ops.dev);
		if (!master || strncmp(master->name, l->bridge, IFNAMSIZ)) {
			queue_work(ndvmfw_wq, &ndvmfw_link_work);
			continue;
		}
		l->hotplug = j->ret ? NDVMFW_HOTPLUG_FAILED :
				      NDVMFW_HOTPLUG_DONE;
		if (j->ret)
			netdev_warn(l->ops.dev,
				    "ndvmfw: %s/hotplug-status: write failed: %d\n",
				    j->path, j->ret);
		else
			netdev_info(l->ops.dev, "ndvmfw: connected to %s\n",
				    l->bridge);
	}
	rtnl_unlock();
	ndvmfw_jobs_free(&jobs);
}

/* 3. delete the backend directories of the devices that went away */
static void ndvmfw_work_gone(void)
{
	struct ndvmfw_xen_gone *g, *tmp;
	LIST_HEAD(gone);

	spin_lock(&ndvmfw_gone_lock);
	list_splice_init(&ndvmfw_xen_gone, &gone);
	spin_unlock(&ndvmfw_gone_lock);
	list_for_each_entry_safe(g, tmp, &gone, list) {
		ndvmfw_xen_remove(g->path);
		list_del(&g->list);
		kfree(g);
	}
}

static void ndvmfw_link_work_fn(struct work_struct *work)
{
	ndvmfw_work_read();
	ndvmfw_work_hotplug();
	ndvmfw_work_gone();
}

/* ---- the interfaces ---- */

static int ndvmfw_link_attach(struct net_device *dev)
{
	struct ndvmfw_table *t;
	struct ndvmfw_link *l;
	int ret;

	ASSERT_RTNL();
	if (dev->flags & IFF_LOOPBACK)
		return 0;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->stats = &ndvmfw_stats_overflow;
	l->ops.hook = ndvmfw_ingress_hook;
	l->ops.pf = NFPROTO_NETDEV;
	l->ops.hooknum = NF_NETDEV_INGRESS;
	l->ops.priority = INT_MIN + 1;
	l->ops.dev = dev;
	l->ops.priv = l;
	ndvmfw_link_xen(l);
	ret = nf_register_net_hook(dev_net(dev), &l->ops);
	if (ret) {
		kfree(l->xen_path);
		kfree(l);
		return ret;
	}
	list_add_tail(&l->list, &ndvmfw_links);
	t = ndvmfw_table_get();
	ndvmfw_link_apply(l, t);
	if (t)
		ndvmfw_table_put(t);
	if (l->xen_path)
		queue_work(ndvmfw_wq, &ndvmfw_link_work);
	return 0;
}

static void ndvmfw_link_free(struct rcu_head *head)
{
	struct ndvmfw_link *l = container_of(head, struct ndvmfw_link, rcu);

	kfree(rcu_dereference_protected(l->ident, true));
	kfree(l->xen_ident);
	kfree(l->xen_path);
	kfree(l);
}

static void ndvmfw_link_detach(struct net_device *dev)
{
	struct ndvmfw_link *l, *tmp;
	struct ndvmfw_xen_gone *g;

	ASSERT_RTNL();
	list_for_each_entry_safe(l, tmp, &ndvmfw_links, list) {
		if (l->ops.dev != dev)
			continue;
		nf_unregister_net_hook(dev_net(dev), &l->ops);
		list_del(&l->list);
		if (l->xen_path && l->hotplug != NDVMFW_HOTPLUG_NONE) {
			g = kmalloc(sizeof(*g) + strlen(l->xen_path) + 1,
				    GFP_KERNEL);
			if (g) {
				strcpy(g->path, l->xen_path);
				spin_lock(&ndvmfw_gone_lock);
				list_add_tail(&g->list, &ndvmfw_xen_gone);
				spin_unlock(&ndvmfw_gone_lock);
				queue_work(ndvmfw_wq, &ndvmfw_link_work);
			}
		}
		call_rcu(&l->rcu, ndvmfw_link_free);
	}
}

/* A bridge appeared: hotplug what waited for it. */
static void ndvmfw_bridge_appeared(void)
{
	struct ndvmfw_link *l;
	bool retry = false;

	list_for_each_entry(l, &ndvmfw_links, list) {
		if (l->hotplug == NDVMFW_HOTPLUG_FAILED) {
			l->hotplug = NDVMFW_HOTPLUG_PENDING;
			retry = true;
		}
	}
	if (retry)
		queue_work(ndvmfw_wq, &ndvmfw_link_work);
}

static struct ndvmfw_link *ndvmfw_link_find(const struct net_device *dev)
{
	struct ndvmfw_link *l;

	list_for_each_entry(l, &ndvmfw_links, list)
		if (l->ops.dev == dev)
			return l;
	return NULL;
}

static int ndvmfw_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct ndvmfw_table *t;
	struct ndvmfw_link *l;
	int ret;

	switch (event) {
	case NETDEV_REGISTER:
		/*
		 * An interface we cannot filter does not come up; but a device
		 * moved in from another namespace ignores this veto.
		 */
		ret = ndvmfw_link_attach(dev);
		if (ret)
			netdev_warn(dev, "ndvmfw: no ingress hook: %d\n", ret);
		else if (netif_is_bridge_master(dev))
			ndvmfw_bridge_appeared();
		return notifier_from_errno(ret);
	case NETDEV_CHANGENAME:
		l = ndvmfw_link_find(dev);
		if (!l)
			break;
		t = ndvmfw_table_get();
		WRITE_ONCE(l->stats, &ndvmfw_stats_overflow);
		ndvmfw_link_apply(l, t);
		if (t)
			ndvmfw_table_put(t);
		break;
	case NETDEV_UNREGISTER:
		ndvmfw_link_detach(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ndvmfw_netdev_nb = {
	.notifier_call = ndvmfw_netdev_event,
};

/* Frames antispoof dropped, all interfaces and reasons together. */
u64 ndvmfw_links_dropped(void)
{
	struct ndvmfw_link_stats *s;
	u64 sum = 0;
	int i;

	rtnl_lock();
	list_for_each_entry(s, &ndvmfw_link_stats, list)
		for (i = 0; i < NDVMFW_SPOOF_MAX; i++)
			sum += atomic64_read(&s->drop[i]);
	rtnl_unlock();
	for (i = 0; i < NDVMFW_SPOOF_MAX; i++)
		sum += atomic64_read(&ndvmfw_stats_overflow.drop[i]);
	return sum;
}

/* ---- NDVMFW_CMD_GET_LINKS ---- */

static const u64 *ndvmfw_stats_read(const struct ndvmfw_link_stats *s,
				    u64 *v)
{
	int i;

	for (i = 0; i < NDVMFW_SPOOF_MAX; i++)
		v[i] = atomic64_read(&s->drop[i]);
	return v;
}

static int ndvmfw_link_fill(struct sk_buff *skb, const struct ndvmfw_link *l)
{
	static const int drop_attr[NDVMFW_SPOOF_MAX] = {
		[NDVMFW_SPOOF_MAC] = NDVMFW_LINK_A_DROP_MAC,
		[NDVMFW_SPOOF_IP] = NDVMFW_LINK_A_DROP_IP,
		[NDVMFW_SPOOF_ARP] = NDVMFW_LINK_A_DROP_ARP,
		[NDVMFW_SPOOF_OTHER] = NDVMFW_LINK_A_DROP_OTHER,
	};
	const struct ndvmfw_ident *id = rtnl_dereference(l->ident);
	const struct net_device *dev = l->ops.dev;
	u64 drop[NDVMFW_SPOOF_MAX];
	struct nlattr *nest;
	u8 source;
	u32 i;

	source = id ? id->source : NDVMFW_IDENT_NONE;
	if (!id && l->xen_path && !l->xen_read)
		source = NDVMFW_IDENT_PENDING;
	nest = nla_nest_start(skb, NDVMFW_A_LINK);
	if (!nest ||
	    nla_put_string(skb, NDVMFW_LINK_A_NAME, dev->name) ||
	    nla_put_u32(skb, NDVMFW_LINK_A_IFINDEX, dev->ifindex) ||
	    nla_put_u8(skb, NDVMFW_LINK_A_IDENT, source) ||
	    nla_put_u8(skb, NDVMFW_LINK_A_ANTISPOOF, l->antispoof) ||
	    nla_put_u8(skb, NDVMFW_LINK_A_HOTPLUG, l->hotplug))
		return -EMSGSIZE;
	if (l->xen_path &&
	    (nla_put_string(skb, NDVMFW_LINK_A_XEN_PATH, l->xen_path) ||
	     nla_put_u32(skb, NDVMFW_LINK_A_XEN_DOMID, l->xen_domid)))
		return -EMSGSIZE;
	if (l->hotplug &&
	    nla_put_string(skb, NDVMFW_LINK_A_BRIDGE, l->bridge))
		return -EMSGSIZE;
	if (id && nla_put(skb, NDVMFW_LINK_A_MAC, ETH_ALEN, id->mac))
		return -EMSGSIZE;
	for (i = 0; id && i < id->n; i++)
		if (ndvmfw_put_elem(skb, NDVMFW_LINK_A_ELEM, &id->addrs[i]))
			return -EMSGSIZE;
	if (l->antispoof && l->stats != &ndvmfw_stats_overflow) {
		ndvmfw_stats_read(l->stats, drop);
		for (i = 0; i < NDVMFW_SPOOF_MAX; i++)
			if (drop_attr[i] &&
			    nla_put_u64_64bit(skb, drop_attr[i], drop[i],
					      NDVMFW_LINK_A_PAD))
				return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Whether GET_LINKS reports an interface. */
static bool ndvmfw_link_shown(const struct ndvmfw_link *l)
{
	return l->xen_path || l->antispoof || l->hotplug ||
	       rtnl_dereference(l->ident);
}

/**
 * ndvmfw_links_dump - fill one dump message with interfaces
 * @skb: the message
 * @cb: the dump; cb->args[0] counts the interfaces already sent
 * @fill_hdr: starts a message (returns its header or NULL)
 *
 * Return: skb->len, 0 once everything was sent, -EMSGSIZE if an interface
 * does not fit into an empty message.
 */
int ndvmfw_links_dump(struct sk_buff *skb, struct netlink_callback *cb,
		      void *(*fill_hdr)(struct sk_buff *,
					struct netlink_callback *))
{
	struct ndvmfw_link *l;
	long idx = 0;
	int ret = 0;
	void *hdr;

	rtnl_lock();
	list_for_each_entry(l, &ndvmfw_links, list) {
		if (!ndvmfw_link_shown(l))
			continue;
		if (idx++ < cb->args[0])
			continue;
		hdr = fill_hdr(skb, cb);
		if (hdr && !ndvmfw_link_fill(skb, l)) {
			genlmsg_end(skb, hdr);
			cb->args[0] = idx;
			continue;
		}
		if (hdr)
			genlmsg_cancel(skb, hdr);
		/* not even one fits: an error, not the end of the dump */
		if (!skb->len)
			ret = -EMSGSIZE;
		break;
	}
	rtnl_unlock();
	return ret ? ret : skb->len;
}

int ndvmfw_links_init(void)
{
	int ret;

	ndvmfw_wq = alloc_ordered_workqueue("ndvmfw", 0);
	if (!ndvmfw_wq)
		return -ENOMEM;
	/* Replays NETDEV_REGISTER for the interfaces that exist already. */
	ret = register_netdevice_notifier_net(&init_net, &ndvmfw_netdev_nb);
	if (ret)
		goto err_wq;
	return 0;

err_wq:
	destroy_workqueue(ndvmfw_wq);
	return ret;
}

void ndvmfw_links_exit(void)
{
	struct ndvmfw_link_stats *s, *tmp;

	/* Replays NETDEV_UNREGISTER, which detaches every ingress hook. */
	unregister_netdevice_notifier_net(&init_net, &ndvmfw_netdev_nb);
	/* the last jobs find no interface; directories of gone ones go */
	destroy_workqueue(ndvmfw_wq);
	rcu_barrier();
	list_for_each_entry_safe(s, tmp, &ndvmfw_link_stats, list) {
		list_del(&s->list);
		kfree(s);
	}
}
