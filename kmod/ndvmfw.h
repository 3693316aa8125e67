/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NDVMFW_H
#define _NDVMFW_H

#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include "core.h"

#include <linux/netlink.h>

/* Like NL_SET_ERR_MSG_ATTR(), for messages that are not literals. */
static inline void ndvmfw_extack(struct netlink_ext_ack *extack,
				 const struct nlattr *attr, const char *msg)
{
	if (!extack)
		return;
	extack->_msg = msg;
	NL_SET_BAD_ATTR(extack, attr);
}

struct ndvmfw_counter {
	local64_t packets;
	local64_t bytes;
};

/*
 * A committed rule set. Immutable once published in ndvmfw_active, except
 * for the per-CPU counters; freed when the last reference goes.
 */
struct ndvmfw_table {
	struct ndvmfw_ruleset rs;
	struct ndvmfw_cls *cls4;
	struct ndvmfw_cls *cls6;
	struct ndvmfw_counter **pcpu;	/* per CPU: nrules + 1, policy last */
	u8 digest[NDVMFW_DIGEST_LEN];
	u64 generation;
	struct ndvmfw_log *log;		/* buckets of the logged rules */
	u32 *masq;			/* indices of the masquerade rules */
	u32 nmasq;
	bool conntrack;			/* holds nf_ct_netns_get(INET) */
	bool conntrack_bridge;		/* and nf_ct_netns_get(BRIDGE) */
	refcount_t ref;
};

/* Global, per-CPU packet counters that do not belong to a rule set. */
enum ndvmfw_stat {
	NDVMFW_STAT_UNLOADED,	/* met the hooks before the first commit */
	NDVMFW_STAT_MALFORMED,	/* headers truncated or lying about lengths */
	NDVMFW_STAT_FRAGMENT,	/* a fragment the defragmenter declined */
	NDVMFW_STAT_EXTHDR,	/* more than NDVMFW_MAX_EXTHDRS IPv6 headers */
	NDVMFW_STAT_VLAN,	/* a VLAN tag no VLAN device takes */
	NDVMFW_STAT_LOG_SUPPRESSED,	/* log lines over the rate limits */
	NDVMFW_STAT_MAX
};

/* Why antispoof dropped a frame; counted per interface. */
enum ndvmfw_spoof {
	NDVMFW_SPOOF_MAC,	/* Ethernet source is not the bound MAC */
	NDVMFW_SPOOF_IP,	/* IPv4/IPv6 source, or a neighbour lie */
	NDVMFW_SPOOF_ARP,	/* ARP sender MAC or address not bound */
	NDVMFW_SPOOF_OTHER,	/* no identity, VLAN tag, other protocol */
	NDVMFW_SPOOF_MAX,
	NDVMFW_SPOOF_NONE = NDVMFW_SPOOF_MAX,
};

/* IPv6 extension headers walked before a packet is dropped. */
#define NDVMFW_MAX_EXTHDRS	8

struct ndvmfw_log;

extern struct ndvmfw_table __rcu *ndvmfw_active;

extern bool ndvmfw_fail_open;

static inline void ndvmfw_table_count(const struct ndvmfw_table *t, u32 idx,
				      unsigned int len)
{
	struct ndvmfw_counter *c;

	preempt_disable();
	c = &t->pcpu[smp_processor_id()][idx];
	local64_inc(&c->packets);
	local64_add(len, &c->bytes);
	preempt_enable();
}

/* table.c */
struct ndvmfw_table *ndvmfw_table_alloc(void);
int ndvmfw_table_build(struct ndvmfw_table *t, struct netlink_ext_ack *extack,
		       const struct nlattr **rule_attrs,
		       const struct nlattr **set_attrs,
		       const struct nlattr **ifrule_attrs);
void ndvmfw_table_put(struct ndvmfw_table *t);
struct ndvmfw_table *ndvmfw_table_get(void);
int ndvmfw_table_commit(struct ndvmfw_table *t, bool seal);
int ndvmfw_seal(void);
bool ndvmfw_sealed(void);
void ndvmfw_table_counter(const struct ndvmfw_table *t, u32 idx,
			  u64 *packets, u64 *bytes);
void ndvmfw_stat_inc(enum ndvmfw_stat s);
u64 ndvmfw_stat_read(enum ndvmfw_stat s);
int ndvmfw_table_init(void);
void ndvmfw_table_exit(void);

/* packet.c */
int ndvmfw_key_packet(struct ndvmfw_key *k, const struct sk_buff *skb,
		      unsigned int nhoff, bool v6, enum ndvmfw_stat *why);
int ndvmfw_ipv6_upper(const struct sk_buff *skb, u8 nexthdr,
		      unsigned int end, unsigned int *thoff);

/* log.c */
struct nf_hook_state;
int ndvmfw_log_alloc(struct ndvmfw_table *t);
void ndvmfw_log_free(struct ndvmfw_log *l);
void ndvmfw_log_packet(const struct ndvmfw_table *t, u32 idx,
		       const struct nf_hook_state *state,
		       const struct ndvmfw_key *k, bool v6);
void ndvmfw_log_init(void);

void ndvmfw_report_init(void);
void ndvmfw_report_exit(void);

/* nat.c */
int ndvmfw_nat_prepare(struct ndvmfw_table *t);
int ndvmfw_nat_init(void);
void ndvmfw_nat_exit(void);

/* hooks.c */
unsigned int ndvmfw_unloaded(void);
int ndvmfw_hooks_init(void);
void ndvmfw_hooks_exit(void);

/* link.c */
struct netlink_callback;
struct ndvmfw_table;
int ndvmfw_links_prepare(const struct ndvmfw_table *t);
bool ndvmfw_links_arm(const struct ndvmfw_table *t);
void ndvmfw_links_commit(const struct ndvmfw_table *t);
void ndvmfw_links_abort(void);
u64 ndvmfw_links_dropped(void);
int ndvmfw_links_dump(struct sk_buff *skb, struct netlink_callback *cb,
		      void *(*fill_hdr)(struct sk_buff *,
					struct netlink_callback *));
int ndvmfw_links_init(void);
void ndvmfw_links_exit(void);

/* netlink.c */
int ndvmfw_put_elem(struct sk_buff *skb, int type,
		    const struct ndvmfw_elem *e);
int ndvmfw_genl_init(void);
void ndvmfw_genl_exit(void);

#endif /* _NDVMFW_H */
