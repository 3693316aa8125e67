# SPDX-License-Identifier: GPL-2.0
#
#   make            build kmod/ndvmfw.ko and ctl/fwctl
#   make deps       install every Debian package the build, tests and demo need
#   make check      the test suite (unit tests, both kernels in QEMU, the
#                   NDVM image's boot tests, the real-Xen test)
#   make check-long the long runs (about 4.5 hours): the differential test
#                   against nftables (1,000 rule sets x 1,000 packets per
#                   kernel), the fuzzers and the soak at full size,
#                   libFuzzer; in stages, and run again it goes on after
#                   the last stage that passed (scripts/check-long.sh)
#   make check-debug the VM tests, both fuzzers and fault injection on every
#                   allocation of the load path, on a debug kernel (KASAN,
#                   kmemleak, lockdep, failslab) built once from
#                   linux-source-6.1 into $NDVMFW_CACHE/debug-kernel
#   make check-xen  the real-Xen test: Xen 4.17 in QEMU TCG, dom0 with the
#                   module and a PV guest, then the NDVM image as a PV
#                   driver domain (selftests/xen/run.sh)
#   make ndvm       the userspace-less NDVM image (build/ndvm/VER/)
#   make demo       boot the NDVM image in QEMU with a guest and an uplink,
#                   sealed with rules/demo.rules, and drive flows through it
#   make bench-native  classifier lookup speed against DPDK rte_acl and a
#                   linear scan on ClassBench-like rule sets (bench/native.c);
#                   BENCH_SIZES=100 for a quick run
#   make bench-vm   packets per second through ndvmfw, nftables (linear and
#                   interval set) and iptables-legacy at N = 100..100k rules,
#                   one QEMU TCG boot per kernel, interleaved rounds; writes
#                   build/bench-vm/RESULTS.md and results.png (bench/vm.sh;
#                   BENCH_VM_QUICK=1 for a quick run, BENCH_VM_PERF=1 to
#                   profile with perf)
#
# KDIR selects the kernel to build the module for; by default the running
# kernel's build tree, else the Debian 6.1 headers "make deps" installs.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(shell scripts/kernels.sh kdir 2>/dev/null))

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -std=gnu11 \
	       -Ikmod -Ictl $(shell pkg-config --cflags libmnl nettle 2>/dev/null)
USER_LIBS := -lmnl -lnettle

FWCTL_SRCS := ctl/fwctl.c ctl/check.c ctl/load.c ctl/seal.c ctl/status.c \
	      ctl/stats.c ctl/dump.c ctl/translate.c ctl/common.c ctl/msg.c ctl/nl.c \
	      ctl/parse.c ctl/print.c ctl/boot.c ctl/net.c \
	      kmod/ruleset.c
FWCTL_HDRS := $(wildcard ctl/*.h) kmod/core.h kmod/env.h kmod/uapi/ndvmfw.h

all: module fwctl

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run 'make deps' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

fwctl: ctl/fwctl

ctl/fwctl: $(FWCTL_SRCS) $(FWCTL_HDRS)
	$(CC) $(USER_CFLAGS) -o $@ $(FWCTL_SRCS) $(USER_LIBS)

deps:
	scripts/deps.sh

check:
	scripts/deps.sh --if-missing
	selftests/run.sh

# Unit tests with more seeds, libFuzzer at 10^7 executions per harness,
# then in the VMs diff.sh (and one rule set of 100,000 rules), diffbr.sh
# (bridged, 200 x 1,000), the netlink and packet fuzzers and the soak at
# full size (10^6 messages, 10^7 frames, 10^4 loads and 10^3 insmods).
check-long:
	scripts/check-long.sh

# Not part of "make check": slow; results in docs/RELIABILITY.md.
check-debug:
	scripts/deps.sh --if-missing
	scripts/check-debug.sh

# Also part of "make check".
check-xen:
	scripts/deps.sh --if-missing
	selftests/xen/run.sh

ndvm:
	scripts/deps.sh --if-missing
	scripts/mkndvm.sh --kver $${KVER:-6.1}

demo:
	scripts/deps.sh --if-missing
	scripts/demo.sh

clean:
	-test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -f ctl/fwctl
	rm -rf build

# bench/gen writes the rule sets and traces, bench/native times the engines.
BENCH_SIZES ?= 100 1000 10000 100000
BENCH_PACKETS ?= 100000
BENCH_SEED ?= 1
BENCH_DIR := build/bench
BENCH_SRCS := bench/native.c ctl/parse.c kmod/classify.c kmod/ruleset.c

$(BENCH_DIR)/gen: bench/gen.c kmod/env.h
	@mkdir -p $(BENCH_DIR)
	$(CC) $(USER_CFLAGS) -o $@ bench/gen.c

$(BENCH_DIR)/native: $(BENCH_SRCS) $(FWCTL_HDRS)
	@pkg-config --exists libdpdk || { apt-get update -qq && \
		apt-get install -y --no-install-recommends dpdk-dev; }
	@mkdir -p $(BENCH_DIR)
	$(CC) $(USER_CFLAGS) $$(pkg-config --cflags libdpdk) -o $@ \
		$(BENCH_SRCS) -lnettle $$(pkg-config --libs libdpdk)

bench-native: $(BENCH_DIR)/gen $(BENCH_DIR)/native
	@echo "bench/gen: acl fw ipc x $(BENCH_SIZES) rules, seed $(BENCH_SEED), $(BENCH_PACKETS) packets"
	@for p in acl fw ipc; do for n in $(BENCH_SIZES); do \
		$(BENCH_DIR)/gen -p $$p -n $$n -s $(BENCH_SEED) \
			-t $(BENCH_PACKETS) -o $(BENCH_DIR)/$$p-$$n || exit 1; \
	done; done
	$(BENCH_DIR)/native $(BENCH_DIR) $(BENCH_SIZES)

# Variables: see bench/vm.sh (BENCH_VM_SIZES, _ROUNDS, _SECONDS, _KERNELS...).
bench-vm:
	bench/vm.sh

.PHONY: all module fwctl deps check check-long check-debug check-xen ndvm demo clean bench-native bench-vm
