// SPDX-License-Identifier: GPL-2.0
/*
 * ndvmfw: a sealable firewall for network driver VMs.
 *
 * From insmod until the first rule set is committed every packet the hooks
 * see is dropped. A rule set is replaced atomically, and can be sealed:
 * from then on nothing can change it, nor unload the module, until reboot.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include "ndvmfw.h"

bool ndvmfw_fail_open;
module_param_named(fail_open, ndvmfw_fail_open, bool, 0444);
MODULE_PARM_DESC(fail_open,
		 "Accept instead of drop until a rule set is loaded (development only)");

static int __init ndvmfw_init(void)
{
	int ret;

	ndvmfw_log_init();
	ret = ndvmfw_table_init();
	if (ret)
		return ret;
	ret = ndvmfw_hooks_init();
	if (ret)
		goto err_table;
	ret = ndvmfw_links_init();
	if (ret)
		goto err_hooks;
	ret = ndvmfw_nat_init();
	if (ret)
		goto err_links;
	ret = ndvmfw_genl_init();
	if (ret)
		goto err_nat;
	ndvmfw_report_init();
	pr_info("loaded, %s every packet until a rule set is committed\n",
		ndvmfw_fail_open ? "accepting" : "dropping");
	return 0;

err_nat:
	ndvmfw_nat_exit();
err_links:
	ndvmfw_links_exit();
err_hooks:
	ndvmfw_hooks_exit();
err_table:
	ndvmfw_table_exit();
	return ret;
}

static void __exit ndvmfw_exit(void)
{
	ndvmfw_report_exit();
	ndvmfw_genl_exit();
	ndvmfw_nat_exit();
	ndvmfw_links_exit();
	ndvmfw_hooks_exit();
	ndvmfw_table_exit();
}

module_init(ndvmfw_init);
module_exit(ndvmfw_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Sealable firewall for network driver VMs");
MODULE_AUTHOR("The ndvmfw authors");
MODULE_ALIAS_GENL_FAMILY(NDVMFW_GENL_NAME);
