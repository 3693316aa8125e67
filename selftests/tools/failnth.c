// SPDX-License-Identifier: GPL-2.0
/*
 * failnth: fault injection on every allocation of the load path, one at a
 * time (the kernel's fail-nth, CONFIG_FAULT_INJECTION; make check-debug).
 *
 *   failnth [-S] [-b BASE] [-m MAX] [-d EVERY] RULES
 *   failnth -i MODULE.ko [-o PARAMS] [-m MAX]
 *
 * RULES is encoded into one NDVMFW_CMD_LOAD message (as fwctl load does).
 * For N = 1, 2, ...: N is written to /proc/thread-self/fail-nth, the
 * message is sent and its reply read, and fail-nth is read back (0: the
 * N-th fault point of the task was reached, and that allocation failed)
 * and disarmed. Which allocations can fail is the kernel's setting
 * (debugfs failslab/ and fail_page_alloc/: ignore-gfp-wait=N and so on).
 *
 * After every attempt, status must show one of two states: the one
 * before the attempt (same generation, same digest: nothing of the failed
 * load is visible), or, when the load succeeded, the next generation with
 * the digest of RULES. A reply of 0 must mean the latter, an errno the
 * former (unless the reply itself was lost: then either will do). Every
 * EVERY attempts (default 25) and after every success, the dumped rule
 * set must also hash to the status digest, and after every success each
 * existing interface a bind statement of RULES names must have that
 * identity (a commit stands with all of them or does not happen).
 *
 * It stops when a load succeeds with no fault injected: every fault point
 * of the path has failed once. -b BASE loads BASE (without faults) after
 * each success, so that every attempt starts from the same rule set, and
 * BASE is active at the end. -S: the module is sealed; every attempt must
 * be refused and change nothing, and the run stops at the first EPERM
 * without a fault. -m MAX: give up after MAX attempts (default 100000).
 *
 * -i: insmod instead (finit_module(2) of MODULE.ko, not loaded yet, with
 * PARAMS): every fault point of loading and initialising the module fails
 * once. A failed attempt must leave no module and no "ndvmfw" generic
 * netlink family behind; one that succeeded in spite of a fault is
 * unloaded again. It stops when the module loads with no fault injected,
 * and leaves it loaded.
 *
 * Prints the attempts, the faults injected, the loads that succeeded in
 * spite of one (the kernel recovered, e.g. kvmalloc fell back to vmalloc)
 * and the errnos; exit status 0 if every check held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include "msg.h"
#include "parse.h"

struct fw_state {
	bool loaded, sealed;
	u64 generation;
	u8 digest[NDVMFW_DIGEST_LEN];
};

static int fail_fd = -1;

static int fail_nth_set(unsigned long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lu", n);

	if (pwrite(fail_fd, buf, len, 0) != len) {
		perror("failnth: write fail-nth");
		return -1;
	}
	return 0;
}

static long fail_nth_get(void)
{
	char buf[32];
	ssize_t len = pread(fail_fd, buf, sizeof(buf) - 1, 0);

	if (len <= 0) {
		perror("failnth: read fail-nth");
		return -1;
	}
	buf[len] = 0;
	return strtol(buf, NULL, 10);
}

static int get_state(struct fw_nl *n, struct fw_state *s)
{
	struct fw_status st;
	int ret = fw_get_status(n, &st);

	if (ret) {
		fprintf(stderr, "failnth: status: %s %s\n", strerror(-ret),
			n->err);
		return -1;
	}
	s->loaded = st.loaded;
	s->sealed = st.sealed;
	s->generation = st.generation;
	memcpy(s->digest, st.digest, sizeof(s->digest));
	return 0;
}

/* The dumped rule set hashes to the status digest. */
static int check_dump(struct fw_nl *n, const struct fw_state *s)
{
	u8 d[NDVMFW_DIGEST_LEN];
	struct fw_dump dump;
	int ret = fw_get_dump(n, &dump);

	if (ret) {
		fprintf(stderr, "failnth: dump: %s %s\n", strerror(-ret),
			n->err);
		return -1;
	}
	ret = 0;
	if (dump.loaded != s->loaded || dump.generation != s->generation) {
		fprintf(stderr, "failnth: dump of generation %llu, status says %llu\n",
			(unsigned long long)dump.generation,
			(unsigned long long)s->generation);
		ret = -1;
	} else if (s->loaded) {
		ndvmfw_ruleset_digest(&dump.rs, d);
		if (memcmp(d, s->digest, sizeof(d))) {
			fprintf(stderr, "failnth: generation %llu: the dump does not hash to the status digest\n",
				(unsigned long long)s->generation);
			ret = -1;
		}
	}
	fw_dump_free(&dump);
	return ret;
}

/* The interface names the bind statements of RULES name. */
static char bound[64][IFNAMSIZ];
static u32 nbound;

/*
 * Every interface a bind statement names, if it exists, has that identity
 * (the link apply after a commit allocates it): returns how many do not.
 */
static int check_links(struct fw_nl *n)
{
	struct fw_link *links;
	u32 nlinks, i, j;
	int ret, missing = 0;

	if (!nbound)
		return 0;
	ret = fw_get_links(n, &links, &nlinks);
	if (ret) {
		fprintf(stderr, "failnth: links: %s %s\n", strerror(-ret),
			n->err);
		return -1;
	}
	for (i = 0; i < nbound; i++)
		for (j = 0; j < nlinks; j++)
			if (!strcmp(links[j].name, bound[i]) &&
			    links[j].ident != NDVMFW_IDENT_BIND)
				missing++;
	free(links);
	return missing;
}

static struct nlmsghdr *encode(struct fw_nl *n, const char *path, u8 *digest,
			       bool note_binds)
{
	struct nlmsghdr *nlh;
	char err[1024];
	struct fw_rules r;
	u32 i;

	if (fw_parse_file(path, &r, err, sizeof(err))) {
		fprintf(stderr, "failnth: %s\n", err);
		return NULL;
	}
	for (i = 0; note_binds && i < r.rs.nifrules && nbound < 64; i++)
		if (r.rs.ifrules[i].kind == NDVMFW_IFRULE_BIND)
			memcpy(bound[nbound++], r.rs.ifrules[i].iface.name,
			       IFNAMSIZ);
	ndvmfw_ruleset_digest(&r.rs, digest);
	nlh = fw_encode_load(n, &r.rs, 0);
	fw_rules_free(&r);
	if (!nlh)
		perror("failnth: encode");
	return nlh;
}

static void usage(void)
{
	fprintf(stderr, "usage: failnth [-S] [-b BASE] [-m MAX] [-d EVERY] RULES\n"
		"       failnth -i MODULE.ko [-o PARAMS] [-m MAX]\n");
	exit(2);
}

static bool module_loaded(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return true;	/* cannot tell: fail the check */
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "ndvmfw ", 7);
	fclose(f);
	return found;
}

/* -i: finit_module with the N-th fault point failing, N = 1, 2, ... */
static int insmod_loop(const char *ko, const char *params, unsigned long max)
{
	unsigned long n, tries = 0, injected = 0, survived = 0, err[256] = { 0 };
	bool hit, done = false;
	int fd, ret, bad = 0;
	struct fw_nl nl;
	long left;

	if (module_loaded()) {
		fprintf(stderr, "failnth: ndvmfw is loaded already\n");
		return 1;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(ko);
		return 1;
	}
	for (n = 1; n <= max && !done; n++) {
		tries++;
		if (fail_nth_set(n))
			return 1;
		ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
		left = fail_nth_get();
		if (left < 0 || fail_nth_set(0))
			return 1;
		hit = left == 0;
		injected += hit;
		err[-ret & 0xff]++;
		if (!ret) {
			if (!module_loaded()) {
				fprintf(stderr, "failnth: attempt %lu: finit_module succeeded, but no ndvmfw in /proc/modules\n",
					n);
				bad = 1;
				break;
			}
			survived += hit;
			done = !hit;
			if (hit && syscall(SYS_delete_module, "ndvmfw",
					   O_NONBLOCK)) {
				fprintf(stderr, "failnth: attempt %lu: rmmod: %s\n",
					n, strerror(errno));
				bad = 1;
				break;
			}
			continue;
		}
		if (!hit) {
			fprintf(stderr, "failnth: attempt %lu: insmod failed without an injected fault: %s\n",
				n, strerror(-ret));
			bad = 1;
			break;
		}
		if (module_loaded()) {
			fprintf(stderr, "failnth: attempt %lu: insmod failed (%s), but ndvmfw is in /proc/modules\n",
				n, strerror(-ret));
			bad = 1;
			break;
		}
		ret = fw_nl_open(&nl);
		if (ret != -ENOENT) {
			fprintf(stderr, "failnth: attempt %lu: insmod failed, but the ndvmfw family %s\n",
				n, ret ? strerror(-ret) : "is there");
			if (!ret)
				fw_nl_close(&nl);
			bad = 1;
			break;
		}
	}
	close(fd);
	if (!done && !bad) {
		fprintf(stderr, "failnth: no fault-free insmod after %lu attempts\n",
			max);
		bad = 1;
	}
	printf("failnth: insmod: %lu attempts, %lu faults injected, %lu loaded in spite of one, errnos:",
	       tries, injected, survived);
	for (n = 1; n < 256; n++)
		if (err[n])
			printf(" %s %lu,", strerror(n), err[n]);
	printf(" success %lu\n", err[0]);
	printf("failnth: %s\n", bad ? "FAILED" : "every check held");
	return bad;
}

int main(int argc, char *argv[])
{
	unsigned long n, max = 100000, every = 25, injected = 0, survived = 0;
	unsigned long checks = 0, tries = 0, err[256] = { 0 };
	u8 want[NDVMFW_DIGEST_LEN], base_digest[NDVMFW_DIGEST_LEN];
	struct nlmsghdr *load, *base = NULL;
	struct timeval tv = { .tv_sec = 60 };
	const char *base_path = NULL, *ko = NULL, *params = "";
	struct fw_state before, after;
	bool sealed = false, hit, done = false;
	int c, ret, bad = 0;
	struct fw_nl nl;
	long left;

	while ((c = getopt(argc, argv, "Sb:m:d:i:o:")) != -1) {
		switch (c) {
		case 'i':
			ko = optarg;
			break;
		case 'o':
			params = optarg;
			break;
		case 'S':
			sealed = true;
			break;
		case 'b':
			base_path = optarg;
			break;
		case 'm':
			max = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			every = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (ko) {
		if (optind != argc)
			usage();
		fail_fd = open("/proc/thread-self/fail-nth", O_RDWR);
		if (fail_fd < 0) {
			perror("failnth: /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION?)");
			return 1;
		}
		return insmod_loop(ko, params, max);
	}
	if (optind != argc - 1)
		usage();
	ret = fw_nl_open(&nl);
	if (ret) {
		fprintf(stderr, "failnth: cannot open the ndvmfw family: %s\n",
			strerror(-ret));
		return 1;
	}
	/* a lost reply must not hang the run */
	setsockopt(mnl_socket_get_fd(nl.sock), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	load = encode(&nl, argv[optind], want, true);
	if (!load)
		return 1;
	if (base_path) {
		base = encode(&nl, base_path, base_digest, false);
		if (!base)
			return 1;
		ret = fw_nl_talk(&nl, base, NULL, NULL);
		if (ret && !sealed) {
			fprintf(stderr, "failnth: loading %s: %s %s\n",
				base_path, strerror(-ret), nl.err);
			return 1;
		}
	}
	fail_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fail_fd < 0) {
		perror("failnth: /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION?)");
		return 1;
	}
	if (get_state(&nl, &before) || check_dump(&nl, &before))
		return 1;
	if (before.sealed != sealed) {
		fprintf(stderr, "failnth: the module is %ssealed%s\n",
			before.sealed ? "" : "not ",
			sealed ? "; -S wants it sealed" : "; use -S");
		return 1;
	}
	for (n = 1; n <= max && !done; n++) {
		tries++;
		if (fail_nth_set(n))
			return 1;
		ret = fw_nl_talk(&nl, load, NULL, NULL);
		left = fail_nth_get();
		if (left < 0 || fail_nth_set(0))
			return 1;
		hit = left == 0;
		injected += hit;
		err[-ret & 0xff]++;
		if (get_state(&nl, &after))
			return 1;
		checks++;
		/* ENOBUFS etc. on the receive side: the ack was lost */
		if (ret == -ENOBUFS || ret == -EAGAIN || ret == -ENOMEM) {
			if (after.generation != before.generation)
				ret = 0;
		}
		if (!ret) {
			if (sealed) {
				fprintf(stderr, "failnth: attempt %lu: a load succeeded on the sealed module\n",
					n);
				bad = 1;
				break;
			}
			if (after.generation != before.generation + 1 ||
			    !after.loaded ||
			    memcmp(after.digest, want, sizeof(want))) {
				fprintf(stderr, "failnth: attempt %lu: the load succeeded, but status has generation %llu (before %llu) and %s digest\n",
					n, (unsigned long long)after.generation,
					(unsigned long long)before.generation,
					memcmp(after.digest, want, sizeof(want)) ?
					"another" : "its");
				bad = 1;
				break;
			}
			survived += hit;
			done = !hit;
			ret = check_links(&nl);
			if (ret) {
				if (ret > 0)
					fprintf(stderr, "failnth: attempt %lu: the load succeeded%s, but %d bound interface%s no identity\n",
						n, hit ? " in spite of the fault" : "",
						ret, ret == 1 ? " has" : "s have");
				bad = 1;
				break;
			}
		} else {
			if (after.generation != before.generation ||
			    after.loaded != before.loaded ||
			    after.sealed != before.sealed ||
			    memcmp(after.digest, before.digest,
				   sizeof(before.digest))) {
				fprintf(stderr, "failnth: attempt %lu: the load failed (%s), but the state changed: generation %llu -> %llu, digest %s, sealed %d -> %d\n",
					n, strerror(-ret),
					(unsigned long long)before.generation,
					(unsigned long long)after.generation,
					memcmp(after.digest, before.digest,
					       sizeof(before.digest)) ?
					"changed" : "the same",
					before.sealed, after.sealed);
				bad = 1;
				break;
			}
			if (!hit) {
				/* nothing was injected: the plain outcome */
				if (sealed && ret == -EPERM) {
					done = true;
				} else {
					fprintf(stderr, "failnth: attempt %lu: the load failed without an injected fault: %s %s\n",
						n, strerror(-ret), nl.err);
					bad = 1;
					break;
				}
			}
		}
		if (!ret || n % every == 0 || done) {
			if (check_dump(&nl, &after)) {
				fprintf(stderr, "failnth: after attempt %lu\n", n);
				bad = 1;
				break;
			}
		}
		if (!ret && base) {
			ret = fw_nl_talk(&nl, base, NULL, NULL);
			if (ret) {
				fprintf(stderr, "failnth: reloading %s: %s %s\n",
					base_path, strerror(-ret), nl.err);
				bad = 1;
				break;
			}
			if (get_state(&nl, &after))
				return 1;
			if (memcmp(after.digest, base_digest,
				   sizeof(base_digest))) {
				fprintf(stderr, "failnth: %s loaded, but status has another digest\n",
					base_path);
				bad = 1;
				break;
			}
		}
		before = after;
	}
	if (!done && !bad) {
		fprintf(stderr, "failnth: no fault-free %s after %lu attempts\n",
			sealed ? "refusal" : "load", max);
		bad = 1;
	}
	printf("failnth: %lu attempts, %lu faults injected, %lu loads succeeded in spite of one, %lu state checks, errnos:",
	       tries, injected, survived, checks);
	for (c = 1; c < 256; c++)
		if (err[c])
			printf(" %s %lu,", strerror(c), err[c]);
	printf(" success %lu\n", err[0]);
	printf("failnth: %s\n", bad ? "FAILED" : "every check held");
	free(load);
	free(base);
	fw_nl_close(&nl);
	return bad;
}
