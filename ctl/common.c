// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the subcommands that talk to the kernel. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "fwctl.h"

int fw_open(struct fw_nl *n)
{
	int ret = fw_nl_open(n);

	if (ret == -ENOENT)
		return fw_fail("the ndvmfw module is not loaded");
	if (ret)
		return fw_fail("cannot open generic netlink: %s",
			       strerror(-ret));
	return 0;
}

int fw_kernel_fail(struct fw_nl *n, int err)
{
	if (n->err[0])
		return fw_fail("%s: %s", strerror(-err), n->err);
	return fw_fail("%s", strerror(-err));
}

/* The global counters as JSON pairs: "unloaded_packets":N, ... */
void fw_json_counters(const struct fw_status *st)
{
	char key[32];
	char *c;
	int i;

	for (i = 0; i < FW_NCOUNTERS; i++) {
		snprintf(key, sizeof(key), "%s", fw_counters[i].name);
		for (c = key; *c; c++)
			if (*c == '-')
				*c = '_';
		fw_json_u64(key, st->counters[i], false);
	}
}
