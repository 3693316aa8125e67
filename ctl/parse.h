/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl: the rule language. The parser turns a rules file into a
 * struct ndvmfw_ruleset (core.h) and runs ndvmfw_ruleset_check() on it, so
 * that what parses is what the kernel accepts; the printer turns a rule set
 * back into text that parses to the same digest.
 *
 *   policy drop|accept
 *   set NAME { ADDR, ... }
 *   VERDICT [in IFACE] [out IFACE] [family ip|ip6] [proto NAME|NUM]
 *           [from ADDRS [port PORTS]] [to ADDRS [port PORTS]]
 *           [icmp-type TYPE[/CODE] | { ... }] [state LIST] [log]
 *   masquerade out IFACE [from ADDRS] [family ip|ip6]
 *   bind IFACE mac MAC ip ADDR[,ADDR...]
 *   antispoof IFACE
 *   hotplug IFACE bridge BRIDGE
 *
 * See rules/example.rules. Notes on details the grammar leaves open:
 * only the protocol names icmp and icmpv6 (ipv6-icmp) imply a family, a
 * number such as "proto 1" does not; a list in braces may continue over
 * several lines; an empty address list "{ }" is allowed (it matches
 * nothing), empty port and icmp-type lists are not.
 */
#ifndef _FWCTL_PARSE_H
#define _FWCTL_PARSE_H

#include <stdio.h>

#include "core.h"

struct fw_rules {
	struct ndvmfw_ruleset rs;	/* arrays malloc'd, owned */
	u32 *rule_line;			/* source line of each rule */
	u32 *set_line;			/* source line of each set */
	u32 *ifrule_line;		/* source line of each bind etc. */
};

/*
 * Parse a rules file ("-": standard input) or a buffer of @len bytes, which
 * need not be NUL-terminated, named @name in messages. *@out need not be
 * initialised. Return 0, or -1 with a message "FILE:LINE:COL: message
 * 'token'" (or "FILE: message" when the file cannot be read) in @err,
 * and *@out empty. Nothing is printed.
 */
int fw_parse_file(const char *path, struct fw_rules *out, char *err,
		  size_t errlen);
int fw_parse_buf(const char *name, const char *buf, size_t len,
		 struct fw_rules *out, char *err, size_t errlen);
void fw_rules_free(struct fw_rules *r);
/* Free the arrays of a rule set built with fw_grow(). */
void fw_ruleset_free(struct ndvmfw_ruleset *rs);
/*
 * Make room for element @n of a malloc'd array of *@cap elements, growing
 * it geometrically; new room is zeroed. NULL (and @arr kept) if no memory.
 */
void *fw_grow(void *arr, u32 *cap, u32 n, size_t size);

/*
 * Print a rule set in the rule language: named sets, the policy, then the
 * rules. Return 0, -EINVAL if the rule set cannot be expressed in the
 * language (nothing is printed then) or -EIO on a write error.
 */
int fw_print_ruleset(FILE *f, const struct ndvmfw_ruleset *rs);
/* Print one rule on one line, without a newline. */
void fw_print_rule(FILE *f, const struct ndvmfw_ruleset *rs,
		   const struct ndvmfw_rule *r);

/* Print a bind, antispoof or hotplug statement on one line, no newline. */
void fw_print_ifrule(FILE *f, const struct ndvmfw_ruleset *rs,
		     const struct ndvmfw_ifrule *r);

/* Tables shared by the parser and the printer; NULL: no such name. */
const char *fw_proto_name(u16 proto);
const char *fw_icmp_type_name(u16 proto, u8 type);
const char *fw_state_name(u32 bit);
/* NULL if @name (@len bytes, without the '*' of a prefix) is usable. */
const char *fw_iface_name_check(const char *name, size_t len, bool prefix);

#endif /* _FWCTL_PARSE_H */
