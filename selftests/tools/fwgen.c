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
 *
 * The packets go to the uplink side (192.0.2.98-99, 2001:db8:99::98-99):
 * TCP with various flags, UDP, ICMP/ICMPv6, GRE, from the guests' own and
 * from spoofed addresses, fragmented, priority-tagged, behind IPv6
 * extension headers. Ids are 1.. for the well-formed packets and 100000..
 * for the malformed ones. A rule set may fail `fwctl check` (a rule whose
 * clauses conflict); the test skips it.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng >> 16) % n : 0;
}

static int pct(uint32_t p)
{
	return rnd(100) < p;
}

#define PICK(a) ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

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

struct set {
	char name[8];
	int fams;		/* 1: has v4, 2: has v6 */
};

static struct set sets[3];
static int nsets;

/* An address, a list or a set of @fam (0: any family); sets *@fam. */
static void addrs(FILE *f, int *fam)
{
	int i, n, want = *fam;

	if (nsets && pct(35)) {
		for (i = 0; i < 6; i++) {
			struct set *s = &sets[rnd(nsets)];

			if (!want || (s->fams & want)) {
				fprintf(f, "@%s", s->name);
				if (s->fams != 3)
					*fam = s->fams;
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
		for (i = 0; i < n; i++)
			fprintf(f, "%s%s", i ? ", " : "",
				want == 1 ? PICK(v4) : PICK(v6));
		fprintf(f, " }");
		return;
	}
	fprintf(f, "%s", want == 1 ? PICK(v4) : PICK(v6));
}

/* A NAT rule: the uplink side sees the NDVM's address instead. */
static void gen_masquerade(FILE *f)
{
	int fam = 0;

	fprintf(f, "masquerade out uplink0");
	if (pct(30)) {
		fam = pct(50) ? 1 : 2;
		fprintf(f, " family %s", fam == 1 ? "ip" : "ip6");
	}
	if (pct(50)) {
		fprintf(f, " from ");
		addrs(f, &fam);
	}
	fprintf(f, "\n");
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
		fprintf(f, "set %s { ", sets[i].name);
		n = 1 + rnd(3);
		for (j = 0; j < n; j++) {
			int six = pct(50);

			sets[i].fams |= six ? 2 : 1;
			fprintf(f, "%s%s", j ? ", " : "",
				six ? PICK(v6) : PICK(v4));
		}
		fprintf(f, " }\n");
	}
	for (i = 0; i < bulk / 2; i++)
		gen_bulk_rule(f);
	n = 1 + rnd(12);
	for (i = 0; i < n; i++) {
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
			addrs(f, &fam);
			if ((proto == 6 || proto == 17) && pct(40))
				fprintf(f, " port %s", PICK(ports));
		}
		if (pct(45)) {
			fprintf(f, " to ");
			addrs(f, &fam);
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

static void gen_packet(FILE *f, int id, int g2, int bad)
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

	proto = r < 35 ? 6 : r < 70 ? 17 : r < 90 ? (six ? 58 : 1) : 47;
	if (bad)	/* ICMP cut to 2 bytes: selftests/malformed.sh */
		proto = pct(50) ? 6 : 17;
	fprintf(f, "-i %d -s %s -d %s -p %d", id,
		six ? (g2 ? PICK(s6b) : PICK(s6a)) :
		      (g2 ? PICK(s4b) : PICK(s4a)),
		six ? (pct(50) ? "2001:db8:99::99" : "2001:db8:99::98") :
		      (pct(50) ? "192.0.2.99" : "192.0.2.98"), proto);
	if (proto == 6 || proto == 17)
		fprintf(f, " --sport %d --dport %d", pct(30) ? PICK(pp) : 40000 + (int)rnd(11),
			PICK(pp));
	if (proto == 6)
		fprintf(f, " --flags %d", PICK(flags));
	if (proto == 1 || proto == 58) {
		r = rnd(10);
		if (r < 6)
			fprintf(f, " --type %d", six ? 128 : 8);
		else if (r < 8)
			fprintf(f, " --type %d --code %d", six ? 1 : 3, rnd(5));
		else
			fprintf(f, " --type %d --code 0", six ? 2 : 11);
	}
	if (bad) {
		fprintf(f, " --bad %s\n", proto == 6 && pct(50) ? "doff" :
			"trunc");
		return;
	}
	if (six && pct(15)) {
		if (pct(40))
			fprintf(f, " --ext hop");
		for (r = rnd(3); r > 0; r--)
			fprintf(f, " --ext %s", pct(50) ? "dst" : "rt");
	} else if (proto != 47 && pct(15)) {
		fprintf(f, " --frag %d", proto == 6 ? 24 : 8);
	}
	if (pct(10))
		fprintf(f, " --vlan 0");
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
	FILE *r, *g1, *g2, *bad;
	int i, n, nbad, bulk;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: fwgen SEED NPACKETS DIR [BULK]\n");
		return 2;
	}
	bulk = argc > 4 ? atoi(argv[4]) : 0;
	rng = strtoull(argv[1], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	n = atoi(argv[2]);
	r = out(argv[3], "rules");
	g1 = out(argv[3], "g1.pkts");
	g2 = out(argv[3], "g2.pkts");
	bad = out(argv[3], "bad.pkts");
	gen_rules(r, bulk);
	nbad = n / 20;
	for (i = 1; i <= n - nbad; i++) {
		int two = pct(30);

		gen_packet(two ? g2 : g1, i, two, 0);
	}
	for (i = 0; i < nbad; i++)
		gen_packet(bad, 100000 + i, 0, 1);
	fclose(r);
	fclose(g1);
	fclose(g2);
	fclose(bad);
	return 0;
}
