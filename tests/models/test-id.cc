// "id": magic, version, config, scratch registers, writes to read-only
// registers (COMMAND_ERROR), holes (ADDRESS_ERROR), reset() and factory
// errors.
#include "harness.h"

#include "id.h"

using sclink::ModelConfig;
using I = sclink::models::Id;

struct Top : sc_module {
    Initiator cpu;
    sclink::Model *id;
    bool finished = false;

    SC_HAS_PROCESS(Top);
    Top(sc_module_name n, sclink::Model *m) : sc_module(n), cpu("cpu"), id(m)
    {
        cpu.socket.bind(id->target());
        SC_THREAD(run);
    }

    void run()
    {
        unsigned char b[8];
        CHECK_EQ(cpu.rd32(I::MAGIC), 0x53434c4b);
        cpu.rd(I::MAGIC, b, 4);
        CHECK(std::memcmp(b, "KLCS", 4) == 0); // little-endian "SCLK"
        unsigned major = 0, minor = 0;
        std::sscanf(SCLINK_MODELS_VERSION, "%u.%u", &major, &minor);
        CHECK_EQ(cpu.rd32(I::VERSION), major << 16 | minor);
        CHECK_EQ(cpu.rd32(I::CONFIG), 6);

        for (unsigned i = 0; i < 6; i++)
            CHECK_STATUS(cpu.wr32(I::SCRATCH + 4 * i, 0x1000 + i), tlm::TLM_OK_RESPONSE);
        for (unsigned i = 0; i < 6; i++)
            CHECK_EQ(cpu.rd32(I::SCRATCH + 4 * i), 0x1000 + i);

        CHECK_STATUS(cpu.wr32(I::MAGIC, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
        CHECK_STATUS(cpu.wr32(I::VERSION, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
        CHECK_STATUS(cpu.wr32(I::CONFIG, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
        CHECK_EQ(cpu.rd32(I::MAGIC), 0x53434c4b);
        CHECK_STATUS(cpu.wr32(0x0c, 0), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_STATUS(cpu.rd(0x0c, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_STATUS(cpu.rd(I::SCRATCH + 4 * 6, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_STATUS(cpu.rd(I::SCRATCH, b, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_STATUS(cpu.rd(I::SCRATCH + 1, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_STATUS(cpu.rd(I::SCRATCH, b, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);

        // Debug: any range, holes read 0, writes refused.
        unsigned char d[0x28];
        CHECK_EQ(cpu.dbg(tlm::TLM_READ_COMMAND, 0, d, sizeof(d)), 0x28);
        CHECK(std::memcmp(d, "KLCS", 4) == 0 && d[0x0c] == 0 && d[0x10] == 0x00 &&
              d[0x11] == 0x10);
        CHECK_EQ(cpu.dbg(tlm::TLM_WRITE_COMMAND, I::SCRATCH, d, 4), 0);

        id->reset();
        for (unsigned i = 0; i < 6; i++)
            CHECK_EQ(cpu.rd32(I::SCRATCH + 4 * i), 0);
        CHECK_EQ(cpu.rd32(I::MAGIC), 0x53434c4b);
        finished = true;
    }
};

// Refusals, and the two smallest configurations, which must elaborate.
static void factory()
{
    check_refused("i0", "id", 0x1c, -1, {}, "size", __LINE__); // 4 scratch: 0x20
    check_refused("i1", "id", 0x1000, -1, {{"scratch", "1025"}}, "'scratch'", __LINE__);
    check_refused("i2", "id", 0x1000, 4, {}, "irq", __LINE__);
    check_refused("i3", "id", 0x1000, -1, {{"magic", "1"}}, "'magic'", __LINE__);
    ModelConfig c = make_cfg("i4", "id", 0x10);
    c.params["scratch"] = "0";
    std::unique_ptr<sclink::Model> none = create(c); // no scratch registers is fine
    std::unique_ptr<sclink::Model> exact = create(make_cfg("i5", "id", 0x20)); // just fits
    if (!CHECK(none && exact))
        return;
    Initiator spare4("spare4"), spare5("spare5"); // sockets must be bound
    spare4.socket.bind(none->target());
    spare5.socket.bind(exact->target());
    sc_start();
    CHECK_EQ(spare4.rd32(I::MAGIC), 0x53434c4b);
    CHECK_EQ(spare5.rd32(I::SCRATCH + 4 * 3), 0);
}

static void registers()
{
    ModelConfig c = make_cfg("id0", "id", 0x100);
    c.params["scratch"] = "6";
    std::unique_ptr<sclink::Model> m = create(c);
    if (!CHECK(m && !m->irq_out() && !m->dma_initiator()))
        return;
    Top top("top", m.get());
    sc_start();
    CHECK(top.finished);
}

static const ScCase cases[] = {
    {"factory", factory},
    {"registers", registers},
};

int sc_main(int argc, char **argv)
{
    return run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
