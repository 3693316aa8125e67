// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the fwctl rule parser and printer (ctl/parse.c, print.c)
 * with the rule set code of the module (kmod/ruleset.c). TAP-like output;
 * exits 1 if any test failed. Usage: test_parse [DIR], DIR being
 * selftests/unit (default: the current directory).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "roundtrip.h"

static unsigned int fw_ntests, fw_nfailed;
static const char *fw_dir = ".";

static bool fw_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	fw_ntests++;
	if (!cond)
		fw_nfailed++;
	printf("%sok %u - ", cond ? "" : "not ", fw_ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

static double fw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *fw_path(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", fw_dir, rel);
	return buf;
}

static char *fw_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

static int fw_parse_str(const char *s, struct fw_rules *r, char *err,
			size_t errlen)
{
	return fw_parse_buf("t", s, strlen(s), r, err, errlen);
}

static void fw_hex(const u8 *d, char *out)
{
	int i;

	for (i = 0; i < NDVMFW_DIGEST_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void fw_round_trip_ok(const struct ndvmfw_ruleset *rs,
			     const char *what)
{
	const char *why;
	char err[512];

	why = fw_round_trip(rs, err, sizeof(err));
	fw_ok(!why, "%s: print and parse again%s%s%s%s", what,
	      why ? ": " : "", why ? why : "", why && err[0] ? ": " : "",
	      why ? err : "");
}

static char *fw_example(size_t *len)
{
	return fw_slurp(fw_path("../../rules/grammar.rules"), len);
}

/* Blank out the lines holding @word, keeping the line numbers. */
static void fw_blank_lines(char *text, const char *word)
{
	char *line = text, *nl;

	while (*line) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		if (memmem(line, nl - line, word, strlen(word)))
			memset(line, ' ', nl - line);
		line = *nl ? nl + 1 : nl;
	}
}

static void test_example(void)
{
	static const u32 lines[] = { 4, 5, 7, 8, 9 };
	static const char rule2[] =
		"accept in vif1.0 proto tcp from 10.137.0.5 to any port { 80, 443, 8000-8080 }";
	const struct ndvmfw_ruleset *rs;
	char err[512];
	struct fw_rules r;
	char *text, *line;
	size_t len;
	u32 i;
	bool good;
	FILE *f;
	int ret;

	ret = fw_parse_file(fw_path("../../rules/grammar.rules"), &r, err,
			    sizeof(err));
	fw_ok(!ret && r.rs.nrules == 7 &&
	      r.rs.rules[2].state == (NDVMFW_STATE_ESTABLISHED |
				      NDVMFW_STATE_RELATED) &&
	      r.rs.rules[6].verdict == NDVMFW_REJECT,
	      "grammar.rules parses, state and reject included%s%s",
	      err[0] ? ": " : "", err);
	if (!ret)
		fw_rules_free(&r);

	text = fw_example(&len);
	if (!fw_ok(!!text, "read grammar.rules"))
		return;
	fw_blank_lines(text, "reject");
	fw_blank_lines(text, "state");
	ret = fw_parse_buf("ex", text, len, &r, err, sizeof(err));
	if (!fw_ok(!ret, "without state and reject it parses%s%s",
		   err[0] ? ": " : "", err)) {
		free(text);
		return;
	}
	rs = &r.rs;
	fw_ok(rs->policy == NDVMFW_DROP && rs->nrules == 5 &&
	      rs->nsets == 3 && rs->nelems == 6 && rs->nports == 4 &&
	      rs->nicmp == 3, "example: counts");
	fw_ok(!strcmp(rs->sets[0].name, "dns") && rs->sets[0].count == 3 &&
	      !strcmp(rs->sets[1].name, "lan") && rs->sets[1].count == 2 &&
	      !rs->sets[2].name[0] && rs->sets[2].count == 1 &&
	      r.set_line[0] == 2 && r.set_line[1] == 3 && r.set_line[2] == 5,
	      "example: sets");
	fw_ok(rs->elems[2].family == NFPROTO_IPV6 && rs->elems[2].plen == 128 &&
	      rs->elems[2].addr[0] == 0xfd && rs->elems[2].addr[15] == 1 &&
	      rs->elems[3].family == NFPROTO_IPV4 && rs->elems[3].plen == 16 &&
	      rs->elems[3].addr[0] == 192 && rs->elems[3].addr[1] == 168,
	      "example: elements");
	good = true;
	for (i = 0; i < rs->nrules; i++)
		good &= r.rule_line[i] == lines[i];
	fw_ok(good, "example: rule lines");
	fw_ok(rs->rules[0].verdict == NDVMFW_ACCEPT &&
	      rs->rules[0].iif.mode == NDVMFW_IFACE_PREFIX &&
	      !strcmp(rs->rules[0].iif.name, "vif") &&
	      rs->rules[0].oif.mode == NDVMFW_IFACE_NONE &&
	      rs->rules[0].proto == 17 && !rs->rules[0].family &&
	      rs->rules[0].src.set == NDVMFW_SET_NONE &&
	      rs->rules[0].dst.set == 0 && rs->rules[0].dst.port_count == 1 &&
	      rs->ports[rs->rules[0].dst.port_first].lo == 53 &&
	      rs->ports[rs->rules[0].dst.port_first].hi == 53,
	      "example: rule 1");
	fw_ok(rs->rules[1].iif.mode == NDVMFW_IFACE_EXACT &&
	      !strcmp(rs->rules[1].iif.name, "vif1.0") &&
	      rs->rules[1].proto == 6 && rs->rules[1].src.set == 2 &&
	      rs->rules[1].dst.set == NDVMFW_SET_NONE &&
	      rs->rules[1].dst.port_count == 3 &&
	      rs->ports[rs->rules[1].dst.port_first + 2].lo == 8000 &&
	      rs->ports[rs->rules[1].dst.port_first + 2].hi == 8080,
	      "example: rule 2");
	fw_ok(rs->rules[2].verdict == NDVMFW_DROP &&
	      rs->rules[2].flags == NDVMFW_RULE_F_LOG &&
	      rs->rules[2].dst.set == 1 && !rs->rules[2].dst.port_count,
	      "example: rule 3");
	fw_ok(rs->rules[3].proto == 1 && rs->rules[3].family == NFPROTO_IPV4 &&
	      rs->rules[3].icmp_count == 1 &&
	      rs->icmp[rs->rules[3].icmp_first].type == 8 &&
	      !rs->icmp[rs->rules[3].icmp_first].has_code,
	      "example: rule 4 (proto icmp implies family ip)");
	fw_ok(rs->rules[4].proto == 58 && rs->rules[4].family == NFPROTO_IPV6 &&
	      rs->rules[4].icmp_count == 2 &&
	      rs->icmp[rs->rules[4].icmp_first].type == 135 &&
	      rs->icmp[rs->rules[4].icmp_first + 1].type == 136,
	      "example: rule 5");

	line = NULL;
	len = 0;
	f = open_memstream(&line, &len);
	if (f) {
		fw_print_rule(f, rs, &rs->rules[1]);
		fclose(f);
	}
	fw_ok(line && !strcmp(line, rule2),
	      "fw_print_rule: %s", line ? line : "(null)");
	free(line);
	fw_round_trip_ok(rs, "example");
	fw_rules_free(&r);
	free(text);
}

static const struct {
	const char *in;
	const char *err;
} fw_bad[] = {
	{ "accpet\n", "t:1:1: unknown keyword 'accpet'" },
	{ "accept prot tcp\n", "t:1:8: unknown keyword 'prot'" },
	{ "accept proto tcp proto udp\n", "t:1:18: duplicate 'proto'" },
	{ "set a { }\naccept from @a log to any from @a\n",
	  "t:2:27: duplicate 'from'" },
	{ "accept log log\n", "t:1:12: duplicate 'log'" },
	{ "policy drop\n\npolicy accept\n", "t:3:1: duplicate 'policy'" },
	{ "accept from 10.0.0.0/33\n",
	  "t:1:13: prefix length too long for the address family '10.0.0.0/33'" },
	{ "accept from 10.0.0.0/\n", "t:1:13: bad prefix length '10.0.0.0/'" },
	{ "accept from 10.0.0.0/x\n", "t:1:13: bad prefix length '10.0.0.0/x'" },
	{ "accept from 10.0.0.256\n", "t:1:13: bad address '10.0.0.256'" },
	{ "accept from fe80::1%eth0\n", "t:1:13: bad address 'fe80::1%eth0'" },
	{ "accept to /8\n", "t:1:11: bad address '/8'" },
	{ "accept to { 10.0.0.0/8, 10.0.0.1/8 }\n",
	  "t:1:25: address has host bits set beyond the prefix length '10.0.0.1/8'" },
	{ "set s { fd00::1/64 }\n",
	  "t:1:9: address has host bits set beyond the prefix length 'fd00::1/64'" },
	{ "accept to any port 22\n",
	  "t:1:15: ports need proto tcp, udp, udplite, sctp or dccp 'port'" },
	{ "accept from 10.0.0.1 port 22 proto icmp\n",
	  "t:1:22: ports need proto tcp, udp, udplite, sctp or dccp 'port'" },
	{ "accept proto tcp port 22\n",
	  "t:1:18: port must follow from or to and an address 'port'" },
	{ "accept proto udp to any port 65536\n",
	  "t:1:30: port out of range '65536'" },
	{ "accept proto udp to any port 1-99999999999999999999\n",
	  "t:1:30: port out of range '1-99999999999999999999'" },
	{ "accept proto udp to any port 80-\n", "t:1:30: bad port '80-'" },
	{ "accept proto udp to any port -1\n", "t:1:30: bad port '-1'" },
	{ "accept proto udp to any port 90-80\n",
	  "t:1:30: port range ends before it starts '90-80'" },
	{ "accept proto udp to any port { }\n", "t:1:32: expected port '}'" },
	{ "accept proto tcp to any port\n",
	  "t:1:25: expected port after 'port'" },
	{ "accept proto tcpp\n", "t:1:14: unknown protocol 'tcpp'" },
	{ "accept proto 256\n", "t:1:14: unknown protocol '256'" },
	{ "accept proto\n", "t:1:8: expected protocol after 'proto'" },
	{ "accept from\n", "t:1:8: expected address after 'from'" },
	{ "accept to @nope\n", "t:1:11: unknown set '@nope'" },
	{ "accept to @\n", "t:1:11: unknown set '@'" },
	{ "accept to @a\nset a { }\n", "t:1:11: unknown set '@a'" },
	{ "set a { }\nset b { }\nset a { }\n", "t:3:5: duplicate set 'a'" },
	{ "set a { 10.0.0.1,\n  10.0.0.2\n", "t:1:7: unterminated list '{'" },
	{ "set a { 10.0.0.1,\n  10.0.0.2\naccept to @a\n",
	  "t:1:7: unterminated list '{'" },
	{ "accept to {\n", "t:1:11: unterminated list '{'" },
	{ "accept from { 10.0.0.1 10.0.0.2 }\n",
	  "t:1:24: expected ',' or '}' '10.0.0.2'" },
	{ "accept from { 10.0.0.1,, 10.0.0.2 }\n",
	  "t:1:24: expected address ','" },
	{ "accept from { , }\n", "t:1:15: expected address ','" },
	{ "set\n", "t:1:1: expected set name after 'set'" },
	{ "set a\n", "t:1:5: expected '{' after 'a'" },
	{ "set a b\n", "t:1:7: expected '{' 'b'" },
	{ "set a { } b\n", "t:1:11: expected end of line 'b'" },
	{ "set bad! { }\n",
	  "t:1:5: set name may only hold [A-Za-z0-9_.-] 'bad!'" },
	{ "set abcdefghijklmnopqrstuvwxyz012345 { }\n",
	  "t:1:5: set name too long 'abcdefghijklmnopqrstuvwxyz012345'" },
	{ "set a { any }\n", "t:1:9: bad address 'any'" },
	{ "accept icmp-type echo-request\n",
	  "t:1:8: icmp-type needs proto icmp or icmpv6 'icmp-type'" },
	{ "accept icmp-type 8 proto udp\n",
	  "t:1:8: icmp-type needs proto icmp or icmpv6 'icmp-type'" },
	{ "accept icmp-type nd-router-solicit proto icmp\n",
	  "t:1:18: unknown icmp type 'nd-router-solicit'" },
	{ "accept proto icmp icmp-type 256\n",
	  "t:1:29: unknown icmp type '256'" },
	{ "accept proto icmp icmp-type 8/256\n",
	  "t:1:29: bad icmp code '8/256'" },
	{ "accept proto icmp icmp-type { }\n",
	  "t:1:31: expected icmp type '}'" },
	{ "accept family ip6 proto icmp\n",
	  "t:1:25: protocol conflicts with the family 'icmp'" },
	{ "accept proto icmpv6 family ip\n",
	  "t:1:28: family conflicts with the protocol 'ip'" },
	{ "accept family ip4\n", "t:1:15: unknown family 'ip4'" },
	{ "accept in abcdefghijklmnop\n",
	  "t:1:11: interface name too long 'abcdefghijklmnop'" },
	{ "accept out abcdefghijklmnop*\n",
	  "t:1:12: interface name too long 'abcdefghijklmnop*'" },
	{ "accept in vif/1\n", "t:1:11: bad interface name 'vif/1'" },
	{ "accept in vif:1\n", "t:1:11: bad interface name 'vif:1'" },
	{ "accept in v*f\n", "t:1:11: bad interface name 'v*f'" },
	{ "accept in ..\n", "t:1:11: bad interface name '..'" },
	{ "accept in {\n", "t:1:11: expected interface '{'" },
	{ "accept state new,bogus\n", "t:1:18: unknown state 'bogus'" },
	{ "accept state new,\n", "t:1:17: expected state after ','" },
	{ "policy reject\n", "t:1:8: policy must be drop or accept 'reject'" },
	{ "policy\n", "t:1:1: expected drop or accept after 'policy'" },
	{ "policy drop extra\n", "t:1:13: expected end of line 'extra'" },
	{ "}\n", "t:1:1: expected keyword '}'" },
	{ "accept proto tcp, udp\n", "t:1:17: expected keyword ','" },
	{ "accept \x01\n", "t:1:8: unexpected character '\\x01'" },
	{ "\xff\xfe garbage\n", "t:1:1: unknown keyword '\\xff\\xfe'" },
	{ "accept in \x1b[31m\n", "t:1:11: unexpected character '\\x1b'" },
	{ "bind vif* mac 02:00:00:00:00:01 ip 10.0.0.1\n",
	  "t:1:6: bind needs an interface name, not a pattern 'vif*'" },
	{ "bind v mac 03:00:00:00:00:01 ip 10.0.0.1\n",
	  "t:1:12: not a unicast MAC address '03:00:00:00:00:01'" },
	{ "bind v mac 02:00:00:00:00 ip 10.0.0.1\n",
	  "t:1:12: bad MAC address '02:00:00:00:00'" },
	{ "bind v mac -2:00:00:00:00:01 ip 10.0.0.1\n",
	  "t:1:12: bad MAC address '-2:00:00:00:00:01'" },
	{ "bind v mac 0x:00:00:00:00:01 ip 10.0.0.1\n",
	  "t:1:12: bad MAC address '0x:00:00:00:00:01'" },
	{ "bind v mac 02:00:00:00:00:+1 ip 10.0.0.1\n",
	  "t:1:12: bad MAC address '02:00:00:00:00:+1'" },
	{ "bind v mac 02-00-00-00-00-01 ip 10.0.0.1\n",
	  "t:1:12: bad MAC address '02-00-00-00-00-01'" },
	{ "bind v mac 0A:bC:00:00:00:01 ip 10.0.0.1\n", NULL },
	{ "bind v mac 02:00:00:00:00:01\n",
	  "t:1:12: expected 'ip' after '02:00:00:00:00:01'" },
	{ "bind v mac 02:00:00:00:00:01 ip 10.0.0.1,\n",
	  "t:1:41: expected address after ','" },
	{ "bind v mac 02:00:00:00:00:01 ip @nope\n",
	  "t:1:33: unknown set '@nope'" },
	{ "hotplug vif*\n", "t:1:9: expected 'bridge' after 'vif*'" },
	{ "hotplug vif* bridge br*\n",
	  "t:1:21: bridge must be a name, not a pattern 'br*'" },
	{ "antispoof\n", "t:1:1: expected interface after 'antispoof'" },
	{ "bind v mac 02:00:00:00:00:01 ip 1.1.1.1\n"
	  "bind v mac 02:00:00:00:00:02 ip 1.1.1.2\n",
	  "t:2:1: interface bound twice" },
	{ "drop # comment {\n\n  accept  to  { 1.2.3.4,\t# c\n x }\n",
	  "t:4:2: bad address 'x'" },
	/* refused by ndvmfw_ruleset_check(), at the line of the rule */
	{ "accept family ip from fd00::1\n",
	  "t:1:1: rule can never match: its address families conflict" },
	{ "set a { 10.0.0.1 }\nset b { ::1 }\naccept\naccept from @a to @b\n",
	  "t:4:1: rule can never match: its address families conflict" },
	{ "accept proto 1 icmp-type 8\n",
	  "t:1:1: icmp-type needs proto icmp with family ip, or icmpv6 with family ip6" },
	{ "masquerade from 10.0.0.1\n", "t:1:1: masquerade needs out" },
	{ "masquerade out x in y\n",
	  "t:1:1: masquerade takes only out, from ADDRS and family" },
	{ "masquerade out x log\n",
	  "t:1:1: masquerade takes only out, from ADDRS and family" },
	{ "masquerade out x from any port 1 proto tcp\n",
	  "t:1:1: masquerade takes only out, from ADDRS and family" },
	{ "masquerade out x state new\n",
	  "t:1:1: masquerade takes only out, from ADDRS and family" },
	{ "masquerade out uplink0 from { 10.0.0.0/8, fd00::/8 }\n", NULL },
	{ "set g { 10.1.0.0/16 }\nmasquerade out up* from @g\n", NULL },
	{ "masquerade out eth0 family ip6\n", NULL },
	{ "accept family ip6 proto 58 icmp-type 8\n", NULL },
	{ "accept proto icmpv6 icmp-type echo-request/0\n", NULL },
	{ "accept proto icmp icmp-type {\n echo-request,\n 3/1,\n}\n", NULL },
	{ "accept proto 6 from any port { 1, 2, 3, }\n", NULL },
	{ "", NULL },
	{ "\n\n# only a comment", NULL },
	{ "policy accept # comment\n", NULL },
	{ "accept in abcdefghijklmno out abcdefghijklmno*\n", NULL },
	{ "accept in * in *\n", "t:1:13: duplicate 'in'" },
};

static void test_bad(void)
{
	char err[512];
	struct fw_rules r;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(fw_bad); i++) {
		ret = fw_parse_str(fw_bad[i].in, &r, err, sizeof(err));
		if (fw_bad[i].err)
			fw_ok(ret == -1 && !strcmp(err, fw_bad[i].err) &&
			      !r.rs.rules && !r.rs.sets && !r.rs.elems,
			      "error: %s", err);
		else
			fw_ok(!ret && !err[0], "good input %zu parses%s%s", i,
			      err[0] ? ": " : "", err);
		if (!ret)
			fw_rules_free(&r);
	}
}

static void test_misc(void)
{
	static const char nul[] = "accept\0drop\n";
	static const char long_err[] =
	"t:1:11: interface name too long 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'";
	char err[512], big[16384], small[12];
	struct fw_rules r;
	int ret;

	ret = fw_parse_buf("t", nul, sizeof(nul) - 1, &r, err, sizeof(err));
	fw_ok(ret == -1 && !strcmp(err, "t:1:7: unexpected character '\\x00'"),
	      "NUL byte: %s", err);

	memset(big, 'a', sizeof(big));
	memcpy(big, "accept in ", 10);
	ret = fw_parse_buf("t", big, sizeof(big), &r, err, sizeof(err));
	fw_ok(ret == -1 &&
	      !strcmp(err, long_err),
	      "a long token is quoted shortened: %s", err);

	ret = fw_parse_str("bogus", &r, small, sizeof(small));
	fw_ok(ret == -1 && !strcmp(small, "t:1:1: unkn"),
	      "a short error buffer is filled and terminated");
	fw_ok(fw_parse_str("bogus", &r, NULL, 0) == -1,
	      "no error buffer is fine");
	ret = fw_parse_buf(NULL, NULL, 0, &r, err, sizeof(err));
	fw_ok(!ret && r.rs.policy == NDVMFW_DROP && !r.rs.nrules,
	      "an empty buffer is an empty rule set with policy drop");
	fw_rules_free(&r);
	fw_rules_free(&r);

	ret = fw_parse_file(fw_path("data/no-such-file"), &r, err,
			    sizeof(err));
	fw_ok(ret == -1 && strstr(err, "data/no-such-file: No such file"),
	      "missing file: %s", err);
	snprintf(big, sizeof(big), "%s:1:7: unterminated list '{'",
		 fw_path("data/unterminated.rules"));
	ret = fw_parse_file(fw_path("data/unterminated.rules"), &r, err,
			    sizeof(err));
	fw_ok(ret == -1 && !strcmp(err, big), "file error: %s", err);

	/* a rule set from the kernel that the parser never makes itself */
	{
		struct ndvmfw_elem elems[2] = {
			{ .family = NFPROTO_IPV4, .plen = 24,
			  .addr = { 192, 0, 2, 0 } },
			{ .family = NFPROTO_IPV6, .plen = 128,
			  .addr = { 0x20, 1, 0xd, 0xb8, [15] = 1 } },
		};
		struct ndvmfw_set sets[2] = {
			{ .name = "", .first = 0, .count = 2 },
			{ .name = "n", .first = 0, .count = 0 },
		};
		struct ndvmfw_port_range ports[1] = { { 1, 2 } };
		struct ndvmfw_icmp icmp[2] = { { 8, 0, 1 }, { 99, 7, 0 } };
		struct ndvmfw_rule rules[5] = {
			{ .verdict = NDVMFW_ACCEPT, .proto = 1,
			  .src.set = 0, .dst.set = NDVMFW_SET_NONE,
			  .iif = { NDVMFW_IFACE_PREFIX, "" } },
			{ .verdict = NDVMFW_DROP, .proto = 6,
			  .family = NFPROTO_IPV6, .src.set = 0,
			  .dst = { 1, 0, 1 } },
			{ .verdict = NDVMFW_ACCEPT, .proto = 58,
			  .family = NFPROTO_IPV6,
			  .src.set = NDVMFW_SET_NONE,
			  .dst.set = NDVMFW_SET_NONE,
			  .icmp_first = 0, .icmp_count = 2 },
			{ .verdict = NDVMFW_ACCEPT, .proto = 1,
			  .family = NFPROTO_IPV6,
			  .src.set = NDVMFW_SET_NONE,
			  .dst.set = NDVMFW_SET_NONE },
			{ .verdict = NDVMFW_REJECT, .proto = 58,
			  .src.set = NDVMFW_SET_NONE,
			  .dst.set = NDVMFW_SET_NONE,
			  .state = NDVMFW_STATE_NEW | NDVMFW_STATE_INVALID,
			  .flags = NDVMFW_RULE_F_LOG },
		};
		struct ndvmfw_ruleset rs = {
			.policy = NDVMFW_ACCEPT, .nsets = 2, .nelems = 2,
			.nrules = 4, .nports = 1, .nicmp = 2, .sets = sets,
			.elems = elems, .rules = rules, .ports = ports,
			.icmp = icmp,
		};
		char *text = NULL;
		size_t len = 0;
		FILE *f;

		fw_round_trip_ok(&rs, "kernel-made rule set");
		text = fw_print_str(&rs, NULL);
		fw_ok(text && !strcmp(text, "set n { }\n"
			"policy accept\n"
			"accept in * proto 1 from { 192.0.2.0/24, 2001:db8::1 }\n"
			"drop family ip6 proto tcp from { 192.0.2.0/24, 2001:db8::1 } to @n port 1-2\n"
			"accept proto icmpv6 icmp-type { 8/0, 99 }\n"
			"accept family ip6 proto 1\n"),
		      "kernel-made rule set printed");
		free(text);
		text = NULL;
		f = open_memstream(&text, &len);
		if (f) {
			fw_print_rule(f, &rs, &rules[4]);
			fclose(f);
		}
		fw_ok(text && !strcmp(text,
				      "reject proto 58 state new,invalid log"),
		      "fw_print_rule: %s", text ? text : "(null)");
		free(text);
		strcpy(rules[2].oif.name, "a b");
		rules[2].oif.mode = NDVMFW_IFACE_EXACT;
		fw_ok(!fw_print_str(&rs, NULL),
		      "an unprintable rule set gives -EINVAL");
		rules[2].oif.mode = NDVMFW_IFACE_NONE;
		fw_ok(!fw_print_str(&rs, NULL),
		      "a stray interface name gives -EINVAL");
		rules[2].oif.name[0] = '\0';
		rules[0].dst.port_count = 1;
		fw_ok(!fw_print_str(&rs, NULL),
		      "ports without a port protocol give -EINVAL");
	}
}

static void test_files(void)
{
	static const char *const files[] = {
		"data/tiny.rules", "data/features.rules", "data/crlf.rules",
		"../../rules/basic.rules",
	};
	char err[4300];
	struct fw_rules r;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		ret = fw_parse_file(fw_path(files[i]), &r, err, sizeof(err));
		if (!fw_ok(!ret, "%s parses%s%s", files[i],
			   err[0] ? ": " : "", err))
			continue;
		fw_round_trip_ok(&r.rs, files[i]);
		fw_rules_free(&r);
	}
}

static void test_digest(void)
{
	static const char tiny[] =
		"264e75be3c7c5612cc56efac3bd9f251f9fc1e0978e59f3bebdcf4b1d6e9019e";
	static const char empty[] =
		"67a7843914bdc96ac56f94b99c6e6bd306e8331c58a67551cafd3d8910b52875";
	u8 d[NDVMFW_DIGEST_LEN];
	char hex[2 * NDVMFW_DIGEST_LEN + 1], err[4300];
	struct fw_rules r;
	int ret;

	ret = fw_parse_file(fw_path("data/tiny.rules"), &r, err, sizeof(err));
	if (fw_ok(!ret, "tiny.rules parses%s%s", err[0] ? ": " : "", err)) {
		ndvmfw_ruleset_digest(&r.rs, d);
		fw_hex(d, hex);
		fw_ok(!strcmp(hex, tiny), "tiny.rules digest %s", hex);
		fw_rules_free(&r);
	}
	if (fw_ok(!fw_parse_str("# nothing\n", &r, err, sizeof(err)),
		  "empty file parses")) {
		ndvmfw_ruleset_digest(&r.rs, d);
		fw_hex(d, hex);
		fw_ok(!strcmp(hex, empty), "empty file digest %s", hex);
		fw_rules_free(&r);
	}
}

/* ---- random inputs ---- */

static u32 fw_rand_state = 2463534242U;

static u32 fw_rand(void)
{
	fw_rand_state ^= fw_rand_state << 13;
	fw_rand_state ^= fw_rand_state >> 17;
	fw_rand_state ^= fw_rand_state << 5;
	return fw_rand_state;
}

static const char *const fw_words[] = {
	"accept", "drop", "reject", "masquerade", "policy", "set", "in", "out", "family",
	"proto", "from", "to", "port", "icmp-type", "state", "log", "any",
	"ip", "ip6", "tcp", "udp", "icmp", "icmpv6", "sctp", "58", "1", "6",
	"vif*", "*", "eth0", "@a", "@b", "a", "b", "10.0.0.0/8", "10.0.0.1",
	"::1", "fd00::/8", "0.0.0.0/0", "::/0", "22", "80-90", "65535",
	"echo-request", "nd-neighbor-solicit", "3/1", "new", "established",
	"{", "}", ",", ",", "\n", "\n", "\n", "#", "\t",
};

/*
 * Parse @buf: an error must be well-formed, a rule set must survive a round
 * trip. Count the outcome in @stats: bad, refused, parsed.
 */
static void fw_fuzz_one(const char *buf, size_t len, unsigned int *stats)
{
	struct fw_rules r;
	char err[512];
	bool good;

	if (fw_parse_buf("t", buf, len, &r, err, sizeof(err))) {
		good = !strncmp(err, "t:", 2) && strlen(err) > 6;
		stats[good ? 1 : 0]++;
		return;
	}
	good = !fw_round_trip(&r.rs, err, sizeof(err));
	fw_rules_free(&r);
	stats[good ? 2 : 0]++;
}

static void test_fuzz(void)
{
	unsigned int i, j, n, st[3] = { 0 };
	char buf[1024], *text;
	size_t len, pos;

	for (i = 0; i < 3000; i++) {
		n = fw_rand() % sizeof(buf);
		for (j = 0; j < n; j++)
			buf[j] = fw_rand();
		fw_fuzz_one(buf, n, st);
	}
	fw_ok(!st[0], "random bytes: %u bad, %u refused, %u parsed", st[0],
	      st[1], st[2]);

	memset(st, 0, sizeof(st));
	for (i = 0; i < 20000; i++) {
		pos = 0;
		if (fw_rand() & 1)
			pos += sprintf(buf, "set a { 10.0.0.0/8, ::1 }\n");
		if (fw_rand() & 1)
			pos += sprintf(buf + pos, "set b { }\n");
		pos += sprintf(buf + pos, "%s", fw_words[fw_rand() % 3]);
		n = fw_rand() % 12;
		for (j = 0; j < n; j++)
			pos += sprintf(buf + pos, " %s",
				       fw_words[fw_rand() %
						ARRAY_SIZE(fw_words)]);
		fw_fuzz_one(buf, pos, st);
	}
	fw_ok(!st[0] && st[2], "random token soup: %u bad, %u refused, %u parsed",
	      st[0], st[1], st[2]);

	text = fw_slurp(fw_path("data/features.rules"), &len);
	memset(st, 0, sizeof(st));
	for (i = 0; text && i < 3000; i++) {
		char *copy = malloc(len);

		memcpy(copy, text, len);
		n = 1 + fw_rand() % 4;
		for (j = 0; j < n; j++)
			copy[fw_rand() % len] = fw_words[fw_rand() %
				ARRAY_SIZE(fw_words)][0];
		fw_fuzz_one(copy, len, st);
		free(copy);
	}
	fw_ok(text && !st[0] && st[2],
	      "mutated features.rules: %u bad, %u refused, %u parsed", st[0],
	      st[1], st[2]);
	free(text);
}

/* ---- size ---- */

static void test_big(void)
{
	struct fw_rules r;
	char err[512];
	char *buf;
	size_t pos, cap = 100 << 20;
	double t;
	u32 i, n;
	int ret;

	buf = malloc(cap);
	if (!fw_ok(!!buf, "allocate 100 MB"))
		return;

	pos = sprintf(buf, "set a { 10.0.0.0/8 }\n");
	for (i = 0; i < 100000; i++)
		pos += sprintf(buf + pos,
			       "accept in vif%u.0 proto tcp from 10.%u.%u.%u to @a port { %u, 8000-8080 }\n",
			       i, i >> 16, (i >> 8) & 255, i & 255, i & 65535);
	t = fw_now();
	ret = fw_parse_buf("t", buf, pos, &r, err, sizeof(err));
	t = fw_now() - t;
	fw_ok(!ret && r.rs.nrules == 100000 && r.rs.nsets == 100001,
	      "100000 rules parse in %.3f s%s", t, err);
	if (!ret)
		fw_rules_free(&r);

	pos = sprintf(buf, "set big {");
	for (i = 0; i < 1000000; i++)
		pos += sprintf(buf + pos, "%s%s%u.%u.%u.%u", i ? "," : "",
			       i % 8 ? " " : "\n\t", 10 + (i >> 24),
			       (i >> 16) & 255, (i >> 8) & 255, i & 255);
	pos += sprintf(buf + pos, "\n}\naccept to @big\n");
	t = fw_now();
	ret = fw_parse_buf("t", buf, pos, &r, err, sizeof(err));
	t = fw_now() - t;
	fw_ok(!ret && r.rs.nelems == 1000000,
	      "a set of 1000000 elements parses in %.3f s%s", t, err);
	if (!ret) {
		const char *why;

		t = fw_now();
		why = fw_round_trip(&r.rs, err, sizeof(err));
		t = fw_now() - t;
		fw_ok(!why, "and round trips in %.3f s%s", t, why ? why : "");
		fw_rules_free(&r);
	}

	/* the same on one line, inline in a rule */
	pos = sprintf(buf, "accept from {");
	for (i = 0; i < 1000000; i++)
		pos += sprintf(buf + pos, " fd00::%x:%x,", i >> 16, i & 65535);
	pos += sprintf(buf + pos, " }");
	t = fw_now();
	ret = fw_parse_buf("t", buf, pos, &r, err, sizeof(err));
	t = fw_now() - t;
	fw_ok(!ret && r.rs.nelems == 1000000 && r.rs.sets[0].count == 1000000,
	      "an inline list of 1000000 elements on one line parses in %.3f s%s",
	      t, err);
	if (!ret)
		fw_rules_free(&r);

	pos = 0;
	for (i = 0; i <= NDVMFW_MAX_RULES; i++)
		pos += sprintf(buf + pos, "drop\n");
	ret = fw_parse_buf("t", buf, pos, &r, err, sizeof(err));
	fw_ok(ret == -1 &&
	      !strcmp(err, "t:200001:1: rule set exceeds the limits of rules, sets or elements"),
	      "too many rules: %s", err);

	pos = sprintf(buf, "accept proto tcp to any port {");
	for (i = 0; i <= NDVMFW_MAX_PORTS; i++)
		pos += sprintf(buf + pos, " %u,", i);
	pos += sprintf(buf + pos, " }\n");
	ret = fw_parse_buf("t", buf, pos, &r, err, sizeof(err));
	fw_ok(ret == -1 && !strcmp(err, "t:1:1: too many port ranges"),
	      "too many port ranges: %s", err);

	/* a bind names at most NDVMFW_MAX_BIND_ADDRS addresses */
	for (n = NDVMFW_MAX_BIND_ADDRS; n <= NDVMFW_MAX_BIND_ADDRS + 1; n++) {
		pos = sprintf(buf, "policy drop\nbind vif1.0 mac 00:16:3e:00:00:05 ip {");
		for (i = 0; i < n; i++)
			pos += sprintf(buf + pos, " 10.0.0.%u,", i + 1);
		pos += sprintf(buf + pos, " }\n");
		ret = fw_parse_buf("t", buf, pos, &r, err, sizeof(err));
		if (n == NDVMFW_MAX_BIND_ADDRS)
			fw_ok(!ret, "a bind of %u addresses: %s", n, ret ? err : "ok");
		else
			fw_ok(ret == -1 &&
			      !strcmp(err, "t:2:1: bind names more than 64 addresses"),
			      "a bind of %u addresses: %s", n, ret ? err : "ok");
		if (!ret)
			fw_rules_free(&r);
	}

	memset(buf, 'x', 10 << 20);
	t = fw_now();
	ret = fw_parse_buf("t", buf, 10 << 20, &r, err, sizeof(err));
	t = fw_now() - t;
	fw_ok(ret == -1 && !strncmp(err, "t:1:1: unknown keyword 'xxx", 27),
	      "a 10 MB line is refused in %.3f s", t);
	free(buf);
}

int main(int argc, char **argv)
{
	double t = fw_now();

	if (argc > 1)
		fw_dir = argv[1];
	test_example();
	test_bad();
	test_misc();
	test_files();
	test_digest();
	test_fuzz();
	test_big();
	printf("# %.2f s\n", fw_now() - t);
	printf("%u passed, %u failed\n", fw_ntests - fw_nfailed, fw_nfailed);
	return fw_nfailed ? 1 : 0;
}
