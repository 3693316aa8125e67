// SPDX-License-Identifier: GPL-2.0
/*
 * Counters with no daemon to ask: every stats_interval seconds one summary
 * line on the console, and only if a counter moved since the last. Under
 * Xen, every xenstore_interval seconds the same counters, the digest and
 * the seal state in the domain's own xenstore directory,
 * /local/domain/<self>/data/ndvmfw/, for dom0 to read (xenstore-read).
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include "compat.h"
#include "ndvmfw.h"

#ifdef NDVMFW_HAVE_XENBUS
#include <xen/xen.h>
#include <xen/xenbus.h>
#endif

static unsigned int stats_interval;
module_param(stats_interval, uint, 0444);
MODULE_PARM_DESC(stats_interval,
		 "Seconds between counter summaries on the console (0: none)");

static unsigned int xenstore_interval;
module_param(xenstore_interval, uint, 0444);
MODULE_PARM_DESC(xenstore_interval,
		 "Under Xen: seconds between counter updates in data/ndvmfw/ of the domain's xenstore directory (0: none)");

struct ndvmfw_summary {
	u64 generation;
	u64 antispoof;			/* frames antispoof dropped */
	u8 digest[NDVMFW_DIGEST_LEN];
	bool sealed;
	u64 verdict[NDVMFW_MASQUERADE];	/* packets: drop, accept, reject */
	u64 stat[NDVMFW_STAT_MAX];
};

static struct ndvmfw_summary ndvmfw_last;

static void ndvmfw_summarise(struct ndvmfw_summary *s)
{
	struct ndvmfw_table *t = ndvmfw_table_get();
	u64 packets, bytes;
	u8 verdict;
	u32 i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < NDVMFW_STAT_MAX; i++)
		s->stat[i] = ndvmfw_stat_read(i);
	s->antispoof = ndvmfw_links_dropped();
	s->sealed = ndvmfw_sealed();
	if (!t)
		return;
	s->generation = t->generation;
	memcpy(s->digest, t->digest, sizeof(s->digest));
	for (i = 0; i <= t->rs.nrules; i++) {	/* the policy last */
		verdict = i < t->rs.nrules ? t->rs.rules[i].verdict :
					     t->rs.policy;
		if (verdict >= ARRAY_SIZE(s->verdict))
			continue;	/* masquerade counts connections */
		ndvmfw_table_counter(t, i, &packets, &bytes);
		s->verdict[verdict] += packets;
		if (!(i & 1023))
			cond_resched();
	}
	ndvmfw_table_put(t);
}

static void ndvmfw_report_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ndvmfw_report_work, ndvmfw_report_fn);

static void ndvmfw_report_fn(struct work_struct *work)
{
	struct ndvmfw_summary s;

	ndvmfw_summarise(&s);
	if (memcmp(&s, &ndvmfw_last, sizeof(s))) {
		pr_notice("counters: generation=%llu accepted=%llu dropped=%llu rejected=%llu antispoof-dropped=%llu unloaded=%llu malformed=%llu fragment=%llu exthdr=%llu vlan=%llu log-suppressed=%llu\n",
			  s.generation, s.verdict[NDVMFW_ACCEPT],
			  s.verdict[NDVMFW_DROP], s.verdict[NDVMFW_REJECT],
			  s.antispoof,
			  s.stat[NDVMFW_STAT_UNLOADED],
			  s.stat[NDVMFW_STAT_MALFORMED],
			  s.stat[NDVMFW_STAT_FRAGMENT],
			  s.stat[NDVMFW_STAT_EXTHDR], s.stat[NDVMFW_STAT_VLAN],
			  s.stat[NDVMFW_STAT_LOG_SUPPRESSED]);
		ndvmfw_last = s;
	}
	schedule_delayed_work(&ndvmfw_report_work, stats_interval * HZ);
}

#ifdef NDVMFW_HAVE_XENBUS
static struct ndvmfw_summary ndvmfw_xs_last;

static int ndvmfw_xs_write(const struct ndvmfw_summary *s)
{
	static const char dir[] = "data/ndvmfw";
	struct xenbus_transaction xbt;
	char digest[2 * NDVMFW_DIGEST_LEN + 1];
	int ret;

	bin2hex(digest, s->digest, sizeof(s->digest));
	digest[sizeof(digest) - 1] = '\0';
again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	ret = xenbus_printf(xbt, dir, "generation", "%llu", s->generation) ?:
	      xenbus_printf(xbt, dir, "digest", "%s",
			    s->generation ? digest : "") ?:
	      xenbus_printf(xbt, dir, "sealed", "%d", s->sealed) ?:
	      xenbus_printf(xbt, dir, "accepted", "%llu",
			    s->verdict[NDVMFW_ACCEPT]) ?:
	      xenbus_printf(xbt, dir, "dropped", "%llu",
			    s->verdict[NDVMFW_DROP]) ?:
	      xenbus_printf(xbt, dir, "rejected", "%llu",
			    s->verdict[NDVMFW_REJECT]) ?:
	      xenbus_printf(xbt, dir, "antispoof-dropped", "%llu",
			    s->antispoof) ?:
	      xenbus_printf(xbt, dir, "unloaded", "%llu",
			    s->stat[NDVMFW_STAT_UNLOADED]) ?:
	      xenbus_printf(xbt, dir, "malformed", "%llu",
			    s->stat[NDVMFW_STAT_MALFORMED]);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}

static void ndvmfw_xs_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ndvmfw_xs_work, ndvmfw_xs_fn);

static void ndvmfw_xs_fn(struct work_struct *work)
{
	struct ndvmfw_summary s;
	int ret;

	ndvmfw_summarise(&s);
	if (memcmp(&s, &ndvmfw_xs_last, sizeof(s))) {
		ret = ndvmfw_xs_write(&s);
		if (ret)
			pr_warn_ratelimited("xenstore data/ndvmfw: %d\n", ret);
		else
			ndvmfw_xs_last = s;
	}
	schedule_delayed_work(&ndvmfw_xs_work, xenstore_interval * HZ);
}

static void ndvmfw_xs_init(void)
{
	if (!xenstore_interval || !xen_domain())
		return;
	xenstore_interval = clamp(xenstore_interval, 1U, 86400U);
	/* the first update at once, with the state at insmod */
	ndvmfw_xs_last.generation = U64_MAX;
	schedule_delayed_work(&ndvmfw_xs_work, 0);
}

static void ndvmfw_xs_exit(void)
{
	cancel_delayed_work_sync(&ndvmfw_xs_work);
}
#else
static void ndvmfw_xs_init(void)
{
}

static void ndvmfw_xs_exit(void)
{
}
#endif

void ndvmfw_report_init(void)
{
	ndvmfw_xs_init();
	if (!stats_interval)
		return;
	stats_interval = clamp(stats_interval, 1U, 86400U);
	schedule_delayed_work(&ndvmfw_report_work, stats_interval * HZ);
}

void ndvmfw_report_exit(void)
{
	cancel_delayed_work_sync(&ndvmfw_report_work);
	ndvmfw_xs_exit();
}
