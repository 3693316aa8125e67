// SPDX-License-Identifier: GPL-2.0
/* fwctl check FILE: parse and validate offline, print the digest. */
#include "fwctl.h"
#include "parse.h"

int fw_cmd_check(int argc, char *argv[])
{
	u8 digest[NDVMFW_DIGEST_LEN];
	struct fw_rules r;
	char err[1024];

	if (argc != 2)
		return fw_fail("usage: fwctl check FILE");
	if (fw_parse_file(argv[1], &r, err, sizeof(err)))
		return fw_fail("%s", err);
	ndvmfw_ruleset_digest(&r.rs, digest);
	printf("policy: %s\nrules: %u\nsets: %u\nelements: %u\ndigest: ",
	       fw_verdict_name(r.rs.policy), r.rs.nrules, r.rs.nsets,
	       r.rs.nelems);
	fw_print_hex(stdout, digest, sizeof(digest));
	printf("\n");
	fw_rules_free(&r);
	return 0;
}
