/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels we build against, decided by feature
 * probes in kmod/Kbuild rather than by version numbers.
 */
#ifndef _NDVMFW_COMPAT_H
#define _NDVMFW_COMPAT_H

#ifdef NDVMFW_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* xen-netback devices and their xenstore directories (link.c) */
#if IS_ENABLED(CONFIG_XEN_BACKEND)
#define NDVMFW_HAVE_XEN_BACKEND
#endif

/* xenstore access of the domain itself (report.c) */
#if IS_ENABLED(CONFIG_XEN)
#define NDVMFW_HAVE_XENBUS
#endif

#endif /* _NDVMFW_COMPAT_H */
