/* Check tests for the platform file loader: good files and every error path. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "../common/check-main.h"

static char path[64];

static const char *write_yaml(const char *text)
{
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/sclink-platform-%d.yaml", (int)getpid());
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static const char good[] =
    "name: demo\n"
    "listen: tcp:127.0.0.1:5555\n"
    "quantum_ns: 50000\n"
    "pci:\n"
    "  vendor_id: 0x1234\n"
    "  device_id: 0x5c1c\n"
    "  interrupt: msix\n"
    "  vectors: 4\n"
    "bars:\n"
    "  - index: 0\n"
    "    size: 0x100000\n"
    "    posted_writes: true\n"
    "  - {index: 2, size: 0x1000, base: 0x200000, 64bit: true}\n"
    "devices:\n"
    "  - name: ram\n"
    "    type: memory\n"
    "    base: 0x0\n"
    "    size: 0x10000\n"
    "    params:\n"
    "      readonly: \"false\"\n"
    "      file: /tmp/x.bin\n"
    "  - name: uart\n"
    "    type: uart\n"
    "    base: 0x10000\n"
    "    size: 0x100\n"
    "    irq: 1\n";

START_TEST(test_load_good)
{
    struct sclink_platform *p;
    char err[256] = "";

    ck_assert_int_eq(sclink_platform_load(write_yaml(good), &p, err, sizeof(err)), 0);
    ck_assert_str_eq(p->name, "demo");
    ck_assert_str_eq(p->listen, "tcp:127.0.0.1:5555");
    ck_assert_uint_eq(p->quantum_ns, 50000);
    ck_assert_uint_eq(p->timeout_ms, 10000); /* default */
    ck_assert_uint_eq(p->pci->vendor_id, 0x1234);
    ck_assert_int_eq(p->pci->interrupt, SCLINK_PLATFORM_IRQ_MSIX);
    ck_assert_uint_eq(p->bars_count, 2);
    ck_assert(p->bars[0].posted_writes);
    ck_assert(p->bars[1].is64);
    ck_assert_uint_eq(p->bars[1].base, 0x200000);
    ck_assert_uint_eq(p->devices_count, 2);
    ck_assert_ptr_null(p->devices[0].irq);
    ck_assert_int_eq(*p->devices[1].irq, 1);
    ck_assert_uint_eq(p->devices[0].line, 15);
    ck_assert_uint_eq(p->devices[1].line, 22);
    ck_assert_uint_eq(p->devices[0].params_count, 2);
    ck_assert_str_eq(p->devices[0].params[0].key, "readonly");
    ck_assert_str_eq(p->devices[0].params[0].value, "false");
    ck_assert_uint_eq(p->devices[0].params[0].line, 20);
    ck_assert_str_eq(p->devices[0].params[1].value, "/tmp/x.bin");
    ck_assert_uint_eq(p->devices[1].params_count, 0);
    sclink_platform_free(p);
    unlink(path);
}
END_TEST

/* Each bad file must fail with a message naming the file, line and key. */
static void expect_error(const char *text, const char *want)
{
    struct sclink_platform *p = NULL;
    char err[512] = "";

    ck_assert_int_lt(sclink_platform_load(write_yaml(text), &p, err, sizeof(err)), 0);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
    ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "error '%s' lacks the file", err);
    unlink(path);
}

static char *replace(const char *from, const char *to)
{
    static char buf[2048];
    const char *at = strstr(good, from);

    ck_assert_ptr_nonnull(at);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    return buf;
}

START_TEST(test_bad_value_names_line_and_key)
{
    expect_error(replace("vendor_id: 0x1234", "vendor_id: zz"), ":5: pci.vendor_id: Invalid");
}
END_TEST

START_TEST(test_unknown_key)
{
    expect_error(replace("quantum_ns", "quantum_nz"), ":3: ");
    expect_error(replace("quantum_ns", "quantum_nz"), "quantum_nz");
}
END_TEST

START_TEST(test_missing_key)
{
    expect_error(replace("  device_id: 0x5c1c\n", ""), "device_id");
}
END_TEST

START_TEST(test_bad_enum)
{
    expect_error(replace("interrupt: msix", "interrupt: pigeon"), "pci.interrupt");
}
END_TEST

START_TEST(test_nested_key_in_sequence)
{
    expect_error(replace("size: 0x100\n", "size: big\n"), "devices[1].size");
}
END_TEST

START_TEST(test_semantic_errors)
{
    expect_error(replace("size: 0x100000", "size: 0x3000"), "bars[0].size");
    expect_error(replace("index: 2", "index: 0"), "slot 0 is already taken");
    expect_error(replace("index: 2", "index: 5"), "bars[1].index");
    expect_error(replace("base: 0x200000", "base: 0xfffffffffffff800"),
                 "bars[1].base: 0xfffffffffffff800 + size 0x1000 wraps");
    expect_error(replace("name: uart", "name: ram"), ":22: devices[1].name: 'ram' is already used");
    expect_error(replace("size: 0x100\n", "size: 0\n"), "devices[1].size");
    expect_error(replace("vectors: 4", "vectors: 4096"), "pci.vectors");
    expect_error(replace("irq: 1", "irq: -3"), "devices[1].irq");
    /* doc/gateway.md "Interrupt lines": line N triggers vector N < vectors. */
    expect_error(replace("vectors: 4", "vectors: 1"),
                 ":22: devices[1].irq: line 1 of 'uart' triggers vector 1, but pci.vectors is 1");
    expect_error(replace("interrupt: msix\n  vectors: 4", "interrupt: msi\n  vectors: 1"),
                 "devices[1].irq: line 1 of 'uart' triggers vector 1, but pci.vectors is 1");
    expect_error(replace("interrupt: msix", "interrupt: none"),
                 "devices[1].irq: pci.interrupt is none, so line 1 of 'uart' reaches nothing");
    /* doc/gateway.md "Addresses": a device no BAR's window meets. */
    expect_error(replace("base: 0x10000\n", "base: 0x300000\n"),
                 ":22: devices[1].base: 'uart' at [0x300000, 0x3000ff] lies outside every BAR");
    expect_error(replace("base: 0x10000\n", "base: 0xffffffffffffff80\n"),
                 "devices[1].base: 'uart' at 0xffffffffffffff80 + size 0x100 wraps");
    expect_error(replace("      file: /tmp/x.bin\n", "      file: [a, b]\n"),
                 ":21: devices[0].params.file: expected a plain value");
}
END_TEST

/* targets: and irqs:, a model's several sockets and lines (doc/gateway.md). */
static const char uart_lists[] =
    "    targets:\n"
    "      - {base: 0x10000, size: 0x100}\n"
    "      - {base: 0x20000, size: 0x10, offset: 0x40, priority: 2}\n"
    "    irqs: [3, 1]\n";

START_TEST(test_lists)
{
    static char text[2048];
    struct sclink_platform *p;
    struct sclink_platform_window w;
    char err[256] = "";

    snprintf(text, sizeof(text), "%s", replace("    base: 0x10000\n    size: 0x100\n    irq: 1\n",
                                               uart_lists));
    ck_assert_msg(sclink_platform_load(write_yaml(text), &p, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(sclink_platform_device_targets(&p->devices[0]), 1);
    w = sclink_platform_device_target(&p->devices[0], 0);
    ck_assert_uint_eq(w.size, 0x10000);
    ck_assert_uint_eq(sclink_platform_device_lines(&p->devices[0]), 0);
    ck_assert_uint_eq(sclink_platform_device_targets(&p->devices[1]), 2);
    w = sclink_platform_device_target(&p->devices[1], 1);
    ck_assert_uint_eq(w.base, 0x20000);
    ck_assert_uint_eq(w.size, 0x10);
    ck_assert_uint_eq(w.offset, 0x40);
    ck_assert_int_eq(w.priority, 2);
    ck_assert_uint_eq(sclink_platform_device_lines(&p->devices[1]), 2);
    ck_assert_int_eq(sclink_platform_device_line(&p->devices[1], 0), 3);
    ck_assert_int_eq(sclink_platform_device_line(&p->devices[1], 1), 1);
    sclink_platform_free(p);
    unlink(path);

    expect_error(replace("    irq: 1\n", "    irq: 1\n    irqs: [2]\n"),
                 ":22: devices[1]: 'uart' has both irq and irqs");
    expect_error(replace("    irq: 1\n", "    irqs: [1, 2, 1]\n"),
                 "devices[1].irqs[2]: line 1 is listed twice");
    expect_error(replace("    irq: 1\n", "    irqs: [1, 4]\n"),
                 "devices[1].irqs[1]: line 4 of 'uart' triggers vector 4, but pci.vectors is 4");
    expect_error(replace("    irq: 1\n", "    irqs: [1, 3000]\n"),
                 "devices[1].irqs[1]: 3000 is not a line 0..2047");
    expect_error(replace("    irq: 1\n", "    irqs: []\n"), "devices[1].irqs");
    expect_error(replace("    base: 0x10000\n", "    targets: [{base: 0x10000, size: 0x10}]\n"),
                 ":22: devices[1]: 'uart' has both base/size/offset/priority and targets");
    expect_error(replace("    base: 0x10000\n    size: 0x100\n",
                         "    targets: [{base: 0x10000, size: 0}]\n"),
                 "devices[1].targets[0].size: 'uart' has size 0");
    expect_error(replace("    base: 0x10000\n    size: 0x100\n",
                         "    targets: [{base: 0x10000, size: 0x10}, {base: 0x300000, size: 4}]\n"),
                 "devices[1].targets[1].base: 'uart' at [0x300000, 0x300003] lies outside every BAR");
    expect_error(replace("    base: 0x10000\n    size: 0x100\n", ""),
                 "devices[1].size: 'uart' has size 0 (give base and size, or targets)");
}
END_TEST

START_TEST(test_yaml_syntax_error)
{
    expect_error("listen: [unclosed\n", ":");
    expect_error("just a string\n", "");
}
END_TEST

/* Regression: an empty file loads as no document at all. */
START_TEST(test_empty_file)
{
    expect_error("", "empty platform file");
    expect_error("# only a comment\n", "empty platform file");
}
END_TEST

START_TEST(test_missing_file)
{
    struct sclink_platform *p;
    char err[256];

    ck_assert_int_lt(sclink_platform_load("/nonexistent/p.yaml", &p, err, sizeof(err)), 0);
    ck_assert_str_eq(err, "/nonexistent/p.yaml: No such file or directory");
}
END_TEST

static Suite *platform_suite(void)
{
    Suite *s = suite_create("platform");
    TCase *tc = sclink_check_tcase(s, "load", 0);

    tcase_add_test(tc, test_load_good);
    tcase_add_test(tc, test_bad_value_names_line_and_key);
    tcase_add_test(tc, test_unknown_key);
    tcase_add_test(tc, test_missing_key);
    tcase_add_test(tc, test_bad_enum);
    tcase_add_test(tc, test_nested_key_in_sequence);
    tcase_add_test(tc, test_semantic_errors);
    tcase_add_test(tc, test_lists);
    tcase_add_test(tc, test_yaml_syntax_error);
    tcase_add_test(tc, test_empty_file);
    tcase_add_test(tc, test_missing_file);
    return s;
}

SCLINK_CHECK_MAIN(platform_suite)
