// SPDX-License-Identifier: GPL-2.0
/* fwctl stats [-j]: per-rule and policy counters. */
#include <stdlib.h>
#include "common.h"
#include "fwctl.h"
#include "parse.h"

static void fw_stats_json(const struct fw_dump *d, const struct fw_status *st)
{
	char *text;
	size_t len;
	FILE *f;
	u32 i;

	printf("{\"rules\":[");
	for (i = 0; i < d->rs.nrules; i++) {
		f = open_memstream(&text, &len);
		if (!f)
			return;
		fw_print_rule(f, &d->rs, &d->rs.rules[i]);
		fclose(f);
		printf("%s{", i ? "," : "");
		fw_json_u64("rule", i + 1, true);
		fw_json_u64("packets", d->packets[i], false);
		fw_json_u64("bytes", d->bytes[i], false);
		fw_json_str("text", text, false);
		printf("}");
		free(text);
	}
	printf("],\"policy\":{");
	fw_json_str("verdict", d->loaded ? fw_verdict_name(d->rs.policy) :
		    "none", true);
	fw_json_u64("packets", st->policy_packets, false);
	fw_json_u64("bytes", st->policy_bytes, false);
	printf("}");
	fw_json_counters(st);
	printf("}\n");
}

static void fw_stats_text(const struct fw_dump *d, const struct fw_status *st)
{
	u32 i;

	for (i = 0; i < d->rs.nrules; i++) {
		printf("%u packets %llu bytes %llu : ", i + 1,
		       d->packets[i], d->bytes[i]);
		fw_print_rule(stdout, &d->rs, &d->rs.rules[i]);
		printf("\n");
	}
	printf("policy packets %llu bytes %llu : %s\n",
	       st->policy_packets, st->policy_bytes,
	       d->loaded ? fw_verdict_name(d->rs.policy) : "none");
	for (i = 0; i < FW_NCOUNTERS; i++)
		printf("%s %llu\n", fw_counters[i].name, st->counters[i]);
}

int fw_cmd_stats(int argc, char *argv[])
{
	bool json = fw_want_json(&argc, argv);
	struct fw_status st;
	struct fw_dump d;
	struct fw_nl n;
	int ret;

	if (argc != 1)
		return fw_fail("usage: fwctl stats [-j]");
	if (fw_open(&n))
		return 1;
	ret = fw_get_dump(&n, &d);
	if (!ret)
		ret = fw_get_status(&n, &st);
	fw_nl_close(&n);
	if (ret) {
		fw_dump_free(&d);
		return fw_kernel_fail(&n, ret);
	}
	if (json)
		fw_stats_json(&d, &st);
	else
		fw_stats_text(&d, &st);
	fw_dump_free(&d);
	return 0;
}
