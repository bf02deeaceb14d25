# The project's own shell scripts: shellcheck over all of them, and the
# one way they fail (scripts/lib.sh) never silent under dash.
SCLINK_SCRIPT_TESTS = tests/scripts/shellcheck.sh tests/scripts/errors.sh \
	tests/scripts/sclink-run-args.sh
TESTS += $(SCLINK_SCRIPT_TESTS)
EXTRA_DIST += $(SCLINK_SCRIPT_TESTS) scripts/lib.sh
