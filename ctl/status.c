// SPDX-License-Identifier: GPL-2.0
/* fwctl status [-j]: the module's state as key: value lines or JSON. */
#include "common.h"
#include "fwctl.h"

static const char *fw_yes(bool b)
{
	return b ? "yes" : "no";
}

static void fw_status_text(const struct fw_status *st)
{
	int i;

	printf("loaded: %s\nsealed: %s\nfail-open: %s\n", fw_yes(st->loaded),
	       fw_yes(st->sealed), fw_yes(st->fail_open));
	if (st->loaded) {
		printf("policy: %s\nrules: %u\nsets: %u\nelements: %u\n",
		       fw_verdict_name(st->policy), st->nrules, st->nsets,
		       st->nelems);
		printf("digest: ");
		fw_print_hex(stdout, st->digest, sizeof(st->digest));
		printf("\ngeneration: %llu\n", st->generation);
		printf("policy-packets: %llu\npolicy-bytes: %llu\n",
		       st->policy_packets, st->policy_bytes);
		printf("lookup-nodes: %llu\nlookup-bytes: %llu\n",
		       st->cls_nodes, st->cls_bytes);
	} else {
		printf("rules: 0\n");
	}
	for (i = 0; i < FW_NCOUNTERS; i++)
		printf("%s: %llu\n", fw_counters[i].name, st->counters[i]);
}

static void fw_status_json(const struct fw_status *st)
{
	char digest[2 * NDVMFW_DIGEST_LEN + 1];
	unsigned int i;

	printf("{\"loaded\":%s,\"sealed\":%s,\"fail_open\":%s",
	       st->loaded ? "true" : "false", st->sealed ? "true" : "false",
	       st->fail_open ? "true" : "false");
	fw_json_u64("rules", st->nrules, false);
	if (st->loaded) {
		for (i = 0; i < NDVMFW_DIGEST_LEN; i++)
			sprintf(digest + 2 * i, "%02x", st->digest[i]);
		fw_json_str("policy", fw_verdict_name(st->policy), false);
		fw_json_u64("sets", st->nsets, false);
		fw_json_u64("elements", st->nelems, false);
		fw_json_str("digest", digest, false);
		fw_json_u64("generation", st->generation, false);
		fw_json_u64("policy_packets", st->policy_packets, false);
		fw_json_u64("policy_bytes", st->policy_bytes, false);
		fw_json_u64("lookup_nodes", st->cls_nodes, false);
		fw_json_u64("lookup_bytes", st->cls_bytes, false);
	}
	fw_json_counters(st);
	printf("}\n");
}

int fw_cmd_status(int argc, char *argv[])
{
	bool json = fw_want_json(&argc, argv);
	struct fw_status st;
	struct fw_nl n;
	int ret;

	if (argc != 1)
		return fw_fail("usage: fwctl status [-j]");
	if (fw_open(&n))
		return 1;
	ret = fw_get_status(&n, &st);
	fw_nl_close(&n);
	if (ret)
		return fw_kernel_fail(&n, ret);
	if (json)
		fw_status_json(&st);
	else
		fw_status_text(&st);
	return 0;
}
