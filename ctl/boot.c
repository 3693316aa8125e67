// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl boot: PID 1 of the NDVM image (it is also /init there).
 *
 *  1. mount /proc, /sys and /dev (devtmpfs);
 *  2. load the modules listed in /lib/ndvmfw/modules with finit_module(),
 *     ndvmfw.ko before any NIC driver, passing "MODULE.param=value" from
 *     the kernel command line as modprobe would, and delete each file
 *     from the initramfs once loaded;
 *  3. mount the rules medium read-only: ndvm.medium=DEV (default /dev/vda,
 *     then /dev/xvda), squashfs, iso9660 or ext4, waiting up to
 *     ndvm.wait=SECONDS (default 10) for it to appear;
 *  4. parse ndvm.rules and ndvm.net (optional) from it, in full, before
 *     changing anything (they, and ndvm.digest, must be regular files);
 *  5. check the rule set's digest against ndvmfw.digest= on the command
 *     line and/or the file ndvm.digest on the medium (at least one must be
 *     there; every one given must match);
 *  6. load and seal in one request, and read the digest back;
 *  7. apply the network section through rtnetlink;
 *  8. set kernel.modules_disabled=1;
 *  9. print "sealed digest=HEX rules=N uptime=S" on the console;
 * 10. close every file descriptor and sleep for ever: runlevel 0.
 *
 * Any failure prints "ndvm: FAILED: reason" and goes to sleep too, with
 * nothing opened up: ndvmfw drops everything until a rule set is loaded,
 * and the interfaces stay down unless the network section was applied
 * after the seal. A failure in the network section, after the seal, says
 * "rules sealed": they are in force, the section stopped there.
 *
 * PID 1 boots whatever its arguments (the kernel passes it the command
 * line words it does not know). Not PID 1 (a test), it does the same but
 * returns instead of sleeping.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "fwctl.h"
#include "net.h"
#include "parse.h"

#define FW_BOOT_MODULES	"/lib/ndvmfw/modules"
#define FW_BOOT_MNT	"/media"
#define FW_BOOT_RULES	FW_BOOT_MNT "/ndvm.rules"
#define FW_BOOT_DIGEST	FW_BOOT_MNT "/ndvm.digest"
#define FW_BOOT_NET	FW_BOOT_MNT "/ndvm.net"

struct fw_boot {
	char cmdline[4096];
	char *arg[256];		/* the command line, split at spaces */
	int narg;
	const char *medium;	/* ndvm.medium=, or NULL for the defaults */
	const char *debug;	/* ndvm.debug= */
	int wait;		/* ndvm.wait=, seconds */
	u8 digest[NDVMFW_DIGEST_LEN];
	u32 nrules;
	bool sealed;		/* the rules are in force from then on */
	struct fw_rules rules;
	struct fw_net net;
};

static void fw_boot_say(const char *fmt, ...)
{
	va_list ap;

	fputs("ndvm: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static double fw_uptime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fw_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- the kernel command line ---- */

static const char *fw_boot_arg(const struct fw_boot *b, const char *key)
{
	size_t len = strlen(key);
	int i;

	for (i = 0; i < b->narg; i++)
		if (!strncmp(b->arg[i], key, len) && b->arg[i][len] == '=')
			return b->arg[i] + len + 1;
	return NULL;
}

/*
 * The keys read here, each at most once: fwctl takes the first, the
 * kernel's parameter parser the last (ndvmfw.digest= is both).
 */
static int fw_boot_once(const struct fw_boot *b)
{
	static const char *const keys[] = {
		"ndvm.medium", "ndvm.debug", "ndvm.wait", "ndvmfw.digest"
	};
	size_t k, len;
	int i, n;

	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		len = strlen(keys[k]);
		for (i = 0, n = 0; i < b->narg; i++)
			n += !strncmp(b->arg[i], keys[k], len) &&
			     b->arg[i][len] == '=';
		if (n > 1)
			return fw_fail("%s= more than once on the kernel command line",
				       keys[k]);
	}
	return 0;
}

static int fw_boot_cmdline(struct fw_boot *b)
{
	const char *s;
	char *p, *save;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fw_fail("/proc/cmdline: %s", strerror(errno));
	n = read(fd, b->cmdline, sizeof(b->cmdline) - 1);
	close(fd);
	if (n < 0)
		return fw_fail("/proc/cmdline: %s", strerror(errno));
	b->cmdline[n] = '\0';
	for (p = strtok_r(b->cmdline, " \t\n", &save); p;
	     p = strtok_r(NULL, " \t\n", &save)) {
		if (b->narg == (int)ARRAY_SIZE(b->arg))
			return fw_fail("more than %zu words on the kernel command line",
				       ARRAY_SIZE(b->arg));
		b->arg[b->narg++] = p;
	}
	if (fw_boot_once(b))
		return 1;
	b->medium = fw_boot_arg(b, "ndvm.medium");
	b->debug = fw_boot_arg(b, "ndvm.debug");
	b->wait = 10;
	s = fw_boot_arg(b, "ndvm.wait");
	if (s) {
		b->wait = atoi(s);
		if (b->wait < 0 || b->wait > 3600)
			return fw_fail("ndvm.wait=%s: want 0 to 3600 seconds", s);
	}
	return 0;
}

/* ---- modules ---- */

/*
 * "param=value ..." for module @name from "name.param=value" words; fails
 * rather than leave out one that does not fit.
 */
static int fw_boot_params(const struct fw_boot *b, const char *name,
			  char *buf, size_t len)
{
	size_t n = strlen(name), used = 0;
	int i, w;

	buf[0] = '\0';
	for (i = 0; i < b->narg; i++) {
		if (strncmp(b->arg[i], name, n) || b->arg[i][n] != '.')
			continue;
		w = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
			     b->arg[i] + n + 1);
		if (w < 0 || (size_t)w >= len - used)
			return fw_fail("module %s: parameters beyond %zu bytes",
				       name, len - 1);
		used += w;
	}
	return 0;
}

static int fw_boot_insmod(const struct fw_boot *b, const char *path)
{
	char name[64], params[1024], *dot;
	const char *base = strrchr(path, '/');
	size_t i;
	int fd, ret;

	base = base ? base + 1 : path;
	if (strlen(base) >= sizeof(name))
		return fw_fail("module file name %s too long", base);
	strcpy(name, base);
	dot = strstr(name, ".ko");
	if (dot)
		*dot = '\0';
	for (i = 0; name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
	if (fw_boot_params(b, name, params, sizeof(params)))
		return 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fw_fail("module %s: %s", path, strerror(errno));
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	/* a driver for absent hardware, e.g. xen-netfront outside Xen */
	if (ret && (errno == ENODEV || errno == ENXIO) && strcmp(name, "ndvmfw"))
		ret = 0;
	if (ret && errno != EEXIST)
		return fw_fail("module %s: %s", name, strerror(errno));
	/*
	 * The initramfs is RAM: as PID 1, free the file once the kernel has
	 * its own copy, which lowers the memory an NDVM needs to boot.
	 */
	if (getpid() == 1)
		unlink(path);
	return 0;
}

static int fw_boot_modules(const struct fw_boot *b)
{
	char line[512];
	int ret = 0;
	size_t len;
	FILE *f;

	f = fopen(FW_BOOT_MODULES, "re");
	if (!f)
		return fw_fail("%s: %s", FW_BOOT_MODULES, strerror(errno));
	while (!ret && fgets(line, sizeof(line), f)) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (len && line[0] != '#')
			ret = fw_boot_insmod(b, line);
	}
	fclose(f);
	return ret;
}

/* ---- the rules medium ---- */

static int fw_boot_mount(const struct fw_boot *b)
{
	static const char *const defaults[] = { "/dev/vda", "/dev/xvda" };
	static const char *const types[] = { "squashfs", "iso9660", "ext4" };
	const unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV |
				    MS_NOEXEC;
	const char *dev = NULL;
	struct stat st;
	int tries, err = 0;
	size_t i;

	for (tries = 0; !dev && tries <= b->wait * 10; tries++) {
		if (b->medium && !stat(b->medium, &st))
			dev = b->medium;
		for (i = 0; !b->medium && i < ARRAY_SIZE(defaults); i++)
			if (!stat(defaults[i], &st))
				dev = defaults[i];
		if (!dev)
			fw_msleep(100);
	}
	if (!dev)
		return fw_fail("no rules medium: %s did not appear in %d s",
			       b->medium ? b->medium : "/dev/vda or /dev/xvda",
			       b->wait);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (!mount(dev, FW_BOOT_MNT, types[i], flags,
			   strcmp(types[i], "ext4") ? NULL : "noload"))
			return 0;
		if (errno != EINVAL || !err)
			err = errno;
	}
	return fw_fail("cannot mount %s read-only as squashfs, iso9660 or ext4: %s",
		       dev, strerror(err));
}

static int fw_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* @len bytes from 2 * @len hex digits, then the end of a word. */
static int fw_unhex(const char *s, u8 *out, size_t len)
{
	size_t i;

	for (i = 0; i < 2 * len; i++)
		if (fw_nibble(s[i]) < 0)
			return -1;
	if (s[i] && !isspace((unsigned char)s[i]))
		return -1;
	for (i = 0; i < len; i++)
		out[i] = fw_nibble(s[2 * i]) << 4 | fw_nibble(s[2 * i + 1]);
	return 0;
}

/* Compare the rule set's digest with every expected one given. */
static int fw_boot_digest(struct fw_boot *b)
{
	const char *cmd = fw_boot_arg(b, "ndvmfw.digest");
	u8 want[NDVMFW_DIGEST_LEN];
	char buf[256];
	int given = 0;
	ssize_t n;
	int fd;

	ndvmfw_ruleset_digest(&b->rules.rs, b->digest);
	if (cmd) {
		if (fw_unhex(cmd, want, sizeof(want)))
			return fw_fail("ndvmfw.digest=%s: want 64 hex digits", cmd);
		if (memcmp(want, b->digest, sizeof(want)))
			return fw_fail("digest mismatch: ndvmfw.digest=%s, %s has another",
				       cmd, FW_BOOT_RULES);
		given++;
	}
	fd = open(FW_BOOT_DIGEST, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (n < 0 || fw_unhex(buf, want, sizeof(want)))
			return fw_fail("%s: want 64 hex digits", FW_BOOT_DIGEST);
		if (memcmp(want, b->digest, sizeof(want)))
			return fw_fail("digest mismatch: %s differs from the digest of %s",
				       FW_BOOT_DIGEST, FW_BOOT_RULES);
		given++;
	} else if (errno != ENOENT) {
		return fw_fail("%s: %s", FW_BOOT_DIGEST, strerror(errno));
	}
	if (!given)
		return fw_fail("no expected digest: give ndvmfw.digest= or %s",
			       FW_BOOT_DIGEST);
	return 0;
}

/*
 * What the medium holds must be regular files (or absent): a FIFO would
 * block PID 1 in open(), a symbolic link could lead anywhere, /dev
 * included, and both before the digest is checked.
 */
static int fw_boot_regular(void)
{
	static const char *const files[] = {
		FW_BOOT_RULES, FW_BOOT_NET, FW_BOOT_DIGEST
	};
	struct stat st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (lstat(files[i], &st)) {
			if (errno == ENOENT)
				continue;
			return fw_fail("%s: %s", files[i], strerror(errno));
		}
		if (!S_ISREG(st.st_mode))
			return fw_fail("%s: not a regular file", files[i]);
	}
	return 0;
}

static int fw_boot_read(struct fw_boot *b)
{
	char err[1024];
	int ret;

	if (fw_boot_regular())
		return 1;
	if (fw_parse_file(FW_BOOT_RULES, &b->rules, err, sizeof(err)))
		return fw_fail("%s", err);
	b->nrules = b->rules.rs.nrules;
	ret = fw_net_parse(FW_BOOT_NET, &b->net);
	if (ret == -ENOENT)
		return 0;
	return ret ? 1 : 0;
}

/* ---- the kernel ---- */

static int fw_boot_seal(struct fw_boot *b)
{
	struct nlmsghdr *nlh;
	struct fw_status st;
	struct fw_nl n;
	int ret;

	if (fw_open(&n))
		return 1;
	nlh = fw_encode_load(&n, &b->rules.rs, NDVMFW_LOAD_F_SEAL);
	if (!nlh) {
		ret = fw_fail("%s", strerror(errno));
		goto out;
	}
	ret = fw_nl_talk(&n, nlh, NULL, NULL);
	free(nlh);
	if (ret) {
		ret = fw_kernel_fail(&n, ret);
		goto out;
	}
	ret = fw_get_status(&n, &st);
	if (ret) {
		ret = fw_kernel_fail(&n, ret);
		goto out;
	}
	if (!st.sealed || memcmp(st.digest, b->digest, sizeof(st.digest)))
		ret = fw_fail("the kernel reports another rule set than the one loaded");
out:
	fw_nl_close(&n);
	return ret;
}

static int fw_write_file(const char *path, const char *s)
{
	ssize_t len = strlen(s);
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len) {
		close(fd);
		return errno ? -errno : -EIO;
	}
	return close(fd) ? -errno : 0;
}

/* ndvmfw loaded with fail_open=1 accepts everything until a load */
static bool fw_boot_fail_open(void)
{
	char c = 'N';
	int fd;

	fd = open("/sys/module/ndvmfw/parameters/fail_open",
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 'N';
	close(fd);
	return c == 'Y';
}

static void fw_boot_mounts(void)
{
	/* already there (not PID 1) is fine */
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
}

static int fw_boot_run(struct fw_boot *b)
{
	fw_boot_mounts();
	if (fw_boot_cmdline(b) || fw_boot_modules(b) || fw_boot_mount(b))
		return 1;
	if (fw_boot_read(b) || fw_boot_digest(b))
		return 1;
	umount(FW_BOOT_MNT);
	if (fw_boot_seal(b))
		return 1;
	b->sealed = true;
	return fw_net_apply(&b->net, b->wait) ? 1 : 0;
}

/* After sealing, a debug image may run one program (ndvm.debug=PATH). */
static void fw_boot_debug(const struct fw_boot *b)
{
	if (!b->debug || access(b->debug, X_OK))
		return;
	signal(SIGCHLD, SIG_IGN);	/* reaped by the kernel */
	if (fork() == 0) {
		execl(b->debug, b->debug, (char *)NULL);
		_exit(127);
	}
}

int fw_cmd_boot(int argc, char *argv[])
{
	static struct fw_boot b;
	char hex[2 * NDVMFW_DIGEST_LEN + 1];
	int ret, err, i;

	if (argc != 1)
		return fw_fail("usage: fwctl boot (the NDVM's PID 1)");
	ret = fw_boot_run(&b);
	err = fw_write_file("/proc/sys/kernel/modules_disabled", "1\n");
	if (!ret && err)
		ret = fw_fail("kernel.modules_disabled: %s", strerror(-err));
	if (ret && b.sealed) {
		fw_boot_say("FAILED: %s; rules sealed, network section stopped there",
			    fw_error());
	} else if (ret && fw_boot_fail_open()) {
		fw_boot_say("FAILED: %s; ndvmfw.fail_open=1: accepting everything",
			    fw_error());
	} else if (ret) {
		fw_boot_say("FAILED: %s; staying fail-closed", fw_error());
	} else {
		for (i = 0; i < NDVMFW_DIGEST_LEN; i++)
			sprintf(hex + 2 * i, "%02x", b.digest[i]);
		printf("sealed digest=%s rules=%u uptime=%.3f\n", hex,
		       b.nrules, fw_uptime());
		fflush(stdout);
		fw_boot_debug(&b);
	}
	fw_rules_free(&b.rules);
	fw_net_free(&b.net);
	if (getpid() != 1)
		return ret ? fw_fail("%s", fw_error()) : 0;
	syscall(SYS_close_range, 0U, ~0U, 0U);
	for (;;)
		pause();
}
