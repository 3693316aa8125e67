/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NDVMFW_H
#define _NDVMFW_H

#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
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
	bool conntrack;			/* holds nf_ct_netns_get() */
	refcount_t ref;
};

/* Global, per-CPU packet counters that do not belong to a rule set. */
enum ndvmfw_stat {
	NDVMFW_STAT_UNLOADED,
	NDVMFW_STAT_MALFORMED,
	NDVMFW_STAT_MAX
};

extern struct ndvmfw_table __rcu *ndvmfw_active;
extern bool ndvmfw_fail_open;

/* table.c */
struct ndvmfw_table *ndvmfw_table_alloc(void);
int ndvmfw_table_build(struct ndvmfw_table *t, struct netlink_ext_ack *extack,
		       const struct nlattr **rule_attrs,
		       const struct nlattr **set_attrs);
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

/* hooks.c */
int ndvmfw_hooks_init(void);
void ndvmfw_hooks_exit(void);

/* netlink.c */
int ndvmfw_genl_init(void);
void ndvmfw_genl_exit(void);

#endif /* _NDVMFW_H */
