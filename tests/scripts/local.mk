# The project's own shell scripts: shellcheck over all of them, and the
# one way they fail (scripts/lib.sh) never silent under dash.
SCLINK_SCRIPT_TESTS = tests/scripts/shellcheck.sh tests/scripts/errors.sh \
	tests/scripts/sclink-run-args.sh tests/scripts/man-pages.sh
TESTS += $(SCLINK_SCRIPT_TESTS)
# The man pages against the programs' --help (and sclink-qemu's against
# the device's properties, in the QEMU scripts/build-qemu builds).
MAN_PAGES_LOG = tests/scripts/man-pages.sh.log
$(MAN_PAGES_LOG): sc-gateway/sclink-gateway$(EXEEXT) tools/sclink-client$(EXEEXT)
EXTRA_DIST += $(SCLINK_SCRIPT_TESTS) scripts/lib.sh
