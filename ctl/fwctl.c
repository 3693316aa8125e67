// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl: load, seal and inspect ndvmfw rule sets.
 */
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "fwctl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *desc;
} fw_subcommands[] = {
	{ "check", fw_cmd_check, "parse a rules file offline, print its digest" },
	{ "load", fw_cmd_load, "load a rules file [--seal: and seal it]" },
	{ "seal", fw_cmd_seal, "seal the active rule set until reboot" },
	{ "status", fw_cmd_status, "show the module's state [-j]" },
	{ "stats", fw_cmd_stats, "show per-rule counters [-j]" },
	{ "dump", fw_cmd_dump, "print the active rule set in the rule language" },
	{ "translate", fw_cmd_translate, "print a rules file as an nftables ruleset" },
	{ "boot", fw_cmd_boot, "the NDVM image's PID 1: load, seal, sleep" },
};

static char fw_errbuf[4096];

int fw_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fw_errbuf, sizeof(fw_errbuf), fmt, ap);
	va_end(ap);
	return 1;
}

const char *fw_error(void)
{
	return fw_errbuf;
}

void fw_print_hex(FILE *f, const u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%02x", p[i]);
}

/* For what the kernel reports: never NULL. */
const char *fw_verdict_name(u8 verdict)
{
	const char *name = ndvmfw_verdict_name(verdict);

	return name ? name : "?";
}

/* Remove a -j / --json flag from argv; report whether it was there. */
bool fw_want_json(int *argc, char *argv[])
{
	bool json = false;
	int i, j;

	for (i = j = 0; i < *argc; i++) {
		if (i && (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")))
			json = true;
		else
			argv[j++] = argv[i];
	}
	*argc = j;
	return json;
}

void fw_json_u64(const char *key, unsigned long long v, bool first)
{
	printf("%s\"%s\":%llu", first ? "" : ",", key, v);
}

void fw_json_str(const char *key, const char *v, bool first)
{
	printf("%s\"%s\":\"", first ? "" : ",", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			putchar('\\');
		putchar(*v);
	}
	putchar('"');
}

static void fw_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: fwctl COMMAND [ARGS]\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(fw_subcommands); i++)
		fprintf(f, "  %-10s %s\n", fw_subcommands[i].name,
			fw_subcommands[i].desc);
}

int main(int argc, char *argv[])
{
	const char *self = strrchr(argv[0], '/');
	size_t i;

	/*
	 * The NDVM image runs fwctl as /init. As PID 1 it boots whatever
	 * its arguments: the kernel passes it every command line word it
	 * does not know, and PID 1 must not exit.
	 */
	if (!strcmp(self ? self + 1 : argv[0], "init") &&
	    (argc == 1 || getpid() == 1)) {
		if (fw_cmd_boot(1, argv))
			fprintf(stderr, "fwctl boot: %s\n", fw_error());
		return 1;
	}
	if (argc < 2 || !strcmp(argv[1], "help") ||
	    !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fw_usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	for (i = 0; i < ARRAY_SIZE(fw_subcommands); i++) {
		if (strcmp(argv[1], fw_subcommands[i].name))
			continue;
		if (fw_subcommands[i].fn(argc - 1, argv + 1)) {
			fprintf(stderr, "fwctl %s: %s\n", argv[1], fw_error());
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "fwctl: unknown command '%s'\n", argv[1]);
	fw_usage(stderr);
	return 1;
}
