/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Round trips through the printer (roundtrip.c), shared by test_parse and
 * the libFuzzer harnesses in selftests/fuzz/.
 */
#ifndef _NDVMFW_TEST_ROUNDTRIP_H
#define _NDVMFW_TEST_ROUNDTRIP_H

#include "parse.h"

/* Whether two checked rule sets have the same digest. */
bool fw_digest_eq(const struct ndvmfw_ruleset *a,
		  const struct ndvmfw_ruleset *b);
/* Print @rs into a malloc'd buffer of *@len bytes; NULL if printing fails. */
char *fw_print_str(const struct ndvmfw_ruleset *rs, size_t *len);
/*
 * Print, parse the text, compare digests; print again and compare the text.
 * Return NULL, or a short reason and maybe a parse error in @err.
 */
const char *fw_round_trip(const struct ndvmfw_ruleset *rs, char *err,
			  size_t errlen);

#endif /* _NDVMFW_TEST_ROUNDTRIP_H */
