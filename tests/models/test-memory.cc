// "memory": contents from a file, byte enables, latencies, exact TLM error
// statuses, debug transport, DMI, reset() (also without a file) and factory
// errors.
#include "harness.h"

#include "memory.h"

using sclink::ModelConfig;

static const std::string kImage("\x11\x22\x33\x44\x55", 5);

struct Top : sc_module {
    Initiator cpu, cpu_rom, cpu_blank;
    sclink::Model *ram, *rom, *blank;
    bool finished = false;
    void (Top::*test)();

    SC_HAS_PROCESS(Top);
    Top(sc_module_name n, sclink::Model *ram_, sclink::Model *rom_,
        sclink::Model *blank_, void (Top::*test_)())
        : sc_module(n), cpu("cpu"), cpu_rom("cpu_rom"), cpu_blank("cpu_blank"),
          ram(ram_), rom(rom_), blank(blank_), test(test_)
    {
        cpu.socket.bind(ram->target());
        cpu_rom.socket.bind(rom->target());
        cpu_blank.socket.bind(blank->target());
        SC_THREAD(run);
    }

    void test_contents();
    void test_byte_enables();
    void test_errors();
    void test_debug();
    void test_dmi();
    void test_reset();
    void test_reset_without_file();

    void run()
    {
        (this->*test)();
        finished = true;
    }
};

void Top::test_contents()
{
    unsigned char b[8];
    CHECK_STATUS(cpu.rd(0, b, 8), tlm::TLM_OK_RESPONSE);
    CHECK(std::memcmp(b, "\x11\x22\x33\x44\x55\0\0\0", 8) == 0);
    CHECK(cpu.delay == sc_time(10, SC_NS)); // read_latency_ns
    CHECK_STATUS(cpu.wr(0x10, "abcdefgh", 8), tlm::TLM_OK_RESPONSE);
    CHECK(cpu.delay == sc_time(20, SC_NS)); // write_latency_ns
    CHECK_STATUS(cpu.rd(0x10, b, 8), tlm::TLM_OK_RESPONSE);
    CHECK(std::memcmp(b, "abcdefgh", 8) == 0);
    // The last byte, and any size: it is memory.
    CHECK_STATUS(cpu.wr(0xfff, "z", 1), tlm::TLM_OK_RESPONSE);
    CHECK_STATUS(cpu.rd(0xfff, b, 1), tlm::TLM_OK_RESPONSE);
    CHECK_EQ(b[0], 'z');
    CHECK_STATUS(cpu_rom.rd(0, b, 5), tlm::TLM_OK_RESPONSE);
    CHECK(std::memcmp(b, kImage.data(), 5) == 0);
}

void Top::test_byte_enables()
{
    static const unsigned char be[4] = {0xff, 0, 0xff, 0};
    static const unsigned char be2[2] = {0, 0xff};
    unsigned char b[4] = {1, 2, 3, 4};
    cpu.wr(0x20, "\xa0\xa1\xa2\xa3", 4);
    CHECK_STATUS(cpu.access(tlm::TLM_WRITE_COMMAND, 0x20, b, 4, be, 4),
                 tlm::TLM_OK_RESPONSE);
    CHECK_STATUS(cpu.rd(0x20, b, 4), tlm::TLM_OK_RESPONSE);
    CHECK(std::memcmp(b, "\x01\xa1\x03\xa3", 4) == 0);
    // A shorter pattern repeats; disabled bytes of the data stay as they were.
    std::memset(b, 0xee, 4);
    CHECK_STATUS(cpu.access(tlm::TLM_READ_COMMAND, 0x20, b, 4, be2, 2),
                 tlm::TLM_OK_RESPONSE);
    CHECK(std::memcmp(b, "\xee\xa1\xee\xa3", 4) == 0);
}

void Top::test_errors()
{
    unsigned char b[8] = {0};
    CHECK_STATUS(cpu.rd(0xffd, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(0x1000, b, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(~0ull, b, 2), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_READ_COMMAND, 0, b, 4, nullptr, 0, 2),
                 tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_READ_COMMAND, 0, b, 4, nullptr, 0, 8),
                 tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_IGNORE_COMMAND, 0, b, 4),
                 tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu_rom.wr(0, b, 4), tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu_rom.rd(0, b, 4), tlm::TLM_OK_RESPONSE);
    CHECK_EQ(b[0], 0x11); // the refused write changed nothing
    CHECK(cpu.delay == SC_ZERO_TIME); // no latency for a refused access
}

void Top::test_debug()
{
    unsigned char b[8];
    cpu.wr(0xfff, "z", 1);
    CHECK_EQ(cpu.dbg(tlm::TLM_READ_COMMAND, 0xffc, b, 8), 4); // clipped
    CHECK_EQ(b[3], 'z');
    CHECK_EQ(cpu.dbg(tlm::TLM_READ_COMMAND, 0x1000, b, 8), 0);
    // A debugger or loader may patch a ROM.
    CHECK_EQ(cpu_rom.dbg(tlm::TLM_WRITE_COMMAND, 0xff, (void *)"R", 1), 1);
    CHECK_STATUS(cpu_rom.rd(0xff, b, 1), tlm::TLM_OK_RESPONSE);
    CHECK_EQ(b[0], 'R');
}

void Top::test_dmi()
{
    tlm::tlm_dmi d;
    cpu.wr(0x10, "abcdefgh", 8);
    CHECK(cpu.dmi(0x10, tlm::TLM_WRITE_COMMAND, d));
    CHECK(d.is_read_write_allowed());
    CHECK_EQ(d.get_start_address(), 0);
    CHECK_EQ(d.get_end_address(), 0xfff);
    CHECK(d.get_read_latency() == sc_time(10, SC_NS));
    CHECK(d.get_write_latency() == sc_time(20, SC_NS));
    CHECK(std::memcmp(d.get_dmi_ptr() + 0x10, "abcdefgh", 8) == 0);
    d.get_dmi_ptr()[0x30] = 0x5a;
    unsigned char b[1];
    cpu.rd(0x30, b, 1);
    CHECK_EQ(b[0], 0x5a);

    CHECK(cpu_rom.dmi(0, tlm::TLM_READ_COMMAND, d));
    CHECK(d.is_read_allowed() && !d.is_write_allowed());
    CHECK_EQ(d.get_end_address(), 0xff);
}

void Top::test_reset()
{
    tlm::tlm_dmi before, after;
    cpu.dmi(0, tlm::TLM_READ_COMMAND, before);
    cpu.wr(0, "\x99", 1);
    cpu.wr(0x10, "abcdefgh", 8);
    cpu_rom.dbg(tlm::TLM_WRITE_COMMAND, 0xff, (void *)"R", 1);
    ram->reset();
    rom->reset();
    unsigned char b[8];
    CHECK_STATUS(cpu.rd(0, b, 8), tlm::TLM_OK_RESPONSE);
    CHECK(std::memcmp(b, "\x11\x22\x33\x44\x55\0\0\0", 8) == 0);
    CHECK_STATUS(cpu.rd(0x10, b, 8), tlm::TLM_OK_RESPONSE);
    CHECK(std::memcmp(b, "\0\0\0\0\0\0\0\0", 8) == 0);
    cpu_rom.rd(0xff, b, 1);
    CHECK_EQ(b[0], 0); // the debug patch is gone
    // The storage did not move: DMI pointers handed out stay valid.
    cpu.dmi(0, tlm::TLM_READ_COMMAND, after);
    CHECK(before.get_dmi_ptr() == after.get_dmi_ptr());
}

// No file: an empty image, whose data() may be null; loading it copies
// nothing (memcpy from null is undefined even for 0 bytes: UBSan said so).
void Top::test_reset_without_file()
{
    unsigned char b[0x100], zero[0x100] = {0};
    CHECK_STATUS(cpu_blank.rd(0, b, sizeof(b)), tlm::TLM_OK_RESPONSE);
    CHECK(std::memcmp(b, zero, sizeof(b)) == 0);
    cpu_blank.wr(0x80, "\x99", 1);
    blank->reset();
    CHECK_STATUS(cpu_blank.rd(0, b, sizeof(b)), tlm::TLM_OK_RESPONSE);
    CHECK(std::memcmp(b, zero, sizeof(b)) == 0);
}

static void test_factory(const std::string &image)
{
    check_refused("m0", "memory", 0, -1, {}, "size", __LINE__);
    check_refused("m1", "memory", 0x100, -1, {{"readonly", "maybe"}}, "'readonly'",
                  __LINE__);
    check_refused("m2", "memory", 0x100, -1, {{"colour", "red"}}, "'colour'", __LINE__);
    check_refused("m3", "memory", 0x100, -1, {{"file", "/nonexistent/x.bin"}}, "'file'",
                  __LINE__);
    // The image has 5 bytes.
    check_refused("m4", "memory", 4, -1, {{"file", image}}, "'file'", __LINE__);
    check_refused("m5", "memory", 0x100, -1, {{"read_latency_ns", "-5"}},
                  "'read_latency_ns'", __LINE__);
    check_refused("m6", "memory", 0x100, 3, {}, "irq", __LINE__);
    check_refused("m7", "memory", 0x100, -1, {{"write_latency_ns", "0x"}},
                  "'write_latency_ns'", __LINE__);
}

static void factory()
{
    std::string image = tmp_path("memory");
    write_file(image, kImage);
    test_factory(image);
    std::remove(image.c_str());
}

// One sub-test on fresh models, in a simulation of its own.
static void run_test(void (Top::*test)())
{
    std::string image = tmp_path("memory");
    write_file(image, kImage);
    ModelConfig rc = make_cfg("ram", "memory", 0x1000);
    rc.params = {{"file", image}, {"read_latency_ns", "10"},
                 {"write_latency_ns", "0x14"}};
    ModelConfig oc = make_cfg("rom", "memory", 0x100);
    oc.params = {{"file", image}, {"readonly", "true"}};
    std::unique_ptr<sclink::Model> ram = create(rc), rom = create(oc);
    std::unique_ptr<sclink::Model> blank = create(make_cfg("blank", "memory", 0x100));
    std::remove(image.c_str()); // the models keep what they read
    if (!CHECK(ram && rom && blank))
        return;
    CHECK(dynamic_cast<sc_module *>(ram.get()) != nullptr);
    Top top("top", ram.get(), rom.get(), blank.get(), test);
    sc_start();
    CHECK(top.finished);
    CHECK(!sc_pending_activity());
}

static const ScCase cases[] = {
    {"factory", factory},
    {"contents", [] { run_test(&Top::test_contents); }},
    {"byte_enables", [] { run_test(&Top::test_byte_enables); }},
    {"errors", [] { run_test(&Top::test_errors); }},
    {"debug", [] { run_test(&Top::test_debug); }},
    {"dmi", [] { run_test(&Top::test_dmi); }},
    {"reset", [] { run_test(&Top::test_reset); }},
    {"reset_without_file", [] { run_test(&Top::test_reset_without_file); }},
};

int sc_main(int argc, char **argv)
{
    return run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
