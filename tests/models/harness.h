// Shared by the model tests: one line per check ("ok"/"FAIL"), a test
// initiator for b_transport/transport_dbg/DMI, an interrupt monitor and
// helpers to build models through the registry as the gateway does.
#ifndef SCLINK_TESTS_MODELS_HARNESS_H
#define SCLINK_TESTS_MODELS_HARNESS_H

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "model.h"
#include "../common/sc-check.h"

using namespace sc_core;
using tlm::tlm_response_status;

// An error text that names the instance (first) and contains `key`.
static inline void check_err(const std::string &err, const char *inst,
                             const char *key, int line)
{
    check(err.compare(0, std::strlen(inst), inst) == 0 &&
              err.find(key) != std::string::npos,
          line, std::string("error names ") + inst + " and " + key + ": " + err);
}
#define CHECK_ERR(err, inst, key) check_err((err), (inst), (key), __LINE__)

static inline const char *status_name(tlm_response_status st)
{
    switch (st) {
    case tlm::TLM_OK_RESPONSE: return "OK";
    case tlm::TLM_INCOMPLETE_RESPONSE: return "INCOMPLETE";
    case tlm::TLM_GENERIC_ERROR_RESPONSE: return "GENERIC_ERROR";
    case tlm::TLM_ADDRESS_ERROR_RESPONSE: return "ADDRESS_ERROR";
    case tlm::TLM_COMMAND_ERROR_RESPONSE: return "COMMAND_ERROR";
    case tlm::TLM_BURST_ERROR_RESPONSE: return "BURST_ERROR";
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE: return "BYTE_ENABLE_ERROR";
    }
    return "?";
}

static inline bool check_status(tlm_response_status got, tlm_response_status want,
                                int line, const char *what)
{
    return check(got == want, line,
                 std::string(what) + ": " + status_name(got) +
                     (got == want ? "" : std::string(", want ") + status_name(want)));
}
#define CHECK_STATUS(st, want) check_status((st), (want), __LINE__, #st)

// A bus master: every access is one b_transport from the calling thread.
struct Initiator : sc_module {
    tlm_utils::simple_initiator_socket<Initiator> socket;
    sc_time offset = SC_ZERO_TIME; // local time offset each access starts with
    sc_time delay = SC_ZERO_TIME;  // the offset plus what the target added

    explicit Initiator(sc_module_name n) : sc_module(n), socket("socket") {}

    tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, void *data,
                               unsigned len, const unsigned char *be = nullptr,
                               unsigned be_len = 0, unsigned sw = 0)
    {
        tlm::tlm_generic_payload tx;
        tx.set_command(cmd);
        tx.set_address(addr);
        tx.set_data_ptr(static_cast<unsigned char *>(data));
        tx.set_data_length(len);
        tx.set_streaming_width(sw ? sw : len);
        tx.set_byte_enable_ptr(const_cast<unsigned char *>(be));
        tx.set_byte_enable_length(be_len);
        tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        delay = offset;
        socket->b_transport(tx, delay);
        if (tx.get_address() != addr)
            check(false, __LINE__, "target restored the address");
        return tx.get_response_status();
    }
    tlm_response_status rd(uint64_t addr, void *d, unsigned len)
    {
        return access(tlm::TLM_READ_COMMAND, addr, d, len);
    }
    tlm_response_status wr(uint64_t addr, const void *d, unsigned len)
    {
        return access(tlm::TLM_WRITE_COMMAND, addr, const_cast<void *>(d), len);
    }
    // 32/64-bit registers, little-endian; 0xdeadbeef.. if the access failed.
    uint32_t rd32(uint64_t addr, tlm_response_status *st = nullptr)
    {
        unsigned char b[4];
        tlm_response_status s = rd(addr, b, 4);
        if (st)
            *st = s;
        if (s != tlm::TLM_OK_RESPONSE)
            return 0xdeadbeef;
        return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
    }
    uint64_t rd64(uint64_t addr, tlm_response_status *st = nullptr)
    {
        unsigned char b[8];
        tlm_response_status s = rd(addr, b, 8);
        if (st)
            *st = s;
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
            v = v << 8 | b[i];
        return s == tlm::TLM_OK_RESPONSE ? v : 0xdeadbeefdeadbeefull;
    }
    tlm_response_status wr32(uint64_t addr, uint32_t v)
    {
        unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                              (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
        return wr(addr, b, 4);
    }
    tlm_response_status wr64(uint64_t addr, uint64_t v)
    {
        unsigned char b[8];
        for (int i = 0; i < 8; i++)
            b[i] = (unsigned char)(v >> (8 * i));
        return wr(addr, b, 8);
    }
    unsigned dbg(tlm::tlm_command cmd, uint64_t addr, void *data, unsigned len)
    {
        tlm::tlm_generic_payload tx;
        tx.set_command(cmd);
        tx.set_address(addr);
        tx.set_data_ptr(static_cast<unsigned char *>(data));
        tx.set_data_length(len);
        tx.set_streaming_width(len);
        return socket->transport_dbg(tx);
    }
    bool dmi(uint64_t addr, tlm::tlm_command cmd, tlm::tlm_dmi &d)
    {
        tlm::tlm_generic_payload tx;
        tx.set_command(cmd);
        tx.set_address(addr);
        d.init();
        return socket->get_direct_mem_ptr(tx, d);
    }
};

// Watches an interrupt line: the times it rose and fell.
struct IrqMonitor : sc_module {
    sc_in<bool> in;
    std::vector<sc_time> rises, falls;

    SC_HAS_PROCESS(IrqMonitor);
    explicit IrqMonitor(sc_module_name n) : sc_module(n), in("in")
    {
        SC_METHOD(edge);
        sensitive << in;
        dont_initialize();
    }
    void edge() { (in.read() ? rises : falls).push_back(sc_time_stamp()); }
};

static inline sclink::ModelConfig make_cfg(const char *name, const char *type,
                                           uint64_t size, int irq = -1)
{
    sclink::ModelConfig cfg;
    cfg.name = name;
    cfg.type = type;
    cfg.size = size;
    cfg.irq = irq;
    if (irq >= 0)
        cfg.irqs = {irq};
    return cfg;
}

// Runs the factory of cfg.type through the registry, as the gateway does
// (the C++ convention: bool, and err on failure).
static inline bool make_model(const sclink::ModelConfig &cfg,
                              std::unique_ptr<sclink::Model> &out, std::string &err)
{
    sclink::register_builtin_models();
    sclink::ModelFactory f = sclink::find_model_type(cfg.type);
    if (!f) {
        err = cfg.name + ": unknown model type '" + cfg.type + "'";
        return false;
    }
    return f(cfg, out, err);
}

// A model the factory must accept: a refusal fails the test at the
// caller's line with the factory's message, and returns nullptr.
static inline std::unique_ptr<sclink::Model> create(const sclink::ModelConfig &cfg,
                                                    int line = __builtin_LINE())
{
    std::unique_ptr<sclink::Model> m;
    std::string err;
    if (!check(make_model(cfg, m, err), line, "factory accepts " + cfg.name + ": " + err))
        return nullptr;
    return m;
}

// The factory must refuse cfg; returns its error text.
static inline std::string refused(const sclink::ModelConfig &cfg, int line)
{
    std::unique_ptr<sclink::Model> m;
    std::string err;
    check(!make_model(cfg, m, err) && !err.empty(), line,
          "factory refuses " + cfg.name + ": " + err);
    return err;
}

// The factory refuses {name, type, size, irq, params}, with an error text
// that starts with the instance name and contains `key`.
static inline void check_refused(const char *name, const char *type,
                                 uint64_t size, int irq,
                                 const std::map<std::string, std::string> &params,
                                 const char *key, int line)
{
    sclink::ModelConfig cfg = make_cfg(name, type, size, irq);
    cfg.params = params;
    check_err(refused(cfg, line), name, key, line);
}

static inline std::string tmp_path(const char *tag)
{
    return std::string("/tmp/sclink-test-") + tag + "-" + std::to_string(getpid());
}

static inline void write_file(const std::string &path, const std::string &bytes)
{
    std::FILE *f = std::fopen(path.c_str(), "wb");
    if (f) {
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
    }
}

static inline std::string read_file(const std::string &path)
{
    std::string s;
    std::FILE *f = std::fopen(path.c_str(), "rb");
    if (!f)
        return "<missing>";
    int c;
    while ((c = std::fgetc(f)) != EOF)
        s.push_back((char)c);
    std::fclose(f);
    return s;
}

#endif /* SCLINK_TESTS_MODELS_HARNESS_H */
