# guest/: the test guest.  Nothing is built by make here: the kernel, the
# initramfs and the static test program are made at test time by
# guest/build-initramfs into $SCLINK_CACHE/guest (never committed).
# `make guest` builds it (or finds it cached) and prints the two paths.

# What guest/build-initramfs builds the guest from (also installed, below).
SCLINK_GUEST_FILES = \
	guest/kernel-version \
	guest/init \
	guest/pci-sysfs.h \
	guest/guest-test.h \
	guest/sclink-guest-test.c \
	guest/sclink-guest-msi.c \
	guest/sclink-guest-bench.c \
	guest/sclink-guest-poke.c \
	guest/sclink-guest-reset.c \
	guest/sclink-guest-smp.c

EXTRA_DIST += \
	guest/build-initramfs \
	$(SCLINK_GUEST_FILES) \
	guest/demo-platform.yaml \
	guest/msix-platform.yaml \
	guest/msi-platform.yaml \
	guest/demo.sh

guest:
	$(top_srcdir)/guest/build-initramfs

.PHONY: guest

# What sclink-run needs at run time to build the guest, installed under
# $(pkgdatadir) in the source tree's layout (guest/build-initramfs finds
# ../scripts/lib.sh and its sources relative to itself).
nobase_pkgdata_SCRIPTS = guest/build-initramfs scripts/install-deps
nobase_pkgdata_DATA = $(SCLINK_GUEST_FILES) scripts/lib.sh

# The sample platforms the docs use, under $(pkgdatadir)/platforms (and
# examples/pci-driver's, examples/local.mk).
platformsdir = $(pkgdatadir)/platforms
platforms_DATA = guest/demo-platform.yaml guest/msi-platform.yaml guest/msix-platform.yaml
