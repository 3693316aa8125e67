// SPDX-License-Identifier: GPL-2.0
/*
 * Counters on the console with no daemon to ask: every stats_interval
 * seconds one summary line, and only if a counter moved since the last.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include "ndvmfw.h"

static unsigned int stats_interval;
module_param(stats_interval, uint, 0444);
MODULE_PARM_DESC(stats_interval,
		 "Seconds between counter summaries on the console (0: none)");

struct ndvmfw_summary {
	u64 generation;
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
	if (!t)
		return;
	s->generation = t->generation;
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
		pr_notice("counters: generation=%llu accepted=%llu dropped=%llu rejected=%llu unloaded=%llu malformed=%llu fragment=%llu exthdr=%llu vlan=%llu log-suppressed=%llu\n",
			  s.generation, s.verdict[NDVMFW_ACCEPT],
			  s.verdict[NDVMFW_DROP], s.verdict[NDVMFW_REJECT],
			  s.stat[NDVMFW_STAT_UNLOADED],
			  s.stat[NDVMFW_STAT_MALFORMED],
			  s.stat[NDVMFW_STAT_FRAGMENT],
			  s.stat[NDVMFW_STAT_EXTHDR], s.stat[NDVMFW_STAT_VLAN],
			  s.stat[NDVMFW_STAT_LOG_SUPPRESSED]);
		ndvmfw_last = s;
	}
	schedule_delayed_work(&ndvmfw_report_work, stats_interval * HZ);
}

void ndvmfw_report_init(void)
{
	if (!stats_interval)
		return;
	stats_interval = clamp(stats_interval, 1U, 86400U);
	schedule_delayed_work(&ndvmfw_report_work, stats_interval * HZ);
}

void ndvmfw_report_exit(void)
{
	cancel_delayed_work_sync(&ndvmfw_report_work);
}
