// SPDX-License-Identifier: GPL-2.0
/* fwctl load [--seal] FILE: replace the active rule set atomically. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "fwctl.h"
#include "parse.h"

int fw_cmd_load(int argc, char *argv[])
{
	const char *file = NULL;
	struct nlmsghdr *nlh;
	struct fw_rules r;
	struct fw_nl n;
	char err[1024];
	u32 flags = 0;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seal"))
			flags |= NDVMFW_LOAD_F_SEAL;
		else if (!file && (argv[i][0] != '-' || !argv[i][1]))
			file = argv[i];
		else
			return fw_fail("usage: fwctl load [--seal] FILE");
	}
	if (!file)
		return fw_fail("usage: fwctl load [--seal] FILE");
	if (fw_parse_file(file, &r, err, sizeof(err)))
		return fw_fail("%s", err);
	if (fw_open(&n)) {
		fw_rules_free(&r);
		return 1;
	}
	nlh = fw_encode_load(&n, &r.rs, flags);
	if (!nlh) {
		ret = fw_fail("%s", strerror(errno));
		goto out;
	}
	ret = fw_nl_talk(&n, nlh, NULL, NULL);
	if (ret)
		ret = fw_kernel_fail(&n, ret);
	free(nlh);
out:
	fw_nl_close(&n);
	fw_rules_free(&r);
	return ret;
}
