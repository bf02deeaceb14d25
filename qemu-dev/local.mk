# qemu-dev/: the sclink-pci QEMU device.  It is not built by make: QEMU is
# built from Debian's source with the device grafted in, by
# scripts/build-qemu (cached under $SCLINK_CACHE, default /var/cache/sclink).
# `make qemu` builds it (or finds the cached binary) and prints its path.

EXTRA_DIST += \
	scripts/build-qemu \
	qemu-dev/sclink-pci.c \
	qemu-dev/sclink-link.c \
	qemu-dev/sclink-wait.c \
	qemu-dev/sclink-chan.c \
	qemu-dev/sclink-time.c \
	qemu-dev/sclink-access.c \
	qemu-dev/sclink-pci.h \
	qemu-dev/sclink-compat.h \
	qemu-dev/trace-events \
	qemu-dev/trace.h \
	qemu-dev/graft.sh \
	qemu-dev/meson.build.in \
	qemu-dev/Kconfig.in

qemu:
	$(top_srcdir)/scripts/build-qemu

.PHONY: qemu

# End-to-end tests (tests/e2e/, doc/qemu-device.md): the test guest in the
# sclink QEMU against sc-gateway/sclink-gateway.  The first run builds QEMU
# (scripts/build-qemu) and the guest (guest/build-initramfs) into
# $SCLINK_CACHE; later runs find them cached.  Each test boots QEMU once or
# twice (about 5-15 s a boot).
SCLINK_E2E_TESTS = \
	tests/e2e/unix.sh \
	tests/e2e/tcp.sh \
	tests/e2e/chardev.sh \
	tests/e2e/netns-delay.sh \
	tests/e2e/tls.sh \
	tests/e2e/tls-link.sh \
	tests/e2e/determinism.sh \
	tests/e2e/two-devices.sh \
	tests/e2e/smp.sh \
	tests/e2e/unplug.sh \
	tests/e2e/fault-killed.sh \
	tests/e2e/fault-idle.sh \
	tests/e2e/gateway-stop.sh \
	tests/e2e/pause.sh \
	tests/e2e/device-reset.sh \
	tests/e2e/wait-icount.sh \
	tests/e2e/fault-garbage.sh \
	tests/e2e/fault-unmapped.sh \
	tests/e2e/msix.sh \
	tests/e2e/msi.sh \
	tests/e2e/bad-properties.sh \
	tests/e2e/peer-text.sh \
	tests/e2e/fuzz-qemu.sh \
	tests/e2e/pci-driver.sh
TESTS += $(SCLINK_E2E_TESTS)
# Stand-ins the tests run: a delaying TCP relay, a gateway that answers
# with garbage, the hostile gateway of the QEMU-side fuzzing and its QMP
# health probe.
check_PROGRAMS += tests/e2e/delay-relay tests/e2e/garbage-gateway \
	tests/e2e/fuzz-gateway tests/e2e/qmp-probe
tests_e2e_delay_relay_SOURCES = tests/e2e/delay-relay.c
tests_e2e_garbage_gateway_SOURCES = tests/e2e/garbage-gateway.c
tests_e2e_fuzz_gateway_SOURCES = tests/e2e/fuzz-gateway.c tests/e2e/fuzz-gateway.h \
	tests/e2e/fuzz-plan.c tests/e2e/fuzz-send.c
tests_e2e_fuzz_gateway_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_e2e_fuzz_gateway_LDADD = proto/libsclink.la $(PROTOBUF_C_LIBS)
tests_e2e_qmp_probe_SOURCES = tests/e2e/qmp-probe.c
EXTRA_DIST += $(SCLINK_E2E_TESTS) tests/e2e/lib.sh tests/e2e/fuzz-qemu.seeds \
	tests/common/make-tls-creds

# Every test needs the gateway; the netns and fault tests need the helpers.
# With these, `make -j check` builds them before any test starts.
tests/e2e/unix.sh.log tests/e2e/tcp.sh.log tests/e2e/chardev.sh.log tests/e2e/netns-delay.sh.log \
tests/e2e/tls.sh.log tests/e2e/tls-link.sh.log \
tests/e2e/determinism.sh.log tests/e2e/two-devices.sh.log tests/e2e/smp.sh.log \
tests/e2e/unplug.sh.log \
tests/e2e/fault-killed.sh.log tests/e2e/fault-idle.sh.log tests/e2e/gateway-stop.sh.log \
tests/e2e/pause.sh.log tests/e2e/device-reset.sh.log tests/e2e/wait-icount.sh.log tests/e2e/fault-garbage.sh.log tests/e2e/fault-unmapped.sh.log \
tests/e2e/msix.sh.log tests/e2e/msi.sh.log tests/e2e/bad-properties.sh.log \
tests/e2e/peer-text.sh.log tests/e2e/fuzz-qemu.sh.log: \
	sc-gateway/sclink-gateway$(EXEEXT) \
	tests/e2e/delay-relay$(EXEEXT) tests/e2e/garbage-gateway$(EXEEXT) \
	tests/e2e/fuzz-gateway$(EXEEXT) tests/e2e/qmp-probe$(EXEEXT)
# examples/pci-driver's test loads its model from the example's plugin.
PCI_DRIVER_LOG = tests/e2e/pci-driver.sh.log
$(PCI_DRIVER_LOG): sc-gateway/sclink-gateway$(EXEEXT) examples/pci-driver/libsclink-crc32.la

# make fuzz-qemu [FUZZ_QEMU_MINUTES=10]: tests/e2e/fuzz-qemu.sh with random
# seeds for that long (one guest boot per seed); a seed that fails is added
# to tests/e2e/fuzz-qemu.seeds, which make check replays.
FUZZ_QEMU_MINUTES = 10
fuzz-qemu: sc-gateway/sclink-gateway$(EXEEXT) tests/e2e/fuzz-gateway$(EXEEXT) \
		tests/e2e/qmp-probe$(EXEEXT)
	FUZZ_QEMU_MINUTES=$(FUZZ_QEMU_MINUTES) \
	FUZZ_QEMU_SEEDS_FILE=$(abs_top_srcdir)/tests/e2e/fuzz-qemu.seeds \
	top_srcdir=$(top_srcdir) top_builddir=$(top_builddir) \
		$(top_srcdir)/tests/e2e/fuzz-qemu.sh

.PHONY: fuzz-qemu

# make check-qemu-versions: the end-to-end suite against every supported
# QEMU (Debian's 7.2, 10.0 and 10.2), each built from source on first use
# and cached.  make check-qemu-newest: against the newest QEMU source the
# archive serves; run it weekly, so that the next API change in QEMU is
# found by us and not by users (doc/qemu-device.md).
check-qemu-versions: all
	$(top_srcdir)/scripts/check-qemu-versions $(MAKE) $(SCLINK_E2E_TESTS)
check-qemu-newest: all
	$(top_srcdir)/scripts/check-qemu-versions --newest $(MAKE) $(SCLINK_E2E_TESTS)

.PHONY: check-qemu-versions check-qemu-newest
EXTRA_DIST += scripts/check-qemu-versions
