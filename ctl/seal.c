// SPDX-License-Identifier: GPL-2.0
/* fwctl seal: make the active rule set permanent until reboot. */
#include "common.h"
#include "fwctl.h"

int fw_cmd_seal(int argc, char *argv[])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct fw_nl n;
	int ret;

	if (argc != 1)
		return fw_fail("usage: fwctl seal");
	if (fw_open(&n))
		return 1;
	ret = fw_nl_talk(&n, fw_nl_put(&n, buf, NDVMFW_CMD_SEAL, 0), NULL,
			 NULL);
	if (ret)
		ret = fw_kernel_fail(&n, ret);
	fw_nl_close(&n);
	return ret;
}
