// SPDX-License-Identifier: GPL-2.0
/*
 * native: lookup speed of the ndvmfw classifier (kmod/classify.c, compiled
 * here unchanged) against DPDK's rte_acl and a linear first-match scan, on
 * the rule sets and traces of bench/gen. make bench-native generates them
 * and runs
 *
 *   native [-b SECONDS] DIR SIZE...
 *
 * which, for each profile (acl, fw, ipc) and SIZE, reads
 *   DIR/PROFILE-SIZE.rules   through the fwctl parser (ctl/parse.c), for
 *                            ndvmfw, built as the module builds it;
 *   DIR/PROFILE-SIZE.acl     the same rules as ClassBench lines, for rte_acl
 *                            and the linear scan;
 *   DIR/PROFILE-SIZE.{uniform,zipf}.trace
 * and times every engine on both traces: clock_gettime around batches of
 * BATCH lookups (rte_acl: BATCH calls of one packet, or one call of BATCH
 * packets), each batch one sample of ns per lookup; median and p99 over
 * the samples. Keys and rte_acl inputs are made before timing. Then every
 * packet's first match must be the same in all engines; a mismatch is
 * printed with its packet and rules (the .rules file's first line names
 * the bench/gen command and seed) and makes the exit status 1. A linear
 * scan projected to take more than -b SECONDS (default 30) on a trace is
 * left out and said so. Prints one Markdown table per trace; "matched" is
 * the share of packets that match a rule rather than the policy.
 *
 * Build time and memory: ndvmfw_cls_build() and ndvmfw_cls_bytes(), with
 * the module's default bound; rte_acl_add_rules() and rte_acl_build(), and
 * what they took from DPDK's heap (the run-time tries); the linear scan's
 * rule array. DPDK runs without hugepages (--no-huge --no-shconf) on lcore
 * 0, which pins the process to CPU 0; if its EAL cannot start, the reason
 * is printed and the other engines run alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_acl.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_version.h>

#include "core.h"
#include "parse.h"

#define BATCH		64
#define CLS_MAX_BYTES	(256UL << 20)	/* the module's max_cls_mb default */
#define MAX_SIZES	8
#define MAX_SHOWN	5		/* mismatches printed per trace */

static const char *const profiles[] = { "acl", "fw", "ipc" };
static const char *const traces[] = { "uniform", "zipf" };

enum engine { E_NDVMFW, E_DPDK1, E_DPDKB, E_LINEAR, ENGINES };

static const char *const engine_names[] = {
	[E_NDVMFW] = "ndvmfw",
	[E_DPDK1] = "rte_acl x1",
	[E_DPDKB] = "rte_acl x64",
	[E_LINEAR] = "linear",
};

/* A ClassBench rule, for the linear scan and rte_acl. */
struct cb_rule {
	u32 src, smask, dst, dmask;	/* host byte order */
	u8 slen, dlen;
	u16 sp_lo, sp_hi, dp_lo, dp_hi;
	u8 proto, pmask;
};

/* The rte_acl input: the IPv4 5-tuple of DPDK's test-acl, network order. */
struct acl_in {
	u8 proto;
	u32 src;
	u32 dst;
	u16 sport;
	u16 dport;
};

enum { F_PROTO, F_SRC, F_DST, F_SPORT, F_DPORT, NFIELDS };

static const struct rte_acl_field_def acl_defs[NFIELDS] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(u8),
	  .field_index = F_PROTO, .input_index = 0,
	  .offset = offsetof(struct acl_in, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(u32),
	  .field_index = F_SRC, .input_index = 1,
	  .offset = offsetof(struct acl_in, src) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(u32),
	  .field_index = F_DST, .input_index = 2,
	  .offset = offsetof(struct acl_in, dst) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(u16),
	  .field_index = F_SPORT, .input_index = 3,
	  .offset = offsetof(struct acl_in, sport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(u16),
	  .field_index = F_DPORT, .input_index = 3,
	  .offset = offsetof(struct acl_in, dport) },
};

RTE_ACL_RULE_DEF(acl4_rule, NFIELDS);

struct pkt {
	u32 src, dst;			/* host byte order */
	u16 sport, dport;
	u8 proto;
};

struct trace {
	u32 n;
	struct pkt *pkts;
	struct ndvmfw_key *keys;
	struct acl_in *in;
	const u8 **inp;			/* rte_acl wants pointers */
};

/* The engines' state for one rule set. */
struct engine_ctx {
	struct ndvmfw_cls *cls;
	struct rte_acl_ctx *acl;
	const struct cb_rule *rules;
	u32 nrules;
};

/* Look up packets first..first+n-1 of @t: res[i] = rule index + 1, 0: none. */
typedef void batch_fn(const struct engine_ctx *e, const struct trace *t,
		      u32 first, u32 n, u32 *res);

struct row {
	const char *profile;
	u32 nrules;
	int trace;			/* into traces[] */
	enum engine engine;
	double build_ms;		/* < 0: not applicable */
	size_t bytes;
	double median, p99;
	double matched;			/* share of packets matching a rule */
	char note[64];			/* set: the lookup did not run */
};

static struct row *rows;
static u32 nrows, cap_rows;
static int dpdk_ok;
static u32 trace_pkts[ARRAY_SIZE(traces)];
static char errmsg[512];

/* Keep the first error for main() to print; return -1. */
static int fail(const char *fmt, ...)
{
	va_list ap;

	if (!errmsg[0]) {
		va_start(ap, fmt);
		vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ---- input files ---- */

static u32 plen_mask(u32 len)
{
	return len ? ~0U << (32 - len) : 0;
}

static int read_acl(const char *path, struct cb_rule **out, u32 *nout)
{
	struct cb_rule *r = NULL, *nr;
	u32 n = 0, cap = 0, s[4], d[4], sl, dl, p[4], pr, pm;
	char line[256];
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return fail("%s: %s", path, strerror(errno));
	while (!ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "@%u.%u.%u.%u/%u %u.%u.%u.%u/%u %u : %u %u : %u %x/%x",
			   &s[0], &s[1], &s[2], &s[3], &sl, &d[0], &d[1],
			   &d[2], &d[3], &dl, &p[0], &p[1], &p[2], &p[3], &pr,
			   &pm) != 16 || sl > 32 || dl > 32) {
			ret = fail("%s:%u: not a ClassBench rule", path, n + 1);
			break;
		}
		nr = fw_grow(r, &cap, n, sizeof(*r));
		if (!nr) {
			ret = fail("%s: out of memory", path);
			break;
		}
		r = nr;
		r[n].slen = sl;
		r[n].dlen = dl;
		r[n].smask = plen_mask(sl);
		r[n].dmask = plen_mask(dl);
		r[n].src = (s[0] << 24 | s[1] << 16 | s[2] << 8 | s[3]) &
			   r[n].smask;
		r[n].dst = (d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3]) &
			   r[n].dmask;
		r[n].sp_lo = p[0];
		r[n].sp_hi = p[1];
		r[n].dp_lo = p[2];
		r[n].dp_hi = p[3];
		r[n].pmask = pm;
		r[n].proto = pr & pm;
		n++;
	}
	fclose(f);
	if (ret) {
		free(r);
		return ret;
	}
	*out = r;
	*nout = n;
	return 0;
}

/* The key as the module's hooks build it, for a forwarded packet. */
static void pkt_key(const struct pkt *p, struct ndvmfw_key *k)
{
	/* IFNAMSIZ bytes, as in struct net_device */
	static const char iif[IFNAMSIZ] = "vif1.0", oif[IFNAMSIZ] = "eth0";
	u32 src = htonl(p->src), dst = htonl(p->dst);

	ndvmfw_key_ifname(&k->f[NDVMFW_DIM_IIF], iif);
	ndvmfw_key_ifname(&k->f[NDVMFW_DIM_OIF], oif);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_PROTO], p->proto);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_SADDR], (const u8 *)&src, false);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_DADDR], (const u8 *)&dst, false);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], NDVMFW_L4_NONE);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], NDVMFW_L4_NONE);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_STATE], NDVMFW_STATE_NEW);
	if (p->proto == 1) {		/* icmp type and code 0 */
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], 0);
	} else if (ndvmfw_proto_has_ports(p->proto)) {
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], p->sport);
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], p->dport);
	}
}

static void free_trace(struct trace *t)
{
	free(t->pkts);
	free(t->keys);
	free(t->in);
	free(t->inp);
	memset(t, 0, sizeof(*t));
}

static int read_trace(const char *path, struct trace *t)
{
	u32 cap = 0, v[5], i;
	struct pkt *p;
	char line[128];
	FILE *f = fopen(path, "r");
	int ret = 0;

	memset(t, 0, sizeof(*t));
	if (!f)
		return fail("%s: %s", path, strerror(errno));
	while (!ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u %u %u %u", &v[0], &v[1], &v[2], &v[3],
			   &v[4]) != 5 || v[2] > 65535 || v[3] > 65535 ||
		    v[4] > 255) {
			ret = fail("%s:%u: not a trace line", path, t->n + 1);
			break;
		}
		p = fw_grow(t->pkts, &cap, t->n, sizeof(*p));
		if (!p) {
			ret = fail("%s: out of memory", path);
			break;
		}
		t->pkts = p;
		p += t->n++;
		p->src = v[0];
		p->dst = v[1];
		p->sport = v[2];
		p->dport = v[3];
		p->proto = v[4];
	}
	fclose(f);
	if (!ret && !t->n)
		ret = fail("%s: no packets", path);
	if (!ret) {
		t->keys = calloc(t->n, sizeof(*t->keys));
		t->in = calloc(t->n, sizeof(*t->in));
		t->inp = calloc(t->n, sizeof(*t->inp));
		if (!t->keys || !t->in || !t->inp)
			ret = fail("%s: out of memory", path);
	}
	if (ret) {
		free_trace(t);
		return ret;
	}
	for (i = 0; i < t->n; i++) {
		p = &t->pkts[i];
		pkt_key(p, &t->keys[i]);
		t->in[i].proto = p->proto;
		t->in[i].src = htonl(p->src);
		t->in[i].dst = htonl(p->dst);
		t->in[i].sport = htons(p->sport);
		t->in[i].dport = htons(p->dport);
		t->inp[i] = (const u8 *)&t->in[i];
	}
	return 0;
}

/* ---- engines ---- */

static void ndvmfw_batch(const struct engine_ctx *e, const struct trace *t,
			 u32 first, u32 n, u32 *res)
{
	u32 i;

	for (i = first; i < first + n; i++)
		res[i] = ndvmfw_cls_lookup(e->cls, &t->keys[i]) + 1;
}

static void dpdk1_batch(const struct engine_ctx *e, const struct trace *t,
			u32 first, u32 n, u32 *res)
{
	u32 i;

	for (i = first; i < first + n; i++)
		rte_acl_classify(e->acl, &t->inp[i], &res[i], 1, 1);
}

static void dpdkb_batch(const struct engine_ctx *e, const struct trace *t,
			u32 first, u32 n, u32 *res)
{
	rte_acl_classify(e->acl, &t->inp[first], &res[first], n, 1);
}

static u32 linear_lookup(const struct engine_ctx *e, const struct pkt *p)
{
	const struct cb_rule *r = e->rules;
	u32 i;

	for (i = 0; i < e->nrules; i++, r++)
		if ((p->src & r->smask) == r->src &&
		    (p->dst & r->dmask) == r->dst &&
		    (p->proto & r->pmask) == r->proto &&
		    p->sport >= r->sp_lo && p->sport <= r->sp_hi &&
		    p->dport >= r->dp_lo && p->dport <= r->dp_hi)
			return i + 1;
	return 0;
}

static void linear_batch(const struct engine_ctx *e, const struct trace *t,
			 u32 first, u32 n, u32 *res)
{
	u32 i;

	for (i = first; i < first + n; i++)
		res[i] = linear_lookup(e, &t->pkts[i]);
}

static batch_fn *const batch_fns[] = {
	[E_NDVMFW] = ndvmfw_batch,
	[E_DPDK1] = dpdk1_batch,
	[E_DPDKB] = dpdkb_batch,
	[E_LINEAR] = linear_batch,
};

static int dpdk_init(void)
{
	static const char *const eal_args[] = {
		"native", "--no-huge", "--no-pci", "--no-shconf", "-m", "4096",
		"-l", "0", "--no-telemetry", "--log-level=lib.eal:error",
		"--file-prefix=ndvmfw-bench",
	};
	char *args[ARRAY_SIZE(eal_args)];	/* EAL may reorder them */
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(args); i++)
		args[i] = (char *)eal_args[i];
	if (rte_eal_init(ARRAY_SIZE(args), args) < 0) {
		printf("DPDK: EAL init failed (%s): rte_acl left out\n\n",
		       rte_strerror(rte_errno));
		return 0;
	}
	return 1;
}

static size_t dpdk_heap_bytes(void)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats(rte_socket_id(), &st))
		return 0;
	return st.heap_allocsz_bytes;
}

/* The rules as DPDK's test-acl adds them: the first rule wins. */
static int dpdk_build(const struct cb_rule *cr, u32 n, struct engine_ctx *e,
		      double *ms, size_t *bytes)
{
	struct rte_acl_param prm = {
		.name = "ndvmfw-bench",
		.socket_id = rte_socket_id(),
		.rule_size = RTE_ACL_RULE_SZ(NFIELDS),
		.max_rule_num = n,
	};
	struct rte_acl_config cfg = { .num_categories = 1,
				      .num_fields = NFIELDS };
	struct acl4_rule *r = calloc(n, sizeof(*r));
	size_t heap;
	double t0;
	int ret;
	u32 i;

	e->acl = rte_acl_create(&prm);
	if (!r || !e->acl) {
		free(r);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++, cr++) {
		r[i].data.category_mask = 1;
		r[i].data.priority = n - i;
		r[i].data.userdata = i + 1;
		r[i].field[F_PROTO].value.u8 = cr->proto;
		r[i].field[F_PROTO].mask_range.u8 = cr->pmask;
		r[i].field[F_SRC].value.u32 = cr->src;
		r[i].field[F_SRC].mask_range.u32 = cr->slen;
		r[i].field[F_DST].value.u32 = cr->dst;
		r[i].field[F_DST].mask_range.u32 = cr->dlen;
		r[i].field[F_SPORT].value.u16 = cr->sp_lo;
		r[i].field[F_SPORT].mask_range.u16 = cr->sp_hi;
		r[i].field[F_DPORT].value.u16 = cr->dp_lo;
		r[i].field[F_DPORT].mask_range.u16 = cr->dp_hi;
	}
	memcpy(cfg.defs, acl_defs, sizeof(acl_defs));
	heap = dpdk_heap_bytes();
	t0 = now_ns();
	ret = rte_acl_add_rules(e->acl, (const struct rte_acl_rule *)r, n);
	if (!ret)
		ret = rte_acl_build(e->acl, &cfg);
	*ms = (now_ns() - t0) / 1e6;
	*bytes = dpdk_heap_bytes() - heap;
	free(r);
	return ret;
}

/* ---- one rule set ---- */

/* A rule set in every engine; a note says why an engine is left out. */
struct bench {
	const char *profile;
	char name[64];			/* PROFILE-SIZE */
	struct engine_ctx e;
	double build_ms[ENGINES];	/* < 0: not applicable */
	size_t bytes[ENGINES];
	char note[ENGINES][48];
};

static void build_engines(struct bench *b, const struct ndvmfw_ruleset *rs)
{
	double t0 = now_ns(), ms;
	size_t bytes;
	int ret, en;

	for (en = 0; en < ENGINES; en++)
		b->build_ms[en] = -1;
	ret = ndvmfw_cls_build(rs, NFPROTO_IPV4, CLS_MAX_BYTES, &b->e.cls);
	if (ret) {
		snprintf(b->note[E_NDVMFW], sizeof(b->note[0]),
			 "build failed: %s", strerror(-ret));
	} else {
		b->build_ms[E_NDVMFW] = (now_ns() - t0) / 1e6;
		b->bytes[E_NDVMFW] = ndvmfw_cls_bytes(b->e.cls);
	}

	ret = dpdk_ok ? dpdk_build(b->e.rules, b->e.nrules, &b->e, &ms,
				   &bytes) : -ENODEV;
	for (en = E_DPDK1; en <= E_DPDKB; en++) {
		if (!dpdk_ok)
			snprintf(b->note[en], sizeof(b->note[0]),
				 "n/a: no DPDK EAL");
		else if (ret)
			snprintf(b->note[en], sizeof(b->note[0]),
				 "build failed: %s", strerror(-ret));
		b->build_ms[en] = ret ? -1 : ms;
		b->bytes[en] = ret ? 0 : bytes;
	}
	if (ret) {
		rte_acl_free(b->e.acl);
		b->e.acl = NULL;
	}
	b->bytes[E_LINEAR] = (size_t)b->e.nrules * sizeof(*b->e.rules);
}

static struct row *add_row(const struct bench *b, int tr, enum engine en)
{
	struct row *r = fw_grow(rows, &cap_rows, nrows, sizeof(*rows));

	if (!r)
		return NULL;
	rows = r;
	r += nrows++;
	r->profile = b->profile;
	r->nrules = b->e.nrules;
	r->trace = tr;
	r->engine = en;
	r->build_ms = b->build_ms[en];
	r->bytes = b->bytes[en];
	snprintf(r->note, sizeof(r->note), "%s", b->note[en]);
	return r;
}

/*
 * Time @en over @t into @res and @row; 0, 1 when the linear scan is left
 * out because it was projected to take longer than @budget_s (checked
 * after 2% of the batches), or -1.
 */
static int timed_run(enum engine en, const struct engine_ctx *e,
		     const struct trace *t, u32 *res, double budget_s,
		     struct row *row)
{
	u32 nb = (t->n + BATCH - 1) / BATCH, b, n;
	double *s = calloc(nb, sizeof(*s)), t0, total = 0;

	if (!s)
		return fail("out of memory");
	for (b = 0; b < nb; b++) {
		n = b + 1 < nb ? BATCH : t->n - b * BATCH;
		t0 = now_ns();
		batch_fns[en](e, t, b * BATCH, n, res);
		s[b] = now_ns() - t0;
		total += s[b];
		s[b] /= n;
		if (en == E_LINEAR && b + 1 == nb / 50 &&
		    total * 50 > budget_s * 1e9) {
			snprintf(row->note, sizeof(row->note),
				 "skipped: projected %.0f s", total * 50 / 1e9);
			free(s);
			return 1;
		}
	}
	qsort(s, nb, sizeof(*s), cmp_double);
	row->median = s[nb / 2];
	row->p99 = s[(u64)nb * 99 / 100];
	free(s);
	return 0;
}

static void show_rule(const struct cb_rule *r, u32 idx)
{
	if (!idx)
		return;
	r += idx - 1;
	fprintf(stderr, "#   rule %u: @%u.%u.%u.%u/%u %u.%u.%u.%u/%u", idx - 1,
		r->src >> 24, r->src >> 16 & 0xff, r->src >> 8 & 0xff,
		r->src & 0xff, r->slen, r->dst >> 24, r->dst >> 16 & 0xff,
		r->dst >> 8 & 0xff, r->dst & 0xff, r->dlen);
	fprintf(stderr, " %u : %u %u : %u 0x%02x/0x%02x\n", r->sp_lo, r->sp_hi,
		r->dp_lo, r->dp_hi, r->proto, r->pmask);
}

/*
 * Compare the engines that ran, packet by packet, against the linear scan
 * (or the first that ran); print the first mismatches, return their count.
 */
static u32 check(const struct bench *b, const char *trace,
		 const struct trace *t, u32 *const res[ENGINES],
		 const bool ran[ENGINES], u32 *matched)
{
	u32 i, bad = 0, ref;
	int en, rn = -1;

	for (en = 0; en < ENGINES; en++)
		if (ran[en] && (rn < 0 || en == E_LINEAR))
			rn = en;
	*matched = 0;
	for (i = 0; rn >= 0 && i < t->n; i++) {
		const struct pkt *p = &t->pkts[i];
		bool ok = true;

		ref = res[rn][i];
		*matched += ref != 0;
		for (en = 0; en < ENGINES; en++)
			ok &= !ran[en] || res[en][i] == ref;
		if (ok || bad++ >= MAX_SHOWN)
			continue;
		fprintf(stderr, "# MISMATCH %s %s line %u (%u %u %u %u %u):",
			b->name, trace, i + 1, p->src, p->dst, p->sport,
			p->dport, p->proto);
		for (en = 0; en < ENGINES; en++)
			if (ran[en])
				fprintf(stderr, " %s %d", engine_names[en],
					(int)res[en][i] - 1);
		fprintf(stderr, " (rule index, -1: none)\n");
		for (en = 0; en < ENGINES; en++)
			if (ran[en] && (en == rn || res[en][i] != ref))
				show_rule(b->e.rules, res[en][i]);
	}
	if (bad)
		fprintf(stderr, "# MISMATCH %s %s: %u of %u packets\n", b->name,
			trace, bad, t->n);
	return bad;
}

/* Run every engine over one trace; the mismatches, or -1. */
static int run_trace(const struct bench *b, const char *dir, int tr,
		     double budget_s)
{
	u32 *res[ENGINES] = { NULL }, first = nrows, matched;
	bool ran[ENGINES] = { false };
	char path[4096];
	struct trace t;
	struct row *row;
	int en, ret = 0;

	snprintf(path, sizeof(path), "%s/%s.%s.trace", dir, b->name,
		 traces[tr]);
	if (read_trace(path, &t))
		return -1;
	trace_pkts[tr] = t.n;
	for (en = 0; !ret && en < ENGINES; en++) {
		row = add_row(b, tr, en);
		if (!row) {
			ret = fail("out of memory");
		} else if (!row->note[0]) {
			res[en] = calloc(t.n, sizeof(*res[en]));
			ret = res[en] ? timed_run(en, &b->e, &t, res[en],
						  budget_s, row) :
					fail("out of memory");
			ran[en] = !ret;
			ret = ret < 0 ? ret : 0;
		}
	}
	if (!ret) {
		ret = check(b, traces[tr], &t, res, ran, &matched);
		for (; first < nrows; first++)
			rows[first].matched = (double)matched / t.n;
	}
	for (en = 0; en < ENGINES; en++)
		free(res[en]);
	free_trace(&t);
	return ret;
}

/* Parse, build and run one rule set; the mismatches, or -1. */
static int bench_set(const char *dir, const char *profile, u32 size,
		     double budget_s)
{
	struct bench b = { .profile = profile };
	struct cb_rule *cr = NULL;
	struct fw_rules fr;
	char path[4096], err[512];
	int ret, tr, bad = 0;
	double t0, parse_ms;

	snprintf(b.name, sizeof(b.name), "%s-%u", profile, size);
	snprintf(path, sizeof(path), "%s/%s.rules", dir, b.name);
	t0 = now_ns();
	if (fw_parse_file(path, &fr, err, sizeof(err)))
		return fail("%s", err);
	parse_ms = (now_ns() - t0) / 1e6;
	snprintf(path, sizeof(path), "%s/%s.acl", dir, b.name);
	ret = read_acl(path, &cr, &b.e.nrules);
	if (!ret && b.e.nrules != fr.rs.nrules)
		ret = fail("%s: %u rules, but %u in %s.rules", path,
			   b.e.nrules, fr.rs.nrules, b.name);
	if (!ret) {
		b.e.rules = cr;
		build_engines(&b, &fr.rs);
		fprintf(stderr, "%s: parsed in %.1f ms, ndvmfw %u nodes\n",
			b.name, parse_ms,
			b.e.cls ? ndvmfw_cls_nodes(b.e.cls) : 0);
	}
	for (tr = 0; !ret && tr < (int)ARRAY_SIZE(traces); tr++) {
		ret = run_trace(&b, dir, tr, budget_s);
		bad += ret > 0 ? ret : 0;
		ret = ret < 0 ? ret : 0;
	}
	ndvmfw_cls_free(b.e.cls);
	rte_acl_free(b.e.acl);
	fw_rules_free(&fr);
	free(cr);
	return ret ? ret : bad;
}

/* ---- output ---- */

static void print_tables(void)
{
	static const char *const what[] = {
		"every field uniformly random",
		"aimed at rules drawn by Zipf rank",
	};
	unsigned int tr, i;

	for (tr = 0; tr < ARRAY_SIZE(traces); tr++) {
		printf("### %s trace: %s, %u packets\n\n", traces[tr], what[tr],
		       trace_pkts[tr]);
		printf("| profile | engine | N | build ms | memory KiB ");
		printf("| median ns | p99 ns | matched |\n");
		printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
		for (i = 0; i < nrows; i++) {
			const struct row *r = &rows[i];

			if (r->trace != (int)tr)
				continue;
			printf("| %s | %s | %u | ", r->profile,
			       engine_names[r->engine], r->nrules);
			if (r->build_ms >= 0)
				printf("%.1f | ", r->build_ms);
			else
				printf("- | ");
			if (r->bytes)
				printf("%zu | ", (r->bytes + 1023) >> 10);
			else
				printf("- | ");
			if (r->note[0])
				printf("%s | | ", r->note);
			else
				printf("%.1f | %.1f | ", r->median, r->p99);
			printf("%.1f%% |\n", r->matched * 100);
		}
		printf("\n");
	}
}

static int bad_usage(void)
{
	fprintf(stderr, "usage: native [-b SECONDS] DIR SIZE...\n");
	return 2;
}

int main(int argc, char *argv[])
{
	u32 sizes[MAX_SIZES], nsizes = 0, p, i;
	double budget_s = 30;
	int c, ret, bad = 0;

	while ((c = getopt(argc, argv, "b:")) != -1) {
		if (c != 'b')
			return bad_usage();
		budget_s = strtod(optarg, NULL);
	}
	if (optind + 1 >= argc || argc - optind - 1 > MAX_SIZES)
		return bad_usage();
	for (i = optind + 1; i < (u32)argc; i++)
		sizes[nsizes++] = strtoul(argv[i], NULL, 0);

	dpdk_ok = dpdk_init();
	if (dpdk_ok)
		printf("%s rte_acl, one category, default classify method; "
		       "EAL without hugepages\n\n", rte_version());
	for (p = 0; p < ARRAY_SIZE(profiles); p++) {
		for (i = 0; i < nsizes; i++) {
			ret = bench_set(argv[optind], profiles[p], sizes[i],
					budget_s);
			if (ret < 0) {
				fprintf(stderr, "native: %s\n", errmsg);
				return 1;
			}
			bad += ret;
		}
	}
	print_tables();
	if (bad)
		printf("MISMATCH: the engines disagree on %d packets (details on standard error)\n",
		       bad);
	if (dpdk_ok)
		rte_eal_cleanup();
	free(rows);
	return bad ? 1 : 0;
}
