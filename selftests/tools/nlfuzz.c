// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: grammar-aware fuzzing of the ndvmfw generic netlink family.
 *
 *   nlfuzz [-n N] [-s SEED] [-p PROCS] [-S] RULES...
 *
 * The rules files are encoded into valid NDVMFW_CMD_LOAD messages (as
 * fwctl load does); each message sent is one of them, or a status / dump
 * request, mutated one to four times: bytes flipped, attribute lengths set
 * to edge values (0, 3, 4, one off, 0xffff), attribute types set to edges
 * or their nested flag toggled, integers set to 0, 1, max, 2^31, 2^32-1,
 * top-level attributes duplicated, repeated up to 64 times or, one repeat
 * in eight, up to 20,000 times (huge counts: a load of that many rules
 * costs the kernel a tenth of a second or more under TCG, so they are kept
 * rare enough for 10^6 messages to take minutes, not hours), the message
 * truncated, the command or version replaced; or random bytes after the
 * generic netlink header. PROCS processes (default 1) do that at once,
 * each with its own socket and seed, N messages in all (default 10000).
 *
 * Without -S nothing may seal: SEAL commands become status requests and
 * the seal bit of every NDVMFW_A_LOAD_FLAGS is cleared, as the kernel
 * would parse the message. With -S (the module is sealed already) SEAL is
 * sent too, and no LOAD may succeed.
 *
 * Every 250 messages, and at the end, each process checks that status
 * answers and that the dumped rule set hashes to the digest status gives
 * (or that nothing is loaded when status says so); with -S also that the
 * digest never changes. Prints how many requests got which errno, and the
 * time spent in committed loads, in the other requests and in the checks;
 * exit status 0 if every check held.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include "msg.h"
#include "parse.h"

#define FW_BUF		(1 << 20)	/* the largest message sent */
#define FW_MAX_SEEDS	16
#define FW_MAX_ATTRS	4096
#define FW_CHECK_EVERY	250

struct fw_seed {
	void *msg;
	u32 len;
};

static struct fw_seed seeds[FW_MAX_SEEDS];
static int nseeds;
static int sealed_mode;
static unsigned long long rnd_state;

static u32 rnd(void)
{
	/* xorshift64*: reproducible from -s */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (rnd_state * 2685821657736338717ULL) >> 32;
}

static u32 rnd_below(u32 n)
{
	return n ? rnd() % n : 0;
}

/* Offsets of every attribute that parses, nested ones included. */
static u32 attrs[FW_MAX_ATTRS], nattrs;

static void fw_walk(const char *base, u32 start, u32 end, int depth)
{
	const struct nlattr *a;
	u32 off = start;

	while (off + NLA_HDRLEN <= end && nattrs < FW_MAX_ATTRS) {
		a = (const void *)(base + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > end)
			return;
		attrs[nattrs++] = off;
		if (depth < 4 && a->nla_len > NLA_HDRLEN)
			fw_walk(base, off + NLA_HDRLEN, off + a->nla_len,
				depth + 1);
		off += NLA_ALIGN(a->nla_len);
	}
}

/* A random top-level attribute that parses, or NULL. */
static struct nlattr *fw_pick_top(struct nlmsghdr *nlh)
{
	u32 off = NLMSG_HDRLEN + GENL_HDRLEN, tops[256], n = 0;
	struct nlattr *a;

	while (off + NLA_HDRLEN <= nlh->nlmsg_len && n < ARRAY_SIZE(tops)) {
		a = (void *)((char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			break;
		tops[n++] = off;
		off += NLA_ALIGN(a->nla_len);
	}
	return n ? (void *)((char *)nlh + tops[rnd_below(n)]) : NULL;
}

static struct nlattr *fw_pick(struct nlmsghdr *nlh)
{
	nattrs = 0;
	fw_walk((char *)nlh, NLMSG_HDRLEN + GENL_HDRLEN, nlh->nlmsg_len, 0);
	return nattrs ? (void *)((char *)nlh + attrs[rnd_below(nattrs)]) :
			NULL;
}

static const u64 fw_edges[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, ~0ULL,
};

/* Append a copy of top-level attribute @a (@times times, if there is room). */
static void fw_repeat(struct nlmsghdr *nlh, const struct nlattr *a, u32 times)
{
	u32 len = NLA_ALIGN(a->nla_len), i;
	char copy[65536 + NLA_HDRLEN];

	if (len > sizeof(copy))
		return;
	memcpy(copy, a, a->nla_len);
	for (i = 0; i < times && nlh->nlmsg_len + len <= FW_BUF; i++) {
		memcpy((char *)nlh + nlh->nlmsg_len, copy, len);
		nlh->nlmsg_len += len;
	}
}

static void fw_mutate(struct nlmsghdr *nlh)
{
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	u32 hdr = NLMSG_HDRLEN + GENL_HDRLEN;
	struct nlattr *a = fw_pick(nlh);
	u32 plen, v;
	u64 e;

	switch (rnd_below(9)) {
	case 0:		/* flip bytes */
		if (nlh->nlmsg_len > hdr)
			((u8 *)nlh)[hdr + rnd_below(nlh->nlmsg_len - hdr)] ^=
				1 << rnd_below(8);
		break;
	case 1:		/* an attribute length at an edge */
		if (!a)
			break;
		switch (rnd_below(6)) {
		case 0: a->nla_len = 0; break;
		case 1: a->nla_len = 3; break;
		case 2: a->nla_len = 4; break;
		case 3: a->nla_len--; break;
		case 4: a->nla_len++; break;
		default: a->nla_len = 0xffff; break;
		}
		break;
	case 2:		/* an attribute type at an edge */
		if (!a)
			break;
		switch (rnd_below(4)) {
		case 0: a->nla_type = 0; break;
		case 1: a->nla_type = rnd_below(40); break;
		case 2: a->nla_type ^= NLA_F_NESTED; break;
		default: a->nla_type = rnd(); break;
		}
		break;
	case 3:		/* an integer at an edge */
		if (!a)
			break;
		plen = a->nla_len - NLA_HDRLEN;
		e = fw_edges[rnd_below(ARRAY_SIZE(fw_edges))];
		if (plen == 1 || plen == 2 || plen == 4 || plen == 8)
			memcpy(mnl_attr_get_payload(a), &e, plen);
		break;
	case 4:		/* duplicate a top-level attribute */
		a = fw_pick_top(nlh);
		if (a)
			fw_repeat(nlh, a, 1);
		break;
	case 5:		/* or repeat it: a few times, or huge counts */
		a = fw_pick_top(nlh);
		if (a)
			fw_repeat(nlh, a, rnd_below(8) ? 2 + rnd_below(63) :
				  1 + rnd_below(20000));
		break;
	case 6:		/* truncate */
		if (nlh->nlmsg_len > NLMSG_HDRLEN)
			nlh->nlmsg_len = NLMSG_HDRLEN +
				rnd_below(nlh->nlmsg_len - NLMSG_HDRLEN);
		break;
	case 7:		/* another command or version */
		if (rnd_below(2))
			g->cmd = rnd_below(NDVMFW_CMD_MAX + 3);
		else
			g->version = rnd_below(4);
		break;
	default:	/* random garbage after the header */
		nlh->nlmsg_len = hdr + rnd_below(512);
		for (v = hdr; v < nlh->nlmsg_len; v++)
			((u8 *)nlh)[v] = rnd();
		break;
	}
}

/* Unless -S: nothing the kernel would parse may ask for the seal. */
static void fw_no_seal(struct nlmsghdr *nlh)
{
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	u32 off = NLMSG_HDRLEN + GENL_HDRLEN, flags;
	struct nlattr *a;

	if (g->cmd == NDVMFW_CMD_SEAL)
		g->cmd = NDVMFW_CMD_GET_STATUS;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (void *)((char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NDVMFW_A_LOAD_FLAGS &&
		    a->nla_len >= NLA_HDRLEN + 4 &&
		    off + NLA_HDRLEN + 4 <= nlh->nlmsg_len) {
			memcpy(&flags, mnl_attr_get_payload(a), 4);
			flags &= ~NDVMFW_LOAD_F_SEAL;
			memcpy(mnl_attr_get_payload(a), &flags, 4);
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/* Status answers, and the dump hashes to its digest. */
static int fw_consistent(struct fw_nl *n, u8 *digest, bool *loaded)
{
	u8 d[NDVMFW_DIGEST_LEN];
	struct fw_status st;
	struct fw_dump dump;
	int ret;

	ret = fw_get_status(n, &st);
	if (ret) {
		fprintf(stderr, "nlfuzz: status: %s\n", strerror(-ret));
		return -1;
	}
	ret = fw_get_dump(n, &dump);
	if (ret) {
		fprintf(stderr, "nlfuzz: dump: %s\n", strerror(-ret));
		return -1;
	}
	ret = 0;
	/* another process may load between the two requests */
	if (dump.loaded != st.loaded || dump.generation != st.generation)
		goto out;
	if (st.loaded) {
		ndvmfw_ruleset_digest(&dump.rs, d);
		if (memcmp(d, st.digest, sizeof(d))) {
			fprintf(stderr, "nlfuzz: generation %llu: the dump does not hash to the status digest\n",
				(unsigned long long)st.generation);
			ret = -1;
		}
	}
	if (digest)
		memcpy(digest, st.digest, sizeof(st.digest));
	if (loaded)
		*loaded = st.loaded;
out:
	fw_dump_free(&dump);
	return ret;
}

struct fw_tally {
	unsigned long sent, ok, err[256];
	unsigned long loads_ok, checks;
	/* seconds spent on committed loads, other answers, checks */
	double t_loads, t_rest, t_checks;
	/* the committed loads' bytes, in all */
	unsigned long long load_bytes;
};

static double fw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fw_run(unsigned long count, struct fw_tally *t)
{
	u8 before[NDVMFW_DIGEST_LEN], now[NDVMFW_DIGEST_LEN];
	struct nlmsghdr *nlh;
	struct fw_nl n;
	double t0, t1;
	u8 cmd;
	u16 flags;
	int ret, bad = 0, k;
	unsigned long i;
	void *buf;

	ret = fw_nl_open(&n);
	buf = malloc(FW_BUF);
	if (ret || !buf) {
		fprintf(stderr, "nlfuzz: cannot open: %s\n", strerror(-ret));
		return 1;
	}
	if (fw_consistent(&n, before, NULL))
		return 1;
	for (i = 0; i < count; i++) {
		k = rnd_below(nseeds + 3);
		if (k < nseeds) {
			memcpy(buf, seeds[k].msg, seeds[k].len);
			nlh = buf;
		} else {
			cmd = k == nseeds ? NDVMFW_CMD_GET_STATUS :
			      k == nseeds + 1 ? NDVMFW_CMD_GET_RULES :
						NDVMFW_CMD_GET_LINKS;
			flags = cmd == NDVMFW_CMD_GET_STATUS ? 0 : NLM_F_DUMP;
			if (sealed_mode && !rnd_below(4))
				cmd = NDVMFW_CMD_SEAL;
			nlh = fw_nl_put(&n, buf, cmd, flags);
		}
		for (k = 1 + rnd_below(4); k > 0; k--)
			fw_mutate(nlh);
		if (!sealed_mode)
			fw_no_seal(nlh);
		cmd = ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd;
		t0 = fw_now();
		ret = fw_nl_talk(&n, nlh, NULL, NULL);
		t1 = fw_now();
		t->sent++;
		if (ret)
			t->err[-ret & 255]++;
		else
			t->ok++;
		if (!ret && cmd == NDVMFW_CMD_LOAD) {
			t->loads_ok++;
			t->load_bytes += nlh->nlmsg_len;
			t->t_loads += t1 - t0;
		} else {
			t->t_rest += t1 - t0;
		}
		if (sealed_mode && !ret && cmd == NDVMFW_CMD_LOAD) {
			fprintf(stderr, "nlfuzz: a load succeeded while sealed\n");
			bad = 1;
		}
		if ((i + 1) % FW_CHECK_EVERY && i + 1 != count)
			continue;
		t->checks++;
		t0 = fw_now();
		if (fw_consistent(&n, now, NULL))
			bad = 1;
		else if (sealed_mode && memcmp(now, before, sizeof(now))) {
			fprintf(stderr, "nlfuzz: the sealed digest changed\n");
			bad = 1;
		}
		t->t_checks += fw_now() - t0;
	}
	fw_nl_close(&n);
	free(buf);
	return bad;
}

static struct fw_tally *fw_tallies(int procs)
{
	void *p = mmap(NULL, procs * sizeof(struct fw_tally),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void fw_report(const struct fw_tally *t, int procs)
{
	struct fw_tally sum = { 0 };
	int i, e;

	for (i = 0; i < procs; i++) {
		sum.sent += t[i].sent;
		sum.ok += t[i].ok;
		sum.loads_ok += t[i].loads_ok;
		sum.checks += t[i].checks;
		sum.t_loads += t[i].t_loads;
		sum.t_rest += t[i].t_rest;
		sum.t_checks += t[i].t_checks;
		sum.load_bytes += t[i].load_bytes;
		for (e = 0; e < 256; e++)
			sum.err[e] += t[i].err[e];
	}
	printf("nlfuzz: %lu messages from %d processes: %lu accepted (%lu loads), %lu consistency checks",
	       sum.sent, procs, sum.ok, sum.loads_ok, sum.checks);
	for (e = 0; e < 256; e++)
		if (sum.err[e])
			printf(", %s %lu", strerror(e), sum.err[e]);
	printf("\n");
	printf("nlfuzz: time in requests, all processes: %.1f s in the committed loads (%.0f KiB each on average), %.1f s in the rest, %.1f s in the checks\n",
	       sum.t_loads,
	       sum.loads_ok ? sum.load_bytes / 1024.0 / sum.loads_ok : 0,
	       sum.t_rest, sum.t_checks);
}

static int fw_seed_file(const char *path)
{
	char err[1024];
	struct fw_rules r;
	struct nlmsghdr *nlh;
	struct fw_nl n;

	if (nseeds == FW_MAX_SEEDS)
		return 0;
	if (fw_parse_file(path, &r, err, sizeof(err))) {
		fprintf(stderr, "nlfuzz: %s\n", err);
		return -1;
	}
	if (fw_nl_open(&n))
		return -1;
	nlh = fw_encode_load(&n, &r.rs, 0);
	fw_nl_close(&n);
	fw_rules_free(&r);
	if (!nlh || nlh->nlmsg_len > FW_BUF / 2) {
		free(nlh);
		fprintf(stderr, "nlfuzz: %s: too big a seed\n", path);
		return -1;
	}
	seeds[nseeds].msg = nlh;
	seeds[nseeds++].len = nlh->nlmsg_len;
	return 0;
}

int main(int argc, char *argv[])
{
	unsigned long count = 10000, seed = 1;
	struct fw_tally *t;
	int c, i, procs = 1, bad = 0, status;

	while ((c = getopt(argc, argv, "n:s:p:S")) != -1) {
		switch (c) {
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'p': procs = atoi(optarg); break;
		case 'S': sealed_mode = 1; break;
		default: return 2;
		}
	}
	if (optind == argc || procs < 1 || procs > 16) {
		fprintf(stderr, "usage: nlfuzz [-n N] [-s SEED] [-p PROCS] [-S] RULES...\n");
		return 2;
	}
	for (i = optind; i < argc; i++)
		if (fw_seed_file(argv[i]))
			return 2;
	/* shared with the children, who add up their tallies there */
	t = fw_tallies(procs);
	if (!t)
		return 2;
	fflush(stdout);
	for (i = 0; i < procs; i++) {
		if (fork() == 0) {
			rnd_state = seed * 0x9e3779b97f4a7c15ULL + i + 1;
			_exit(fw_run(count / procs + (i < (int)(count % procs)),
				     &t[i]));
		}
	}
	while (wait(&status) > 0)
		bad |= !WIFEXITED(status) || WEXITSTATUS(status);
	fw_report(t, procs);
	return bad;
}
