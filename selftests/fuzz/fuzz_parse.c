// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the rule parser (ctl/parse.c) and printer (print.c),
 * with the module's rule set check and digest (kmod/ruleset.c).
 *
 * The input is a rules file, as fwctl reads it. What it checks:
 * - an input that does not parse gets one message "in:LINE:COL: ..."
 *   whose line and column are within the input (or "in:LINE:1: ..." from
 *   the rule set check), and the parser leaves nothing allocated;
 * - an input that parses survives the round trip of parse.h: printing the
 *   rule set and parsing the text gives the same digest, and printing that
 *   gives the same text (selftests/unit/roundtrip.c);
 * - the outcome does not depend on whether a message is wanted: parsing
 *   again without an error buffer gives the same result and digest.
 * ASan and UBSan (see Makefile) catch what the parser does out of bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "roundtrip.h"

#define FUZZ_NAME	"in"

static void fuzz_fail(const char *why, const char *detail)
{
	fprintf(stderr, "fuzz_parse: %s%s%s\n", why, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

/* Bytes of line @line (1-based) of @buf, or -1 if there is no such line. */
static long fuzz_line_len(const char *buf, size_t len, unsigned long line)
{
	const char *p = buf, *end = buf + len, *nl;

	while (--line) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			return -1;
		p = nl + 1;
	}
	nl = memchr(p, '\n', end - p);
	return nl ? nl - p : end - p;
}

/* A parse error: "in:LINE:COL: text" within the input, or "in: text". */
static void fuzz_check_error(const char *buf, size_t len, const char *err)
{
	unsigned long line, col;
	char *end;
	long llen;

	if (strncmp(err, FUZZ_NAME ":", strlen(FUZZ_NAME ":")))
		fuzz_fail("error message without the file name", err);
	err += strlen(FUZZ_NAME ":");
	if (*err == ' ') {
		if (strlen(err) < 2)
			fuzz_fail("empty error message", err);
		return;
	}
	line = strtoul(err, &end, 10);
	if (end == err || *end != ':')
		fuzz_fail("error message without a line", err);
	err = end + 1;
	col = strtoul(err, &end, 10);
	if (end == err || strncmp(end, ": ", 2) || strlen(end) < 3)
		fuzz_fail("error message without a column", err);
	llen = line ? fuzz_line_len(buf, len, line) : -1;
	if (llen < 0)
		fuzz_fail("error on a line past the end of the input", err);
	if (!col || col > (unsigned long)llen + 1)
		fuzz_fail("error in a column past the end of its line", err);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	const char *buf = (const char *)data;
	struct fw_rules r, r2;
	const char *why;
	char err[512];
	int ret, ret2;

	ret = fw_parse_buf(FUZZ_NAME, buf, size, &r, err, sizeof(err));
	ret2 = fw_parse_buf(FUZZ_NAME, buf, size, &r2, NULL, 0);
	if (ret != ret2)
		fuzz_fail("parsing with and without a message differ", NULL);
	if (ret) {
		if (r.rs.nrules || r.rs.nsets || r.rule_line || r.set_line)
			fuzz_fail("a failed parse left a rule set", NULL);
		fuzz_check_error(buf, size, err);
		return 0;
	}
	if (!fw_digest_eq(&r.rs, &r2.rs))
		fuzz_fail("parsing twice gives two digests", NULL);
	fw_rules_free(&r2);
	why = fw_round_trip(&r.rs, err, sizeof(err));
	if (why)
		fuzz_fail(why, err);
	fw_rules_free(&r);
	return 0;
}
