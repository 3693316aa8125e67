// SPDX-License-Identifier: GPL-2.0
/*
 * gen: a ClassBench-like generator of IPv4 5-tuple rule sets and packet
 * traces, deterministic by seed, for bench/native and for other engines.
 *
 *   gen -p acl|fw|ipc -n RULES [-s SEED] [-t PACKETS] -o PREFIX
 *
 * writes
 *   PREFIX.rules          the rule set in the fwctl rule language
 *   PREFIX.nft            the same as one linear nftables chain (nft -f)
 *   PREFIX.acl            ClassBench filter lines, as dpdk-test-acl reads
 *                         them: @sip/len dip/len slo : shi dlo : dhi p/mask
 *   PREFIX.uniform.trace  PACKETS packets, every field uniformly random
 *   PREFIX.zipf.trace     PACKETS packets aimed at rules: a rule drawn by
 *                         Zipf rank (exponent 1, over a random order of the
 *                         rules), then a packet inside its ranges
 * Trace lines are "sip dip sport dport proto" in decimal, as in ClassBench
 * traces (dpdk-test-acl --tracef). Rule i of each rule file is line i of the
 * others: first match wins, the policy is drop.
 *
 * The profiles follow the shape of ClassBench's acl, fw and ipc seeds:
 * prefix lengths peaking at /32 and /24 (acl) or with many wildcards (fw),
 * port ranges of the classic classes (wildcard, 1024-65535, 0-1023,
 * arbitrary, exact), tcp, udp, icmp or any protocol. Addresses come from a
 * skewed pool of /16 sites and /24 subnets so that prefixes nest and
 * overlap as they do in real rule sets. No rule matches every packet.
 */
#include <stdio.h>
#include <unistd.h>
#include "env.h"

#define PKT_DEFAULT	100000

enum { PORT_WC, PORT_HI, PORT_LO, PORT_AR, PORT_EM, PORT_CLASSES };
enum { P_TCP, P_UDP, P_ICMP, P_ANY, P_CLASSES };

static const u8 proto_num[P_CLASSES] = { 6, 17, 1, 0 };
static const char *const proto_name[P_CLASSES] = { "tcp", "udp", "icmp",
						   NULL };

struct profile {
	const char *name;
	u16 src_plen[33];		/* weights by prefix length */
	u16 dst_plen[33];
	u16 sport[PORT_CLASSES];	/* weights by port class */
	u16 dport[PORT_CLASSES];
	u16 proto[P_CLASSES];
	unsigned int accept_pct;
};

static const struct profile profiles[] = {
	{
		.name = "acl",
		.src_plen = { [0] = 5, [8] = 2, [16] = 6, [20] = 4, [23] = 3,
			      [24] = 20, [26] = 3, [28] = 5, [29] = 3,
			      [30] = 2, [32] = 45 },
		.dst_plen = { [0] = 2, [16] = 3, [22] = 2, [24] = 25,
			      [28] = 5, [30] = 3, [32] = 60 },
		.sport = { 98, 1, 0, 0, 1 },
		.dport = { 20, 10, 2, 13, 55 },
		.proto = { 80, 12, 3, 5 },
		.accept_pct = 60,
	},
	{
		.name = "fw",
		.src_plen = { [0] = 40, [8] = 5, [16] = 10, [24] = 15,
			      [28] = 5, [32] = 25 },
		.dst_plen = { [0] = 25, [16] = 5, [24] = 20, [29] = 5,
			      [32] = 45 },
		.sport = { 75, 10, 0, 5, 10 },
		.dport = { 35, 15, 5, 15, 30 },
		.proto = { 55, 20, 5, 20 },
		.accept_pct = 40,
	},
	{
		.name = "ipc",
		.src_plen = { [0] = 15, [8] = 5, [16] = 10, [24] = 25,
			      [28] = 5, [32] = 40 },
		.dst_plen = { [0] = 15, [16] = 5, [24] = 25, [28] = 5,
			      [32] = 50 },
		.sport = { 80, 5, 2, 3, 10 },
		.dport = { 30, 10, 5, 10, 45 },
		.proto = { 50, 30, 5, 15 },
		.accept_pct = 50,
	},
};

/* Well-known ports, most used first: exact ports are drawn by Zipf rank. */
static const u16 common_ports[] = {
	80, 443, 53, 22, 25, 8080, 21, 23, 110, 143, 123, 161, 389, 445, 993,
	995, 1433, 3306, 3389, 5060, 8443, 179, 514, 636, 1521, 5432, 6379,
};

struct rule {
	u32 src, dst;		/* host byte order, host bits zero */
	u8 slen, dlen;
	u16 sport_lo, sport_hi, dport_lo, dport_hi;
	u8 proto;			/* 0: any */
	u8 accept;
};

struct pkt {
	u32 src, dst;
	u16 sport, dport;
	u8 proto;
};

/* A Zipf distribution over ranks 0..n-1: P(k) proportional to 1/(k+1). */
struct zipf {
	u32 n;
	double *cdf;
};

static u64 rng_state;

/* splitmix64: small, fast and the same on every machine */
static u64 rnd64(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 rnd32(void)
{
	return rnd64() >> 32;
}

/* uniform in 0..n-1 (n > 0) */
static u32 pick(u32 n)
{
	return (u32)(((rnd64() >> 32) * n) >> 32);
}

static double rnd_unit(void)
{
	return (rnd64() >> 11) / (double)(1ULL << 53);
}

static unsigned int pick_weighted(const u16 *w, unsigned int n)
{
	unsigned int i, sum = 0, x;

	for (i = 0; i < n; i++)
		sum += w[i];
	x = pick(sum);
	for (i = 0; x >= w[i]; i++)
		x -= w[i];
	return i;
}

static int zipf_init(struct zipf *z, u32 n)
{
	double sum = 0;
	u32 k;

	z->n = n;
	z->cdf = malloc(n * sizeof(*z->cdf));
	if (!z->cdf)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		sum += 1.0 / (k + 1);
		z->cdf[k] = sum;
	}
	for (k = 0; k < n; k++)
		z->cdf[k] /= sum;
	return 0;
}

static u32 zipf_pick(const struct zipf *z)
{
	double x = rnd_unit();
	u32 lo = 0, hi = z->n - 1;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (z->cdf[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static u32 mask_of(unsigned int len)
{
	return len ? ~0U << (32 - len) : 0;
}

/*
 * Address pools: /16 sites drawn by Zipf rank, and in each a /24 subnet out
 * of 64 also by Zipf rank, so hosts fall into the /24s of other rules.
 */
struct pool {
	u32 *site;
	struct zipf sites, subnets;
};

static int pool_init(struct pool *p, u32 nrules)
{
	static const u8 first[] = { 10, 172, 192, 198, 100, 203, 45, 91 };
	u32 n = nrules / 32 + 4, i;

	if (n > 4096)
		n = 4096;
	p->site = malloc(n * sizeof(*p->site));
	if (!p->site || zipf_init(&p->sites, n) || zipf_init(&p->subnets, 64))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		p->site[i] = (u32)first[pick(sizeof(first))] << 24 |
			     (rnd32() & 0xff0000);
	return 0;
}

static void pool_free(struct pool *p)
{
	free(p->site);
	free(p->sites.cdf);
	free(p->subnets.cdf);
}

static u32 pool_addr(const struct pool *p)
{
	return p->site[zipf_pick(&p->sites)] |
	       zipf_pick(&p->subnets) * 37 % 256 << 8 | pick(256);
}

static void gen_ports(unsigned int cls, const struct zipf *zp,
		      u16 *lo, u16 *hi)
{
	u32 span;

	switch (cls) {
	case PORT_WC:
		*lo = 0;
		*hi = 65535;
		return;
	case PORT_HI:
		*lo = 1024;
		*hi = 65535;
		return;
	case PORT_LO:
		*lo = 0;
		*hi = 1023;
		return;
	case PORT_AR:
		span = pick(1U << (2 + pick(12)));
		*lo = pick(65536);
		*hi = *lo + span > 65535 ? 65535 : *lo + span;
		return;
	}
	*lo = pick(10) < 7 ? common_ports[zipf_pick(zp)] : pick(65536);
	*hi = *lo;
}

static void gen_rule(const struct profile *pf, const struct pool *src,
		     const struct pool *dst, const struct zipf *zp,
		     struct rule *r)
{
	unsigned int p = pick_weighted(pf->proto, P_CLASSES);

	memset(r, 0, sizeof(*r));
	r->slen = pick_weighted(pf->src_plen, 33);
	r->dlen = pick_weighted(pf->dst_plen, 33);
	r->src = pool_addr(src) & mask_of(r->slen);
	r->dst = pool_addr(dst) & mask_of(r->dlen);
	r->proto = proto_num[p];
	r->accept = pick(100) < pf->accept_pct;
	gen_ports(PORT_WC, zp, &r->sport_lo, &r->sport_hi);
	gen_ports(PORT_WC, zp, &r->dport_lo, &r->dport_hi);
	if (p != P_TCP && p != P_UDP)
		return;
	gen_ports(pick_weighted(pf->sport, PORT_CLASSES), zp, &r->sport_lo,
		  &r->sport_hi);
	gen_ports(pick_weighted(pf->dport, PORT_CLASSES), zp, &r->dport_lo,
		  &r->dport_hi);
}

/* A rule that matches every packet: the policy's job, not a rule's. */
static bool rule_wild(const struct rule *r)
{
	return !r->slen && !r->dlen && !r->proto;
}

/* ---- writers ---- */

static const char *proto_str(u8 proto)
{
	unsigned int i;

	for (i = 0; i < P_CLASSES; i++)
		if (proto_num[i] == proto)
			return proto_name[i];
	return NULL;
}

static void put_addr(FILE *f, u32 a, unsigned int len, bool host32)
{
	fprintf(f, "%u.%u.%u.%u", a >> 24, a >> 16 & 0xff, a >> 8 & 0xff,
		a & 0xff);
	if (len < 32 || !host32)
		fprintf(f, "/%u", len);
}

static bool ports_wild(u16 lo, u16 hi)
{
	return lo == 0 && hi == 65535;
}

static void put_ports(FILE *f, const char *sep, u16 lo, u16 hi)
{
	if (lo == hi)
		fprintf(f, "%u", lo);
	else
		fprintf(f, "%u%s%u", lo, sep, hi);
}

/* One endpoint in the rule language: "from ADDR [port PORTS]" or nothing. */
static void rules_endpoint(FILE *f, const char *dir, u32 a,
			   unsigned int len, u16 lo, u16 hi)
{
	bool wild = ports_wild(lo, hi);

	if (!len && wild)
		return;
	fprintf(f, " %s ", dir);
	if (len)
		put_addr(f, a, len, true);
	else
		fputs("any", f);
	if (!wild) {
		fputs(" port ", f);
		put_ports(f, "-", lo, hi);
	}
}

static void write_rules(FILE *f, const struct rule *r, u32 n)
{
	u32 i;

	fputs("policy drop\n", f);
	for (i = 0; i < n; i++, r++) {
		fputs(r->accept ? "accept" : "drop", f);
		if (r->proto)
			fprintf(f, " proto %s", proto_str(r->proto));
		rules_endpoint(f, "from", r->src, r->slen, r->sport_lo,
			       r->sport_hi);
		rules_endpoint(f, "to", r->dst, r->dlen, r->dport_lo,
			       r->dport_hi);
		fputc('\n', f);
	}
}

static void write_nft(FILE *f, const struct rule *r, u32 n)
{
	u32 i;

	fputs("add table ip ndvmfw_bench\n"
	      "flush table ip ndvmfw_bench\n"
	      "table ip ndvmfw_bench {\n"
	      "\tchain forward {\n"
	      "\t\ttype filter hook forward priority filter; policy drop;\n",
	      f);
	for (i = 0; i < n; i++, r++) {
		bool sw = ports_wild(r->sport_lo, r->sport_hi);
		bool dw = ports_wild(r->dport_lo, r->dport_hi);
		const char *p = proto_str(r->proto);

		fputs("\t\t", f);
		if (r->slen) {
			fputs("ip saddr ", f);
			put_addr(f, r->src, r->slen, true);
			fputc(' ', f);
		}
		if (r->dlen) {
			fputs("ip daddr ", f);
			put_addr(f, r->dst, r->dlen, true);
			fputc(' ', f);
		}
		if (r->proto && sw && dw)
			fprintf(f, "ip protocol %s ", p);
		if (!sw) {
			fprintf(f, "%s sport ", p);
			put_ports(f, "-", r->sport_lo, r->sport_hi);
			fputc(' ', f);
		}
		if (!dw) {
			fprintf(f, "%s dport ", p);
			put_ports(f, "-", r->dport_lo, r->dport_hi);
			fputc(' ', f);
		}
		fputs(r->accept ? "accept\n" : "drop\n", f);
	}
	fputs("\t}\n}\n", f);
}

static void write_acl(FILE *f, const struct rule *r, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++, r++) {
		fputc('@', f);
		put_addr(f, r->src, r->slen, false);
		fputc('\t', f);
		put_addr(f, r->dst, r->dlen, false);
		fprintf(f, "\t%u : %u\t%u : %u\t0x%02x/0x%02x\n", r->sport_lo,
			r->sport_hi, r->dport_lo, r->dport_hi, r->proto,
			r->proto ? 0xff : 0);
	}
}

static void write_trace(FILE *f, const struct pkt *p, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++, p++)
		fprintf(f, "%u\t%u\t%u\t%u\t%u\n", p->src, p->dst, p->sport,
			p->dport, p->proto);
}

/* ---- traces ---- */

static void pkt_ports(struct pkt *p)
{
	if (p->proto != 6 && p->proto != 17) {
		p->sport = 0;
		p->dport = 0;
	}
}

static void uniform_pkt(struct pkt *p)
{
	static const u16 w[] = { 45, 35, 10, 10 };	/* tcp udp icmp other */
	unsigned int c = pick_weighted(w, ARRAY_SIZE(w));

	p->src = rnd32();
	p->dst = rnd32();
	p->sport = pick(65536);
	p->dport = pick(65536);
	p->proto = c < P_ANY ? proto_num[c] : pick(256);
	pkt_ports(p);
}

static u16 in_range(u16 lo, u16 hi)
{
	return lo + pick((u32)hi - lo + 1);
}

static void zipf_pkt(const struct rule *r, struct pkt *p)
{
	static const u8 any[] = { 6, 6, 6, 17, 17, 1, 47 };

	p->src = r->src | (rnd32() & ~mask_of(r->slen));
	p->dst = r->dst | (rnd32() & ~mask_of(r->dlen));
	p->sport = in_range(r->sport_lo, r->sport_hi);
	p->dport = in_range(r->dport_lo, r->dport_hi);
	p->proto = r->proto ? r->proto : any[pick(sizeof(any))];
	pkt_ports(p);
}

/* ---- main ---- */

static const char *const suffixes[] = { ".rules", ".nft", ".acl",
					".uniform.trace", ".zipf.trace" };

static int write_all(const char *prefix, const char *cmdline,
		     const struct rule *r, u32 n, const struct pkt *uni,
		     const struct pkt *zpk, u32 npkts)
{
	FILE *f[ARRAY_SIZE(suffixes)] = { NULL };
	char path[4096];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		snprintf(path, sizeof(path), "%s%s", prefix, suffixes[i]);
		f[i] = fopen(path, "w");
		if (!f[i]) {
			fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
			ret = -1;
		}
	}
	if (!ret) {
		fprintf(f[0], "# %s\n", cmdline);
		fprintf(f[1], "# %s\n", cmdline);
		write_rules(f[0], r, n);
		write_nft(f[1], r, n);
		write_acl(f[2], r, n);
		write_trace(f[3], uni, npkts);
		write_trace(f[4], zpk, npkts);
	}
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		if (f[i] && (ferror(f[i]) | fclose(f[i])) && !ret) {
			fprintf(stderr, "gen: %s%s: write error\n", prefix,
				suffixes[i]);
			ret = -1;
		}
	}
	return ret;
}

static int bad_usage(void)
{
	fprintf(stderr,
		"usage: gen -p acl|fw|ipc -n RULES [-s SEED] [-t PACKETS] -o PREFIX\n");
	return 2;
}

int main(int argc, char *argv[])
{
	const struct profile *pf = NULL;
	unsigned long long seed = 1;
	u32 nrules = 0, npkts = PKT_DEFAULT, i, *order;
	const char *prefix = NULL;
	struct pool src, dst;
	struct zipf zp, zr;
	struct pkt *uni, *zpk;
	struct rule *rules;
	char cmdline[512];
	int c, ret;

	while ((c = getopt(argc, argv, "p:n:s:t:o:")) != -1) {
		switch (c) {
		case 'p':
			for (i = 0; i < ARRAY_SIZE(profiles); i++)
				if (!strcmp(optarg, profiles[i].name))
					pf = &profiles[i];
			break;
		case 'n':
			nrules = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			npkts = strtoul(optarg, NULL, 0);
			break;
		case 'o':
			prefix = optarg;
			break;
		default:
			return bad_usage();
		}
	}
	if (!pf || !nrules || !npkts || !prefix || optind != argc)
		return bad_usage();
	snprintf(cmdline, sizeof(cmdline), "bench/gen -p %s -n %u -s %llu -t %u",
		 pf->name, nrules, seed, npkts);

	rng_state = seed;
	rules = calloc(nrules, sizeof(*rules));
	order = calloc(nrules, sizeof(*order));
	uni = calloc(npkts, sizeof(*uni));
	zpk = calloc(npkts, sizeof(*zpk));
	if (!rules || !order || !uni || !zpk || pool_init(&src, nrules) ||
	    pool_init(&dst, nrules) || zipf_init(&zp, ARRAY_SIZE(common_ports)) ||
	    zipf_init(&zr, nrules)) {
		fprintf(stderr, "gen: out of memory\n");
		return 1;
	}
	for (i = 0; i < nrules; i++) {
		do
			gen_rule(pf, &src, &dst, &zp, &rules[i]);
		while (rule_wild(&rules[i]));
	}

	/* Zipf ranks over a random order of the rules (Fisher-Yates) */
	for (i = 0; i < nrules; i++)
		order[i] = i;
	for (i = nrules - 1; i > 0; i--) {
		u32 j = pick(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < npkts; i++) {
		uniform_pkt(&uni[i]);
		zipf_pkt(&rules[order[zipf_pick(&zr)]], &zpk[i]);
	}

	ret = write_all(prefix, cmdline, rules, nrules, uni, zpk, npkts);
	pool_free(&src);
	pool_free(&dst);
	free(zp.cdf);
	free(zr.cdf);
	free(rules);
	free(order);
	free(uni);
	free(zpk);
	return ret ? 1 : 0;
}
