#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The differential test against nftables (diff.sh) on the bridged NDVM:
# guests and uplink are ports of br0, ndvmfw judges at the bridge's
# forward hook and nftables in the bridge table of `fwctl translate`.
# Size: ndvmfw.diffbr=SETSxPKTS[@SEED] on the kernel command line,
# default 20 x 200 from seed 5001.
DIFF_MODE=bridge
. /tests/diff.sh
