// SPDX-License-Identifier: GPL-2.0
/*
 * fwgen: random rule sets and packets for the differential test against
 * nftables (selftests/diff.sh).
 *
 *   fwgen SEED NPACKETS DIR [BULK]
 *
 * writes, all determined by SEED:
 *   DIR/rules      a rule set over the whole grammar: filter rules with
 *                  every clause and log, masquerade rules; with BULK,
 *                  BULK more rules around it, specific ones as an ACL has
 *                  them (source, destination, protocol, port), one in 100
 *                  over the addresses and ports the packets use
 *   DIR/g1.pkts    fwpkt batch lines sent by guest 1 (in vif1.0)
 *   DIR/g2.pkts    ... by guest 2 (in vif2.0)
 *   DIR/bad.pkts   malformed packets, sent by guest 1 after the others
 *   DIR/up.pkts    answers to some of the guests' packets, sent by the
 *                  uplink (in uplink0) after the guests' packets
 *
 * The packets go to the uplink side (192.0.2.98-99, 2001:db8:99::98-99):
 * TCP with various flags, UDP, ICMP/ICMPv6, GRE, from the guests' own and
 * from spoofed addresses, fragmented, priority-tagged, behind IPv6
 * extension headers.
 *
 * The answers make conntrack states other than "new" and "invalid". They
 * are for the well-formed TCP, UDP and ICMP echo packets that are not
 * fragmented, come from a guest's subnet (10.137.0.0/16, fd00::/16: the
 * NDVM routes the answers there) and that no masquerade rule of the set
 * matches (a masqueraded packet's answer would have to go to the NDVM's
 * address and port); of those, one in three gets a reply from the
 * destination to the source with the ports swapped: SYN+ACK to a SYN,
 * ACK to other TCP (acknowledging all of it), echo reply to an echo
 * request; one in six an ICMP/ICMPv6 error from the destination (port or
 * host/address unreachable) that quotes the packet. If the packet passed
 * the NDVM, conntrack finds its connection: the reply is "established",
 * the error "related". Otherwise the reply is "new" or "invalid" and the
 * error "invalid". Rules with "state" for them (gen_state_rule()) go
 * among the random rules. Whether a packet gets an answer and those rules
 * come from a random sequence of their own: the packets of a seed, and
 * the other rules of its set, are what they were before the answers.
 *
 * Ids are 1.. for the well-formed packets, 100000.. for the malformed ones,
 * 200000 + the id of the packet answered for the replies and 300000 + it
 * for the errors (NPACKETS is at most 99999; diff.sh's end marker is
 * 999999). A rule set may fail `fwctl check` (a rule whose clauses
 * conflict); the test skips it.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLY_ID 200000
#define ERROR_ID 300000

/* rng: rules and packets; rng_ans: which packets get an answer */
static uint64_t rng, rng_ans;

static uint32_t xorshift(uint64_t *s, uint32_t n)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return n ? (uint32_t)(*s >> 16) % n : 0;
}

static uint32_t rnd(uint32_t n)
{
	return xorshift(&rng, n);
}

static int pct(uint32_t p)
{
	return rnd(100) < p;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(a) ((a)[rnd(ARRAY_SIZE(a))])

static const char *const v4[] = {
	"10.137.0.0/24", "10.137.0.5", "10.137.0.0/16", "10.0.0.0/8",
	"192.0.2.99", "192.0.2.96/30", "192.0.2.0/24", "203.0.113.0/24",
	"0.0.0.0/0", "10.137.1.5", "192.0.2.98",
};

static const char *const v6[] = {
	"fd00:1::/64", "fd00:1::5", "fd00::/16", "2001:db8:99::99",
	"2001:db8:99::/64", "2001:db8:5::/48", "::/0", "fd00:2::5",
	"2001:db8:99::98",
};

static const char *const ports[] = {
	"22", "53", "80", "443", "1000-2000", "40000", "40000-40010", "7",
	"9999", "{ 22, 80 }", "{ 53, 1000-1600 }",
};

/* the ports of the packets (gen_packet()), and of the bulk rules that hit */
static const int pp[] = { 22, 53, 80, 443, 1500, 40000, 40005, 7, 9999 };

static const char *const iifs[] = { "vif1.0", "vif2.0", "vif*", "*",
				    "uplink0" };
static const char *const oifs[] = { "uplink0", "up*", "vif1.0", "*" };
static const char *const icmp4[] = { "echo-request", "destination-unreachable",
				     "8/0", "3/3", "time-exceeded",
				     "{ echo-request, 3/1 }" };
static const char *const icmp6[] = { "echo-request", "destination-unreachable",
				     "128/0", "1/4", "packet-too-big",
				     "{ echo-request, 1/3 }" };
static const char *const states[] = { "new", "invalid", "established",
				      "new,invalid", "related,established" };

/* addresses and prefixes, as in the rules */
struct alist {
	const char *a[8];
	int n;
};

struct set {
	char name[8];
	int fams;		/* 1: has v4, 2: has v6 */
	struct alist l;
};

static struct set sets[3];
static int nsets;

/* the masquerade rules: family (0: both), source addresses (n 0: any) */
struct masq {
	int fam;
	struct alist from;
};

static struct masq masqs[64];
static int nmasqs;

static void alist_add(struct alist *l, const char *a)
{
	if (l && l->n < (int)ARRAY_SIZE(l->a))
		l->a[l->n++] = a;
}

/*
 * An address, a list or a set of @fam (0: any family); sets *@fam. With
 * @l, also what it names there.
 */
static void addrs(FILE *f, int *fam, struct alist *l)
{
	int i, n, want = *fam;
	const char *l_one;

	if (nsets && pct(35)) {
		for (i = 0; i < 6; i++) {
			struct set *s = &sets[rnd(nsets)];

			if (!want || (s->fams & want)) {
				fprintf(f, "@%s", s->name);
				if (s->fams != 3)
					*fam = s->fams;
				for (n = 0; l && n < s->l.n; n++)
					alist_add(l, s->l.a[n]);
				return;
			}
		}
	}
	if (!want)
		want = pct(50) ? 1 : 2;
	*fam = want;
	if (pct(30)) {
		n = 1 + rnd(3);
		fprintf(f, "{ ");
		for (i = 0; i < n; i++) {
			const char *a = want == 1 ? PICK(v4) : PICK(v6);

			fprintf(f, "%s%s", i ? ", " : "", a);
			alist_add(l, a);
		}
		fprintf(f, " }");
		return;
	}
	l_one = want == 1 ? PICK(v4) : PICK(v6);
	fprintf(f, "%s", l_one);
	alist_add(l, l_one);
}

/* A NAT rule: the uplink side sees the NDVM's address instead. */
static void gen_masquerade(FILE *f)
{
	struct masq *m = &masqs[nmasqs];
	int fam = 0;

	fprintf(f, "masquerade out uplink0");
	m->fam = 0;
	m->from.n = 0;
	if (pct(30)) {
		fam = pct(50) ? 1 : 2;
		m->fam = fam;
		fprintf(f, " family %s", fam == 1 ? "ip" : "ip6");
	}
	if (pct(50)) {
		fprintf(f, " from ");
		addrs(f, &fam, &m->from);
	}
	fprintf(f, "\n");
	if (nmasqs < (int)ARRAY_SIZE(masqs) - 1)
		nmasqs++;
}

/*
 * One specific rule. Most name addresses and ports no test packet has, so
 * that the lookup structure is as big as the rule count makes it; one in
 * 100 names those of the packets (gen_packet()), so that some packets
 * match a rule among the many.
 */
static void gen_bulk_rule(FILE *f)
{
	static const char *const verdicts[] = { "accept", "drop", "reject" };
	static const char *const src4[] = { "10.137.0.5", "10.137.0.6",
					    "203.0.113.7", "10.137.1.5" };
	static const char *const src6[] = { "fd00:1::5", "fd00:1::6",
					    "2001:db8:5::7", "fd00:2::5" };
	int six = pct(50), hit = pct(1);

	/* forwarded only: nft then has them in two chains, not four */
	fprintf(f, "%s in vif* out uplink0 proto %s from ", PICK(verdicts),
		pct(50) ? "tcp" : "udp");
	if (hit)
		fprintf(f, "%s", six ? PICK(src6) : PICK(src4));
	else if (six && pct(50))
		fprintf(f, "fd00:%x:%x::%x", 1 + rnd(2), rnd(65536), rnd(65536));
	else if (six)
		fprintf(f, "fd00:%x:%x:%x::/64", 1 + rnd(2), rnd(65536), rnd(65536));
	else if (pct(50))
		fprintf(f, "10.%u.%u.%u", 137 + rnd(2), rnd(256), rnd(256));
	else
		fprintf(f, "10.%u.%u.%u/30", 137 + rnd(2), rnd(256), rnd(64) * 4);
	if (six)
		fprintf(f, " to 2001:db8:99::%x", hit ? 0x98 + rnd(2) : rnd(65536));
	else
		fprintf(f, " to 192.0.2.%u", hit ? 98 + rnd(2) : rnd(256));
	fprintf(f, " port %d\n", hit ? PICK(pp) : 1 + (int)rnd(65535));
}

/*
 * A rule for the uplink's answers (see the top), from their own random
 * sequence: the random rules among them stay what they were. The random
 * rules' state clauses rarely meet an answer (2 in 5 of the 1 in 5 that
 * have one name established or related, and their other clauses must
 * match too); these mostly do.
 */
static void gen_state_rule(FILE *f)
{
	static const char *const verdicts[] = { "accept", "accept", "drop",
						"drop", "reject" };
	static const char *const in[] = { "uplink0", "up*", "*" };
	static const char *const out[] = { "vif1.0", "vif2.0", "vif*" };
	static const char *const st[] = { "established", "related",
					  "established,related", "new",
					  "invalid", "new,invalid",
					  "related,invalid" };
	uint32_t fam = xorshift(&rng_ans, 3);	/* 0: any, 1: ip, 2: ip6 */
	uint32_t proto = xorshift(&rng_ans, 5);	/* 0, 1: any */

	fprintf(f, "%s", verdicts[xorshift(&rng_ans, ARRAY_SIZE(verdicts))]);
	if (xorshift(&rng_ans, 3))
		fprintf(f, " in %s", in[xorshift(&rng_ans, ARRAY_SIZE(in))]);
	if (xorshift(&rng_ans, 3) == 0)
		fprintf(f, " out %s", out[xorshift(&rng_ans, ARRAY_SIZE(out))]);
	if (fam)
		fprintf(f, " family %s", fam == 1 ? "ip" : "ip6");
	if (proto == 2)
		fprintf(f, " proto tcp");
	else if (proto == 3)
		fprintf(f, " proto udp");
	else if (proto == 4 && fam)
		fprintf(f, " proto %s", fam == 1 ? "icmp" : "icmpv6");
	fprintf(f, " state %s\n", st[xorshift(&rng_ans, ARRAY_SIZE(st))]);
}

static void gen_rules(FILE *f, int bulk)
{
	static const char *const verdicts[] = { "accept", "accept", "accept",
						"drop", "drop", "reject" };
	int i, j, n, fam, proto;

	fprintf(f, "policy %s\n", pct(50) ? "drop" : "accept");
	nsets = rnd(3);
	for (i = 0; i < nsets; i++) {
		snprintf(sets[i].name, sizeof(sets[i].name), "s%d", i);
		sets[i].fams = 0;
		sets[i].l.n = 0;
		fprintf(f, "set %s { ", sets[i].name);
		n = 1 + rnd(3);
		for (j = 0; j < n; j++) {
			int six = pct(50);
			const char *a = six ? PICK(v6) : PICK(v4);

			sets[i].fams |= six ? 2 : 1;
			fprintf(f, "%s%s", j ? ", " : "", a);
			alist_add(&sets[i].l, a);
		}
		fprintf(f, " }\n");
	}
	for (i = 0; i < bulk / 2; i++)
		gen_bulk_rule(f);
	n = 1 + rnd(12);
	for (i = 0; i <= n; i++) {
		if (xorshift(&rng_ans, 4) == 0)
			gen_state_rule(f);
		if (i == n)
			break;
		fam = 0;
		proto = -1;
		fprintf(f, "%s", PICK(verdicts));
		if (pct(40))
			fprintf(f, " in %s", PICK(iifs));
		if (pct(30))
			fprintf(f, " out %s", PICK(oifs));
		if (pct(25)) {
			fam = pct(50) ? 1 : 2;
			fprintf(f, " family %s", fam == 1 ? "ip" : "ip6");
		}
		if (pct(65)) {
			switch (rnd(6)) {
			case 0: proto = 6; fprintf(f, " proto tcp"); break;
			case 1: proto = 17; fprintf(f, " proto udp"); break;
			case 2: proto = 17; fprintf(f, " proto 17"); break;
			case 3: proto = 47; fprintf(f, " proto gre"); break;
			default:
				if (fam == 2 || (!fam && pct(50))) {
					proto = 58;
					fam = 2;
					fprintf(f, " proto icmpv6");
				} else {
					proto = 1;
					fam = 1;
					fprintf(f, " proto icmp");
				}
			}
		}
		if (pct(40)) {
			fprintf(f, " from ");
			addrs(f, &fam, NULL);
			if ((proto == 6 || proto == 17) && pct(40))
				fprintf(f, " port %s", PICK(ports));
		}
		if (pct(45)) {
			fprintf(f, " to ");
			addrs(f, &fam, NULL);
			if ((proto == 6 || proto == 17) && pct(60))
				fprintf(f, " port %s", PICK(ports));
		}
		if ((proto == 1 || proto == 58) && pct(60))
			fprintf(f, " icmp-type %s",
				proto == 1 ? PICK(icmp4) : PICK(icmp6));
		if (pct(20))
			fprintf(f, " state %s", PICK(states));
		if (pct(10))
			fprintf(f, " log");
		fprintf(f, "\n");
		if (pct(8))
			gen_masquerade(f);
	}
	for (i = bulk / 2; i < bulk; i++)
		gen_bulk_rule(f);
}

/* a packet of a guest, for its answer */
struct gpkt {
	int id, six, proto, sport, dport, flags, type, frag;
	const char *src, *dst;
	char opts[256];		/* after -i, -s, -d and -p, but for --frag
				 * and --vlan
				 */
};

static void opt_cat(struct gpkt *k, const char *fmt, ...)
{
	size_t used = strlen(k->opts);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->opts + used, sizeof(k->opts) - used, fmt, ap);
	va_end(ap);
}

static void gen_packet(FILE *f, int id, int g2, int bad, struct gpkt *k)
{
	static const char *const s4a[] = { "10.137.0.5", "10.137.0.6",
					   "203.0.113.7" };
	static const char *const s4b[] = { "10.137.1.5", "10.137.0.5",
					   "203.0.113.7" };
	static const char *const s6a[] = { "fd00:1::5", "fd00:1::6",
					   "2001:db8:5::7" };
	static const char *const s6b[] = { "fd00:2::5", "fd00:1::5",
					   "2001:db8:5::7" };
	static const int flags[] = { 0x02, 0x02, 0x02, 0x02, 0x02, 0x10,
				     0x04, 0x11, 0x00, 0x12 };
	int six = pct(50), proto, r = rnd(100);

	*k = (struct gpkt){ .id = id, .six = six, .type = -1 };
	proto = r < 35 ? 6 : r < 70 ? 17 : r < 90 ? (six ? 58 : 1) : 47;
	if (bad)	/* ICMP cut to 2 bytes: selftests/malformed.sh */
		proto = pct(50) ? 6 : 17;
	k->proto = proto;
	/*
	 * Destination before source, destination port before source port:
	 * the order in which the compiler evaluated them once, as arguments
	 * of one call; a seed's packets stay what they were.
	 */
	k->dst = six ? (pct(50) ? "2001:db8:99::99" : "2001:db8:99::98") :
		       (pct(50) ? "192.0.2.99" : "192.0.2.98");
	k->src = six ? (g2 ? PICK(s6b) : PICK(s6a)) :
		       (g2 ? PICK(s4b) : PICK(s4a));
	if (proto == 6 || proto == 17) {
		k->dport = PICK(pp);
		k->sport = pct(30) ? PICK(pp) : 40000 + (int)rnd(11);
		opt_cat(k, " --sport %d --dport %d", k->sport, k->dport);
	}
	if (proto == 6) {
		k->flags = PICK(flags);
		opt_cat(k, " --flags %d", k->flags);
	}
	if (proto == 1 || proto == 58) {
		r = rnd(10);
		if (r < 6) {
			k->type = six ? 128 : 8;
			opt_cat(k, " --type %d", k->type);
		} else if (r < 8) {
			opt_cat(k, " --type %d --code %d", six ? 1 : 3, rnd(5));
		} else {
			opt_cat(k, " --type %d --code 0", six ? 2 : 11);
		}
	}
	fprintf(f, "-i %d -s %s -d %s -p %d%s", id, k->src, k->dst, proto,
		k->opts);
	if (bad) {
		fprintf(f, " --bad %s\n", proto == 6 && pct(50) ? "doff" :
			"trunc");
		return;
	}
	if (six && pct(15)) {
		size_t o = strlen(k->opts);

		if (pct(40))
			opt_cat(k, " --ext hop");
		for (r = rnd(3); r > 0; r--)
			opt_cat(k, " --ext %s", pct(50) ? "dst" : "rt");
		fprintf(f, "%s", k->opts + o);
	} else if (proto != 47 && pct(15)) {
		k->frag = proto == 6 ? 24 : 8;
		fprintf(f, " --frag %d", k->frag);
	}
	if (pct(10))
		fprintf(f, " --vlan 0");
	fprintf(f, "\n");
}

/* Whether @addr (@six: IPv6) lies in @pfx, an address or a prefix. */
static int in_prefix(const char *pfx, int six, const char *addr)
{
	unsigned char p[16], a[16];
	char buf[64], *slash;
	int len, i;

	snprintf(buf, sizeof(buf), "%s", pfx);
	slash = strchr(buf, '/');
	len = six ? 128 : 32;
	if (slash) {
		*slash = 0;
		len = atoi(slash + 1);
	}
	if (inet_pton(six ? AF_INET6 : AF_INET, buf, p) != 1 ||
	    inet_pton(six ? AF_INET6 : AF_INET, addr, a) != 1)
		return 0;	/* the other family */
	for (i = 0; i < len; i++)
		if ((p[i / 8] ^ a[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

/* Whether a masquerade rule of the set matches @k's source. */
static int masqueraded(const struct gpkt *k)
{
	int i, j;

	for (i = 0; i < nmasqs; i++) {
		const struct masq *m = &masqs[i];

		if (m->fam && m->fam != (k->six ? 2 : 1))
			continue;
		if (!m->from.n)
			return 1;
		for (j = 0; j < m->from.n; j++)
			if (in_prefix(m->from.a[j], k->six, k->src))
				return 1;
	}
	return 0;
}

/* The uplink's answer to @k, if it gets one (see the top). */
static void gen_answer(FILE *f, const struct gpkt *k)
{
	int echo = k->type == 8 || k->type == 128, r, syn, fin;

	if (k->frag || (k->proto != 6 && k->proto != 17 && !echo) ||
	    strncmp(k->src, k->six ? "fd00:" : "10.137.", k->six ? 5 : 7) ||
	    masqueraded(k))
		return;
	r = xorshift(&rng_ans, 6);
	if (r == 2) {
		r = xorshift(&rng_ans, 2);
		fprintf(f, "-i %d -s %s -d %s -p %d%s", ERROR_ID + k->id,
			k->src, k->dst, k->proto, k->opts);
		if (echo)
			fprintf(f, " --echo-id %d", k->id);
		fprintf(f, " --icmp-err %s\n",
			k->six ? (r ? "1/4" : "1/3") : (r ? "3/3" : "3/1"));
		return;
	}
	if (r > 2)
		return;
	fprintf(f, "-i %d -s %s -d %s -p %d", REPLY_ID + k->id, k->dst,
		k->src, k->proto);
	if (k->proto == 6 || k->proto == 17)
		fprintf(f, " --sport %d --dport %d", k->dport, k->sport);
	if (k->proto == 6) {
		/* fwpkt's segments: sequence number 1, 32 bytes */
		syn = !!(k->flags & 0x02);
		fin = !!(k->flags & 0x01);
		fprintf(f, " --flags %d --ack %d", syn ? 0x12 : 0x10,
			1 + 32 + syn + fin);
	}
	if (echo)
		fprintf(f, " --type %d --echo-id %d", k->six ? 129 : 0, k->id);
	fprintf(f, "\n");
}

static FILE *out(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	return f;
}

int main(int argc, char *argv[])
{
	FILE *r, *g1, *g2, *bad, *up;
	struct gpkt k;
	int i, n, nbad, bulk;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: fwgen SEED NPACKETS DIR [BULK]\n");
		return 2;
	}
	bulk = argc > 4 ? atoi(argv[4]) : 0;
	rng = strtoull(argv[1], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	/* not rng ^ constant: xorshift is linear, the two would correlate */
	rng_ans = (strtoull(argv[1], NULL, 0) ^ 0x5bd1e9955bd1e995ULL) *
		  0xbf58476d1ce4e5b9ULL | 1;
	n = atoi(argv[2]);
	if (n < 0 || n >= 100000) {
		fprintf(stderr, "fwgen: at most 99999 packets\n");
		return 2;
	}
	r = out(argv[3], "rules");
	g1 = out(argv[3], "g1.pkts");
	g2 = out(argv[3], "g2.pkts");
	bad = out(argv[3], "bad.pkts");
	up = out(argv[3], "up.pkts");
	gen_rules(r, bulk);
	nbad = n / 20;
	for (i = 1; i <= n - nbad; i++) {
		int two = pct(30);

		gen_packet(two ? g2 : g1, i, two, 0, &k);
		gen_answer(up, &k);
	}
	for (i = 0; i < nbad; i++)
		gen_packet(bad, 100000 + i, 0, 1, &k);
	fclose(r);
	fclose(g1);
	fclose(g2);
	fclose(bad);
	fclose(up);
	return 0;
}
