// SPDX-License-Identifier: GPL-2.0
/*
 * The printer's contract (parse.h), as test_parse and the libFuzzer harness
 * selftests/fuzz/fuzz_parse.c check it: printing a rule set and parsing the
 * text gives the same digest, and printing that gives the same text.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "roundtrip.h"

bool fw_digest_eq(const struct ndvmfw_ruleset *a,
		  const struct ndvmfw_ruleset *b)
{
	u8 da[NDVMFW_DIGEST_LEN], db[NDVMFW_DIGEST_LEN];

	ndvmfw_ruleset_digest(a, da);
	ndvmfw_ruleset_digest(b, db);
	return !memcmp(da, db, sizeof(da));
}

char *fw_print_str(const struct ndvmfw_ruleset *rs, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f;
	int ret;

	f = open_memstream(&text, &n);
	if (!f)
		return NULL;
	ret = fw_print_ruleset(f, rs);
	fclose(f);
	if (ret) {
		free(text);
		return NULL;
	}
	if (len)
		*len = n;
	return text;
}

const char *fw_round_trip(const struct ndvmfw_ruleset *rs, char *err,
			  size_t errlen)
{
	const char *why = NULL;
	char *t1, *t2 = NULL;
	struct fw_rules r2;
	size_t n1, n2;

	err[0] = '\0';
	t1 = fw_print_str(rs, &n1);
	if (!t1)
		return "print failed";
	if (fw_parse_buf("printed", t1, n1, &r2, err, errlen)) {
		why = "printed text does not parse";
		goto out;
	}
	if (!fw_digest_eq(rs, &r2.rs))
		why = "digest changed";
	t2 = fw_print_str(&r2.rs, &n2);
	if (!why && (!t2 || n1 != n2 || memcmp(t1, t2, n1)))
		why = "second print differs";
	fw_rules_free(&r2);
out:
	free(t1);
	free(t2);
	return why;
}
