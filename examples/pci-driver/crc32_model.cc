/*
 * "crc32": a CRC-32 accelerator, the SystemC half of examples/pci-driver
 * (README.md there; the Linux driver is crc32dev.c beside this file).
 * `sclink-gateway --plugin libsclink-crc32.so` makes the type available.
 *
 * The driver writes a guest bus address and a length, sets START, and the
 * engine reads the buffer from guest memory over its DMA initiator (the
 * gateway binds it to QEMU, which serves the reads with pci_dma_read),
 * computes the CRC-32 of IEEE 802.3 (zlib's crc32(), the one `gzip`
 * stores), and raises its interrupt.  The interrupt is a level: with
 * `pci.interrupt: msi` the gateway sends an MSI on its rising edge, with
 * `intx` it drives INTx.  Registers, 32 bits, little-endian:
 *
 *   0x00 ID          RO    0x43524333 ("3CRC" in memory)
 *   0x04 VERSION     RO    0x00010000 (1.0)
 *   0x08 CTRL        RW    bit 0 START (write 1; reads 0), bit 1 IRQ_EN
 *   0x0c STATUS      RO    bit 0 BUSY, bit 1 ERROR (of the last job)
 *   0x10 SRC_LO      RW    guest bus address of the buffer, bits 31:0
 *   0x14 SRC_HI      RW    bits 63:32
 *   0x18 LEN         RW    bytes, 1..MAX_LEN
 *   0x1c RESULT      RO    CRC-32 of the last job (0 after an error)
 *   0x20 INT_STATUS  RW1C  bit 0 DONE: a job ended; write 1 to acknowledge
 *   0x24 MAX_LEN     RO    the `max_len` param
 *
 * The interrupt is high while INT_STATUS.DONE and CTRL.IRQ_EN.  A job that
 * is bad (LEN 0 or over MAX_LEN, a range that wraps past 2^64) or whose bus
 * read fails ends with STATUS.ERROR and DONE.  START while BUSY is
 * ignored.  Params: chunk (bytes per bus read, default 1024),
 * ns_per_byte (engine time per byte, default 1), max_len (default 65536).
 */
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <sclink/regblock.h>

namespace {

enum : uint64_t {
    REG_ID = 0x00,
    REG_VERSION = 0x04,
    REG_CTRL = 0x08,
    REG_STATUS = 0x0c,
    REG_SRC_LO = 0x10,
    REG_SRC_HI = 0x14,
    REG_LEN = 0x18,
    REG_RESULT = 0x1c,
    REG_INT_STATUS = 0x20,
    REG_MAX_LEN = 0x24,
    REG_SPAN = 0x28,
};

enum : uint32_t {
    ID_VALUE = 0x43524333,
    VERSION_VALUE = 0x00010000,
    CTRL_START = 1u << 0,
    CTRL_IRQ_EN = 1u << 1,
    STATUS_BUSY = 1u << 0,
    STATUS_ERROR = 1u << 1,
    INT_DONE = 1u << 0,
};

/* Table-driven CRC-32 (reflected, polynomial 0xedb88320).  The guest's
 * check program computes it bit by bit: two ways that agree only if both
 * are right. */
class Crc32 {
public:
    Crc32()
    {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table_[i] = c;
        }
    }
    uint32_t update(uint32_t crc, const unsigned char *p, size_t n) const
    {
        crc = ~crc;
        while (n--)
            crc = table_[(crc ^ *p++) & 0xff] ^ (crc >> 8);
        return ~crc;
    }

private:
    uint32_t table_[256];
};

/* The register rules (widths, statuses, debug reads, the interrupt
 * line) are sclink::RegBlock's (<sclink/regblock.h>); this class says what
 * the registers do and runs the engine. */
class Crc32Engine : public sclink::RegBlock {
public:
    SC_HAS_PROCESS(Crc32Engine);

    Crc32Engine(sc_core::sc_module_name name, const sclink::ModelConfig &cfg, unsigned chunk,
                uint64_t ns_per_byte, uint32_t max_len)
        : RegBlock(name, cfg, REG_SPAN, true), bus_("dma"), chunk_(chunk),
          ns_per_byte_(ns_per_byte), max_len_(max_len), bounce_(chunk)
    {
        SC_THREAD(run);
    }

    tlm::tlm_initiator_socket<> *dma_initiator() override { return &bus_; }

    void reset() override
    {
        gen_++; /* a job in flight sees it and is forgotten */
        start_pending_ = false;
        ctrl_ = status_ = len_ = result_ = int_status_ = 0;
        src_ = 0;
        update_irq();
    }

private:
    tlm_utils::simple_initiator_socket<Crc32Engine> bus_;
    const Crc32 crc_;
    const unsigned chunk_;
    const uint64_t ns_per_byte_;
    const uint32_t max_len_;
    std::vector<unsigned char> bounce_;

    uint64_t src_ = 0;
    uint32_t ctrl_ = 0, status_ = 0, len_ = 0, result_ = 0, int_status_ = 0;
    uint64_t job_src_ = 0;
    uint32_t job_len_ = 0;
    bool start_pending_ = false;
    uint64_t gen_ = 0;
    sc_core::sc_event start_ev_;

    bool irq_level() const override { return (int_status_ & INT_DONE) && (ctrl_ & CTRL_IRQ_EN); }

    /* The engine: waits for START, reads the buffer chunk by chunk, then
     * reports the result and raises DONE, unless reset() intervened. */
    void run()
    {
        for (;;) {
            while (!start_pending_)
                wait(start_ev_);
            start_pending_ = false;
            const uint64_t gen = gen_;
            uint32_t crc = 0;
            const bool ok = compute(job_src_, job_len_, gen, crc);
            if (gen != gen_)
                continue;
            result_ = ok ? crc : 0;
            status_ = ok ? 0u : (uint32_t)STATUS_ERROR;
            int_status_ |= INT_DONE;
            update_irq();
        }
    }

    /* Each chunk from guest memory with sclink::bus_transport, which waits
     * out the delay the gateway annotates (the time QEMU took). */
    bool compute(uint64_t src, uint32_t len, uint64_t gen, uint32_t &crc)
    {
        /* The last byte, src + len - 1, must not wrap past 2^64 - 1. */
        if (len == 0 || len > max_len_ || len - 1 > UINT64_MAX - src)
            return false;
        for (uint32_t off = 0; off < len;) {
            const unsigned n = std::min<uint64_t>(chunk_, len - off);
            if (sclink::bus_transport(bus_, tlm::TLM_READ_COMMAND, src + off, bounce_.data(), n) !=
                    tlm::TLM_OK_RESPONSE ||
                gen != gen_)
                return false;
            crc = crc_.update(crc, bounce_.data(), n);
            wait(sc_core::sc_time((double)(n * ns_per_byte_), sc_core::SC_NS));
            off += n;
        }
        return true;
    }

    tlm::tlm_response_status read_reg(uint64_t off, uint32_t &val, const sc_core::sc_time &,
                                      bool) override
    {
        switch (off) {
        case REG_ID: val = ID_VALUE; break;
        case REG_VERSION: val = VERSION_VALUE; break;
        case REG_CTRL: val = ctrl_; break;
        case REG_STATUS: val = status_; break;
        case REG_SRC_LO: case REG_SRC_HI: val = half(src_, off); break;
        case REG_LEN: val = len_; break;
        case REG_RESULT: val = result_; break;
        case REG_INT_STATUS: val = int_status_; break;
        case REG_MAX_LEN: val = max_len_; break;
        default: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
        }
        return tlm::TLM_OK_RESPONSE;
    }

    /* `now`: the write's SystemC time, its annotated delay included. */
    tlm::tlm_response_status write_reg(uint64_t off, uint32_t val,
                                       const sc_core::sc_time &now) override
    {
        switch (off) {
        case REG_CTRL:
            ctrl_ = val & CTRL_IRQ_EN;
            if ((val & CTRL_START) && !(status_ & STATUS_BUSY)) {
                job_src_ = src_;
                job_len_ = len_;
                status_ = STATUS_BUSY;
                start_pending_ = true;
                start_ev_.notify(now - sc_core::sc_time_stamp());
            }
            break;
        case REG_SRC_LO: case REG_SRC_HI: set_half(src_, off, val); break;
        case REG_LEN: len_ = val; break;
        case REG_INT_STATUS: int_status_ &= ~(val & INT_DONE); break;
        case REG_ID: case REG_VERSION: case REG_STATUS: case REG_RESULT: case REG_MAX_LEN:
            return tlm::TLM_COMMAND_ERROR_RESPONSE;
        default: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
        }
        update_irq();
        return tlm::TLM_OK_RESPONSE;
    }
};

bool make_crc32(const sclink::ModelConfig &cfg, std::unique_ptr<sclink::Model> &out, std::string &err)
{
    uint64_t chunk = 1024, ns_per_byte = 1, max_len = 65536;

    if (!cfg.only_keys({"chunk", "ns_per_byte", "max_len"}, err) ||
        !cfg.get_size("chunk", chunk, 1, 65536, err) ||
        !cfg.get_u64("ns_per_byte", ns_per_byte, 0, 1000000, err) ||
        !cfg.get_size("max_len", max_len, 1, 0x1000000, err))
        return false;
    if (cfg.size < REG_SPAN) {
        err = cfg.name + ": size " + std::to_string(cfg.size) + " is below the " +
              std::to_string(REG_SPAN) + " bytes of registers";
        return false;
    }
    out.reset(new Crc32Engine(cfg.name.c_str(), cfg, (unsigned)chunk, ns_per_byte, (uint32_t)max_len));
    return true;
}

} // namespace

static int init_plugin(void)
{
    return sclink::register_model_type("crc32", make_crc32) ? 0 : -1;
}

SCLINK_PLUGIN(init_plugin);
