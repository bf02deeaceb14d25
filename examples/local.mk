# examples/: sclink used from outside.  custom-main is a user's sc_main that
# loads a platform file with the library's loader and maps its own module
# beside the file's models; the counter plugin adds a model
# type to sclink-gateway; protocol-bridge puts a target of other protocol
# traits behind the router; pci-driver is a model with DMA and MSI and
# the Linux driver for it.  All are built and run by `make check`.

check_PROGRAMS += examples/custom-main/custom-main
examples_custom_main_custom_main_SOURCES = examples/custom-main/custom_main.cc
examples_custom_main_custom_main_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/include \
	$(SYSTEMC_CFLAGS) $(PROTOBUF_C_CFLAGS)
examples_custom_main_custom_main_LDADD = sc-gateway/libsclink-gateway.la \
	$(SYSTEMC_LIBS) $(PROTOBUF_C_LIBS)

# A module, not installed: -rpath makes libtool build the shared object.
check_LTLIBRARIES += examples/plugin/libsclink-counter.la
examples_plugin_libsclink_counter_la_SOURCES = examples/plugin/counter_plugin.cc
examples_plugin_libsclink_counter_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/include \
	$(SYSTEMC_CFLAGS)
examples_plugin_libsclink_counter_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
examples_plugin_libsclink_counter_la_LIBADD = sc-gateway/libsclink-gateway.la $(SYSTEMC_LIBS)

# examples/pci-driver: a CRC-32 engine as a plugin, and its Linux driver
# and guest programs, which tests/e2e/pci-driver.sh builds at test time
# against the guest kernel's headers (nothing built there is committed).
check_LTLIBRARIES += examples/pci-driver/libsclink-crc32.la
examples_pci_driver_libsclink_crc32_la_SOURCES = examples/pci-driver/crc32_model.cc
examples_pci_driver_libsclink_crc32_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/include \
	$(SYSTEMC_CFLAGS)
examples_pci_driver_libsclink_crc32_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
examples_pci_driver_libsclink_crc32_la_LIBADD = sc-gateway/libsclink-gateway.la $(SYSTEMC_LIBS)
EXTRA_DIST += examples/pci-driver/README.md examples/pci-driver/Kbuild \
	examples/pci-driver/crc32dev.c examples/pci-driver/crc32-check.c \
	examples/pci-driver/crc32-test.sh examples/pci-driver/platform.yaml

# Its platform, installed with the samples (guest/local.mk) as
# pci-driver.yaml.
install-data-local: install-pci-driver-platform
uninstall-local: uninstall-pci-driver-platform
install-pci-driver-platform:
	$(MKDIR_P) "$(DESTDIR)$(platformsdir)"
	$(INSTALL_DATA) "$(srcdir)/examples/pci-driver/platform.yaml" "$(DESTDIR)$(platformsdir)/pci-driver.yaml"
uninstall-pci-driver-platform:
	rm -f "$(DESTDIR)$(platformsdir)/pci-driver.yaml"
.PHONY: install-pci-driver-platform uninstall-pci-driver-platform

# The protocol bridge needs Accellera's lt_target_extension_mandatory, so
# its test builds it at test time, from libsystemc-doc's sources.
EXTRA_DIST += examples/protocol-bridge/bridge_plugin.cc examples/custom-main/platform.yaml

EXAMPLE_TESTS = tests/gateway/example-library.sh tests/gateway/example-plugin.sh \
	tests/gateway/example-protocol-bridge.sh tests/gateway/plugin-abi.sh \
	tests/gateway/install.sh
TESTS += $(EXAMPLE_TESTS)
EXTRA_DIST += $(EXAMPLE_TESTS)

# What each example's test runs, built first when its log is made on its
# own; targets named through variables, as in sc-gateway/local.mk.
EXAMPLE_LOGS = $(patsubst %.sh,%.sh.log,$(EXAMPLE_TESTS))
$(EXAMPLE_LOGS): sc-gateway/sclink-gateway$(EXEEXT) tools/sclink-client$(EXEEXT)
EXAMPLE_LIBRARY_LOG = tests/gateway/example-library.sh.log
$(EXAMPLE_LIBRARY_LOG): examples/custom-main/custom-main$(EXEEXT)
EXAMPLE_PLUGIN_LOG = tests/gateway/example-plugin.sh.log
$(EXAMPLE_PLUGIN_LOG): examples/plugin/libsclink-counter.la

# install.sh's `make install` relinks the libraries into the build tree's
# .libs while it installs them, and a gateway another test starts at that
# moment loads a half-written one ("invalid ELF header", seen in CI): it
# runs after every other test.  The target is named through a variable so
# that automake keeps its own rule for it and only the prerequisites add.
INSTALL_TEST_LOG = tests/gateway/install.sh.log
$(INSTALL_TEST_LOG): $(filter-out $(INSTALL_TEST_LOG),$(TEST_LOGS))
