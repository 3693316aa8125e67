/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FWCTL_H
#define _FWCTL_H

#include <stdbool.h>
#include <stdio.h>
#include "core.h"

/* Subcommands, one file each; they return 0 or 1 and leave the reason. */
int fw_cmd_check(int argc, char *argv[]);
int fw_cmd_load(int argc, char *argv[]);
int fw_cmd_seal(int argc, char *argv[]);
int fw_cmd_status(int argc, char *argv[]);
int fw_cmd_stats(int argc, char *argv[]);
int fw_cmd_dump(int argc, char *argv[]);
int fw_cmd_translate(int argc, char *argv[]);
int fw_cmd_boot(int argc, char *argv[]);

/* Record why the subcommand failed; printed once, by main(). */
int fw_fail(const char *fmt, ...);
const char *fw_error(void);

void fw_print_hex(FILE *f, const u8 *p, size_t len);
const char *fw_verdict_name(u8 verdict);
bool fw_want_json(int *argc, char *argv[]);

/* JSON output: one "key":value pair, with a comma before all but the first. */
void fw_json_u64(const char *key, unsigned long long v, bool first);
void fw_json_str(const char *key, const char *v, bool first);

#endif /* _FWCTL_H */
