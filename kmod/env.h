/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rule-set and classifier code (ruleset.c, classify.c) is compiled into
 * the module and, unchanged, into fwctl and the userspace tests. This header
 * is the only place where the two environments differ.
 */
#ifndef _NDVMFW_ENV_H
#define _NDVMFW_ENV_H

#ifdef __KERNEL__

#include <linux/errno.h>
#include <linux/if.h>
#include <linux/kernel.h>
#include <linux/netfilter.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/swab.h>
#include <linux/types.h>
#include <crypto/sha2.h>
#include "compat.h"

#define ndvmfw_alloc_array(n, size)	kvmalloc_array(n, size, GFP_KERNEL)
#define ndvmfw_zalloc_array(n, size)	kvcalloc(n, size, GFP_KERNEL)
#define ndvmfw_free(p)			kvfree(p)
#define ndvmfw_sort(base, n, size, cmp)	sort(base, n, size, cmp, NULL)
#define ndvmfw_yield()			cond_resched()
#define ndvmfw_swab64(x)		swab64(x)
/* eight bytes at @p, the first one least significant */
#define ndvmfw_load_le64(p)		get_unaligned_le64(p)

struct ndvmfw_sha256 {
	struct sha256_state st;
};

static inline void ndvmfw_sha256_init(struct ndvmfw_sha256 *c)
{
	sha256_init(&c->st);
}

static inline void ndvmfw_sha256_update(struct ndvmfw_sha256 *c,
					const void *p, size_t len)
{
	sha256_update(&c->st, p, len);
}

static inline void ndvmfw_sha256_final(struct ndvmfw_sha256 *c, u8 *out)
{
	sha256_final(&c->st, out);
}

#else /* !__KERNEL__ */

#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;	/* as in the kernel: %llu */
typedef int s32;

#ifndef NFPROTO_IPV4
#define NFPROTO_IPV4	2
#define NFPROTO_IPV6	10
#endif
#ifndef U32_MAX
#define U32_MAX		UINT32_MAX
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef __stringify
#define __stringify_1(x...)	#x
#define __stringify(x...)	__stringify_1(x)
#endif
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

static inline void *ndvmfw_alloc_array(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return malloc(n && size ? n * size : 1);
}

static inline void *ndvmfw_zalloc_array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

#define ndvmfw_free(p)			free(p)
#define ndvmfw_sort(base, n, size, cmp)	qsort(base, n, size, cmp)
#define ndvmfw_yield()			do { } while (0)
#define ndvmfw_swab64(x)		__builtin_bswap64(x)

static inline u64 ndvmfw_load_le64(const void *p)
{
	u64 x;

	memcpy(&x, p, sizeof(x));
	return le64toh(x);
}

struct ndvmfw_sha256 {
	struct sha256_ctx st;
};

static inline void ndvmfw_sha256_init(struct ndvmfw_sha256 *c)
{
	sha256_init(&c->st);
}

static inline void ndvmfw_sha256_update(struct ndvmfw_sha256 *c,
					const void *p, size_t len)
{
	sha256_update(&c->st, len, p);
}

static inline void ndvmfw_sha256_final(struct ndvmfw_sha256 *c, u8 *out)
{
	sha256_digest(&c->st, SHA256_DIGEST_SIZE, out);
}

#endif /* __KERNEL__ */

#endif /* _NDVMFW_ENV_H */
