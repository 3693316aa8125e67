/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FWCTL_COMMON_H
#define _FWCTL_COMMON_H

#include "msg.h"

/* Open the socket; on failure record why and return 1. */
int fw_open(struct fw_nl *n);
/* Record a kernel error with its extack text; returns 1. */
int fw_kernel_fail(struct fw_nl *n, int err);
/* The global packet counters as JSON pairs, each after a comma. */
void fw_json_counters(const struct fw_status *st);

#endif /* _FWCTL_COMMON_H */
