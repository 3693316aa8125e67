// SPDX-License-Identifier: GPL-2.0
/*
 * Log lines for rules marked "log", with no daemon: printk, bounded twice.
 * Each logged rule has a token bucket (log_rate lines per second, bursts of
 * log_burst), and all rules share one more bucket (log_cap lines per
 * second), so that a flood can neither drown one rule's lines in another's
 * nor the console. The buckets are nft_limit's: credit in nanoseconds,
 * spent at NSEC_PER_SEC / rate a line. Lines not printed are counted.
 */
#include <linux/bsearch.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "compat.h"
#include "ndvmfw.h"

static unsigned int log_rate = 5;
module_param(log_rate, uint, 0444);
MODULE_PARM_DESC(log_rate, "Log lines per second and logged rule");

static unsigned int log_burst = 10;
module_param(log_burst, uint, 0444);
MODULE_PARM_DESC(log_burst, "Log lines one logged rule may print at once");

static unsigned int log_cap = 50;
module_param(log_cap, uint, 0444);
MODULE_PARM_DESC(log_cap, "Log lines per second, all rules together");

struct ndvmfw_bucket {
	spinlock_t lock;	/* protects last and credit */
	u64 last;		/* ktime_get_ns() of the last refill */
	u64 credit;		/* ns */
	u64 cost;		/* ns a line */
	u64 max;		/* ns, the burst */
};

struct ndvmfw_log {
	u32 n;
	u32 *rule;		/* sorted indices of the logged rules */
	struct ndvmfw_bucket *bucket;
};

static struct ndvmfw_bucket ndvmfw_log_cap;

static void ndvmfw_bucket_init(struct ndvmfw_bucket *b, unsigned int rate,
			       unsigned int burst)
{
	spin_lock_init(&b->lock);
	b->cost = rate ? div_u64(NSEC_PER_SEC, rate) : U64_MAX;
	b->max = rate ? b->cost * max(burst, 1U) : 0;
	b->credit = b->max;
	b->last = ktime_get_ns();
}

static bool ndvmfw_bucket_take(struct ndvmfw_bucket *b)
{
	unsigned long flags;
	bool ok = false;
	u64 now;

	spin_lock_irqsave(&b->lock, flags);
	now = ktime_get_ns();
	b->credit = min(b->credit + (now - b->last), b->max);
	b->last = now;
	if (b->credit >= b->cost) {
		b->credit -= b->cost;
		ok = true;
	}
	spin_unlock_irqrestore(&b->lock, flags);
	return ok;
}

/* Give back a line's credit that ndvmfw_bucket_take() took. */
static void ndvmfw_bucket_refund(struct ndvmfw_bucket *b)
{
	unsigned long flags;

	spin_lock_irqsave(&b->lock, flags);
	b->credit = min(b->credit + b->cost, b->max);
	spin_unlock_irqrestore(&b->lock, flags);
}

/* Buckets for the logged rules of a table being built; none: NULL. */
int ndvmfw_log_alloc(struct ndvmfw_table *t)
{
	struct ndvmfw_log *l;
	u32 i, n = 0;

	for (i = 0; i < t->rs.nrules; i++)
		n += !!(t->rs.rules[i].flags & NDVMFW_RULE_F_LOG);
	if (!n)
		return 0;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	t->log = l;
	l->rule = kvcalloc(n, sizeof(*l->rule), GFP_KERNEL);
	l->bucket = kvcalloc(n, sizeof(*l->bucket), GFP_KERNEL);
	if (!l->rule || !l->bucket)
		return -ENOMEM;
	for (i = 0; i < t->rs.nrules; i++) {
		if (!(t->rs.rules[i].flags & NDVMFW_RULE_F_LOG))
			continue;
		l->rule[l->n] = i;
		ndvmfw_bucket_init(&l->bucket[l->n], log_rate, log_burst);
		l->n++;
	}
	return 0;
}

void ndvmfw_log_free(struct ndvmfw_log *l)
{
	if (!l)
		return;
	kvfree(l->rule);
	kvfree(l->bucket);
	kfree(l);
}

static int ndvmfw_log_cmp(const void *key, const void *elt)
{
	u32 a = *(const u32 *)key, b = *(const u32 *)elt;

	return a < b ? -1 : a > b;
}

/*
 * May rule @idx print a line now? Charges both buckets, or neither: a line
 * the global cap refuses does not use up the rule's own credit.
 */
static bool ndvmfw_log_allowed(const struct ndvmfw_table *t, u32 idx)
{
	struct ndvmfw_bucket *b;
	const u32 *slot;

	slot = bsearch(&idx, t->log->rule, t->log->n, sizeof(u32),
		       ndvmfw_log_cmp);
	if (WARN_ON_ONCE(!slot))
		return false;
	b = &t->log->bucket[slot - t->log->rule];
	if (!ndvmfw_bucket_take(b))
		return false;
	if (ndvmfw_bucket_take(&ndvmfw_log_cap))
		return true;
	ndvmfw_bucket_refund(b);
	return false;
}

void ndvmfw_log_packet(const struct ndvmfw_table *t, u32 idx,
		       const struct nf_hook_state *state,
		       const struct ndvmfw_key *k, bool v6)
{
	u64 sport = k->f[NDVMFW_DIM_SPORT].lo;
	u64 dport = k->f[NDVMFW_DIM_DPORT].lo;
	char src[48], dst[48];
	u8 s[16], d[16];

	if (!ndvmfw_log_allowed(t, idx)) {
		ndvmfw_stat_inc(NDVMFW_STAT_LOG_SUPPRESSED);
		return;
	}
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

void ndvmfw_log_init(void)
{
	ndvmfw_bucket_init(&ndvmfw_log_cap, log_cap, log_cap);
}
