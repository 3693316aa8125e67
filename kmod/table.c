// SPDX-License-Identifier: GPL-2.0
/*
 * The active rule set: building a table from a parsed rule set, publishing
 * it with one RCU pointer, sealing, and the per-CPU counters.
 */
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <net/netlink.h>
#include <net/netfilter/nf_conntrack.h>
#include "ndvmfw.h"

static unsigned int max_cls_mb = 256;
module_param(max_cls_mb, uint, 0444);
MODULE_PARM_DESC(max_cls_mb,
		 "Memory bound of the lookup structures of one rule set, MiB");

/*
 * Pinning: with digest= set (e.g. ndvmfw.digest= on the kernel command
 * line, passed on by modprobe or "fwctl boot"), only the rule set with that
 * SHA-256 can ever be committed, whoever asks.
 */
static char digest[2 * NDVMFW_DIGEST_LEN + 1];
module_param_string(digest, digest, sizeof(digest), 0444);
MODULE_PARM_DESC(digest,
		 "SHA-256 (64 hex digits) of the only rule set that may be loaded");

static u8 ndvmfw_pinned[NDVMFW_DIGEST_LEN];
static bool ndvmfw_is_pinned;

struct ndvmfw_table __rcu *ndvmfw_active;

/* Serialises commits and seal; readers use RCU. */
static DEFINE_MUTEX(ndvmfw_lock);
static bool ndvmfw_is_sealed;
static u64 ndvmfw_gen;

struct ndvmfw_stats {
	u64 v[NDVMFW_STAT_MAX];
};

static struct ndvmfw_stats __percpu *ndvmfw_stats;

struct ndvmfw_table *ndvmfw_table_alloc(void)
{
	struct ndvmfw_table *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (t)
		refcount_set(&t->ref, 1);
	return t;
}

static void ndvmfw_table_free(struct ndvmfw_table *t)
{
	struct ndvmfw_ruleset *rs = &t->rs;
	int cpu;

	if (t->conntrack_bridge)
		nf_ct_netns_put(&init_net, NFPROTO_BRIDGE);
	if (t->conntrack)
		nf_ct_netns_put(&init_net, NFPROTO_INET);
	if (t->pcpu) {
		for_each_possible_cpu(cpu)
			kvfree(t->pcpu[cpu]);
		kfree(t->pcpu);
	}
	ndvmfw_log_free(t->log);
	kvfree(t->masq);
	ndvmfw_cls_free(t->cls4);
	ndvmfw_cls_free(t->cls6);
	kvfree(rs->sets);
	kvfree(rs->elems);
	kvfree(rs->rules);
	kvfree(rs->ports);
	kvfree(rs->icmp);
	kvfree(rs->ifrules);
	kfree(t);
}

void ndvmfw_table_put(struct ndvmfw_table *t)
{
	if (t && refcount_dec_and_test(&t->ref))
		ndvmfw_table_free(t);
}

/* A reference to the active table, or NULL. */
struct ndvmfw_table *ndvmfw_table_get(void)
{
	struct ndvmfw_table *t;

	rcu_read_lock();
	t = rcu_dereference(ndvmfw_active);
	if (t && !refcount_inc_not_zero(&t->ref))
		t = NULL;
	rcu_read_unlock();
	return t;
}

static const struct nlattr *
ndvmfw_error_attr(const struct ndvmfw_error *err,
		  const struct nlattr **rule_attrs,
		  const struct nlattr **set_attrs,
		  const struct nlattr **ifrule_attrs)
{
	switch (err->where) {
	case NDVMFW_AT_RULE:
		return rule_attrs[err->index];
	case NDVMFW_AT_IFRULE:
		return ifrule_attrs[err->index];
	case NDVMFW_AT_SET:
		return set_attrs[err->index];
	default:
		return NULL;
	}
}

static int ndvmfw_alloc_counters(struct ndvmfw_table *t)
{
	int cpu;

	t->pcpu = kcalloc(nr_cpu_ids, sizeof(*t->pcpu), GFP_KERNEL);
	if (!t->pcpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		t->pcpu[cpu] = kvcalloc(t->rs.nrules + 1,
					sizeof(struct ndvmfw_counter),
					GFP_KERNEL);
		if (!t->pcpu[cpu])
			return -ENOMEM;
	}
	return 0;
}

/*
 * Connection tracking runs only while a rule set uses "state" or
 * masquerades, for the IP hooks. The bridge's (nf_conntrack_bridge, which
 * also reassembles bridged fragments) runs only while a filter rule uses
 * "state": masquerade never applies to bridged traffic.
 */
static int ndvmfw_table_conntrack(struct ndvmfw_table *t,
				  struct netlink_ext_ack *extack)
{
	const struct ndvmfw_rule *r;
	bool ip = false, bridge = false;
	u32 i;
	int ret;

	for (i = 0; i < t->rs.nrules; i++) {
		r = &t->rs.rules[i];
		ip |= r->state || r->verdict == NDVMFW_MASQUERADE;
		bridge |= r->state && r->verdict != NDVMFW_MASQUERADE;
	}
	if (!ip)
		return 0;
	ret = nf_ct_netns_get(&init_net, NFPROTO_INET);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot enable connection tracking");
		return ret;
	}
	t->conntrack = true;
	if (!bridge)
		return 0;
	ret = nf_ct_netns_get(&init_net, NFPROTO_BRIDGE);
	if (ret) {
		NL_SET_ERR_MSG(extack,
			       "cannot enable bridge connection tracking (nf_conntrack_bridge)");
		return ret;
	}
	t->conntrack_bridge = true;
	return 0;
}

/**
 * ndvmfw_table_build - validate a parsed rule set and build its lookup
 * @t: a table whose rule set was filled in from netlink
 * @extack: for the reason of a failure
 * @rule_attrs: the attribute each rule came from, to point errors at
 * @set_attrs: the attribute each set came from
 * @ifrule_attrs: the attribute each interface statement came from
 *
 * Return: 0 or a negative errno; @t is left for ndvmfw_table_put() either
 * way.
 */
int ndvmfw_table_build(struct ndvmfw_table *t, struct netlink_ext_ack *extack,
		       const struct nlattr **rule_attrs,
		       const struct nlattr **set_attrs,
		       const struct nlattr **ifrule_attrs)
{
	size_t max = (size_t)max_cls_mb << 20;
	struct ndvmfw_error err;
	int ret;

	ret = ndvmfw_ruleset_check(&t->rs, &err);
	if (ret) {
		ndvmfw_extack(extack,
			      ndvmfw_error_attr(&err, rule_attrs, set_attrs,
						ifrule_attrs),
			      err.msg);
		return ret;
	}
	ndvmfw_ruleset_digest(&t->rs, t->digest);
	if (ndvmfw_is_pinned &&
	    memcmp(t->digest, ndvmfw_pinned, NDVMFW_DIGEST_LEN)) {
		NL_SET_ERR_MSG(extack,
			       "rule set digest differs from the digest module parameter");
		return -EKEYREJECTED;
	}
	ret = ndvmfw_cls_build(&t->rs, NFPROTO_IPV4, max, &t->cls4);
	if (!ret)
		ret = ndvmfw_cls_build(&t->rs, NFPROTO_IPV6,
				       max - ndvmfw_cls_bytes(t->cls4),
				       &t->cls6);
	if (ret == -E2BIG) {
		NL_SET_ERR_MSG(extack,
			       "lookup structure would exceed max_cls_mb");
		return ret;
	}
	if (!ret)
		ret = ndvmfw_alloc_counters(t);
	if (!ret)
		ret = ndvmfw_log_alloc(t);
	if (!ret)
		ret = ndvmfw_nat_prepare(t);
	if (!ret)
		ret = ndvmfw_table_conntrack(t, extack);
	return ret;
}

/*
 * Sealing pins the module, so that rmmod fails from then on. A module
 * that rmmod has already begun to remove cannot be pinned (its exit waits
 * for the command in progress to return): the seal is refused then, not
 * reported while the rules go away with the module.
 */
static int ndvmfw_seal_pin(void)
{
	lockdep_assert_held(&ndvmfw_lock);
	if (ndvmfw_is_sealed || try_module_get(THIS_MODULE))
		return 0;
	return -ENODEV;
}

/* After ndvmfw_seal_pin() succeeded, with the lock still held. */
static void ndvmfw_seal_locked(void)
{
	lockdep_assert_held(&ndvmfw_lock);
	if (ndvmfw_is_sealed)
		return;
	ndvmfw_is_sealed = true;
	pr_info("rule set sealed until reboot\n");
}

/* Seal the active rule set; -ENOENT while none is loaded. */
int ndvmfw_seal(void)
{
	int ret = -ENOENT;

	mutex_lock(&ndvmfw_lock);
	if (rcu_access_pointer(ndvmfw_active)) {
		ret = ndvmfw_seal_pin();
		if (!ret)
			ndvmfw_seal_locked();
	}
	mutex_unlock(&ndvmfw_lock);
	return ret;
}

bool ndvmfw_sealed(void)
{
	return READ_ONCE(ndvmfw_is_sealed);
}

/**
 * ndvmfw_table_commit - make a built table the active one
 * @t: the table; the active pointer takes over the caller's reference
 * @seal: seal in the same step
 *
 * The interfaces' identities under @t are allocated first: a commit
 * either stands with all of them or does not happen. Antispoof is turned
 * on where @t asks for it before @t is published, and off where it does
 * not only after (ndvmfw_links_arm(), ndvmfw_links_commit()), so no frame
 * meets @t's rules without having met @t's antispoof.
 *
 * Return: 0, -EPERM once sealed, -ENODEV if @seal and the module is
 * being removed, or -ENOMEM; on error nothing changed and the caller keeps
 * its reference.
 */
int ndvmfw_table_commit(struct ndvmfw_table *t, bool seal)
{
	struct ndvmfw_table *old;
	u64 gen;
	int ret;

	ret = ndvmfw_links_prepare(t);
	if (ret)
		return ret;
	/* RTNL is held from here to ndvmfw_links_commit() */
	mutex_lock(&ndvmfw_lock);
	ret = ndvmfw_is_sealed ? -EPERM : 0;
	if (!ret && seal)
		ret = ndvmfw_seal_pin();
	if (ret) {
		mutex_unlock(&ndvmfw_lock);
		ndvmfw_links_abort();
		return ret;
	}
	/*
	 * Nothing fails from here on. Where @t has antispoof, it is on now;
	 * the frames that passed ingress before are judged by the old rules.
	 */
	if (ndvmfw_links_arm(t))
		synchronize_net();
	gen = ++ndvmfw_gen;
	t->generation = gen;
	old = rcu_replace_pointer(ndvmfw_active, t,
				  lockdep_is_held(&ndvmfw_lock));
	if (seal)
		ndvmfw_seal_locked();
	mutex_unlock(&ndvmfw_lock);

	pr_info("rule set %llu committed: %u rules, %u sets\n", gen,
		t->rs.nrules, t->rs.nsets);
	/* no other commit can replace @t before RTNL is released */
	ndvmfw_links_commit(t);
	if (old) {
		synchronize_net();
		ndvmfw_table_put(old);
	}
	return 0;
}

void ndvmfw_table_counter(const struct ndvmfw_table *t, u32 idx,
			  u64 *packets, u64 *bytes)
{
	int cpu;

	*packets = 0;
	*bytes = 0;
	for_each_possible_cpu(cpu) {
		*packets += local64_read(&t->pcpu[cpu][idx].packets);
		*bytes += local64_read(&t->pcpu[cpu][idx].bytes);
	}
}

void ndvmfw_stat_inc(enum ndvmfw_stat s)
{
	this_cpu_inc(ndvmfw_stats->v[s]);
}

u64 ndvmfw_stat_read(enum ndvmfw_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(ndvmfw_stats, cpu)->v[s];
	return sum;
}

int ndvmfw_table_init(void)
{
	if (digest[0]) {
		if (strlen(digest) != 2 * NDVMFW_DIGEST_LEN ||
		    hex2bin(ndvmfw_pinned, digest, NDVMFW_DIGEST_LEN)) {
			pr_err("digest=%s: want 64 hex digits\n", digest);
			return -EINVAL;
		}
		ndvmfw_is_pinned = true;
		pr_info("pinned to rule set digest %s\n", digest);
	}
	ndvmfw_stats = alloc_percpu(struct ndvmfw_stats);
	return ndvmfw_stats ? 0 : -ENOMEM;
}

void ndvmfw_table_exit(void)
{
	struct ndvmfw_table *t;

	mutex_lock(&ndvmfw_lock);
	t = rcu_replace_pointer(ndvmfw_active, NULL,
				lockdep_is_held(&ndvmfw_lock));
	mutex_unlock(&ndvmfw_lock);
	synchronize_net();
	ndvmfw_table_put(t);
	free_percpu(ndvmfw_stats);
}
