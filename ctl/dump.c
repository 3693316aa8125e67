// SPDX-License-Identifier: GPL-2.0
/* fwctl dump: the active rule set in the rule language. */
#include "common.h"
#include "fwctl.h"
#include "parse.h"

int fw_cmd_dump(int argc, char *argv[])
{
	struct fw_dump d;
	struct fw_nl n;
	int ret;

	if (argc != 1)
		return fw_fail("usage: fwctl dump");
	if (fw_open(&n))
		return 1;
	ret = fw_get_dump(&n, &d);
	fw_nl_close(&n);
	if (ret)
		return fw_kernel_fail(&n, ret);
	if (!d.loaded) {
		fw_dump_free(&d);
		return fw_fail("no rule set is loaded");
	}
	ret = fw_print_ruleset(stdout, &d.rs);
	fw_dump_free(&d);
	return ret ? fw_fail("cannot print the rule set") : 0;
}
