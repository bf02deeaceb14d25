/*
 * "dma": a DMA engine with a local buffer visible in its register space.
 * It copies guest->buffer, buffer->guest or guest->guest through its
 * initiator socket (bound to the gateway's DMA socket, i.e. guest memory)
 * in chunks, from an SC_THREAD, and raises a completion interrupt.  See
 * doc/models.md.
 */
#ifndef SCLINK_MODELS_DMA_H
#define SCLINK_MODELS_DMA_H

#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include "regblock.h"
#include "util.h"

namespace sclink {
namespace models {

class Dma : public RegBlock {
public:
    enum : uint64_t {
        SRC_LO = 0x00,    /* RW: source, 64-bit with SRC_HI */
        SRC_HI = 0x04,
        DST_LO = 0x08,    /* RW: destination, 64-bit with DST_HI */
        DST_HI = 0x0c,
        LEN = 0x10,       /* RW: bytes to copy */
        CTRL = 0x14,      /* RW: see CTRL_*; writing CTRL_START starts */
        STATUS = 0x18,    /* BUSY RO, DONE and ERROR write-1-to-clear */
        XFERRED = 0x1c,   /* RO: bytes copied by the current/last transfer */
        BUF_SIZE = 0x20,  /* RO: bytes in the local buffer */
        SPAN = 0x24,
        BUF = 0x1000,     /* the local buffer: memory-like, any access */
    };
    enum : uint32_t {
        DIR_TO_LOCAL = 0,   /* guest SRC -> buffer offset DST */
        DIR_FROM_LOCAL = 1, /* buffer offset SRC -> guest DST */
        DIR_GUEST = 2,      /* guest SRC -> guest DST */
        CTRL_DIR_MASK = 3u,
        CTRL_IRQ_EN = 1u << 4,
        CTRL_START = 1u << 8, /* write-only, reads 0 */
        STATUS_BUSY = 1u << 0,
        STATUS_DONE = 1u << 1,
        STATUS_ERROR = 1u << 2,
    };

    Dma(sc_core::sc_module_name name, const ModelConfig &cfg,
        unsigned buffer_size, unsigned chunk);

    tlm::tlm_initiator_socket<> *dma_initiator() override { return &bus_; }
    void reset() override;

    /* The local buffer, for tests. */
    unsigned char *buffer() { return buf_.data(); }

private:
    SC_HAS_PROCESS(Dma);
    struct Job {
        uint64_t src = 0, dst = 0;
        uint32_t len = 0, dir = 0;
    };

    tlm::tlm_response_status read_reg(uint64_t off, uint32_t &val,
                                      const sc_core::sc_time &now,
                                      bool debug) override;
    tlm::tlm_response_status write_reg(uint64_t off, uint32_t val,
                                       const sc_core::sc_time &now) override;
    bool is_reg64(uint64_t off) const override;
    bool irq_level() const override;
    uint64_t window_base() const override { return BUF; }
    uint64_t window_size() const override { return buf_.size(); }
    void window_access(tlm::tlm_generic_payload &tx) override;
    unsigned window_debug(tlm::tlm_generic_payload &tx) override;

    void run();
    bool job_ok(const Job &job) const;
    bool transfer(const Job &job, uint64_t gen);
    bool bus_access(tlm::tlm_command cmd, uint64_t addr, unsigned len);

    tlm_utils::simple_initiator_socket<Dma> bus_;
    std::vector<unsigned char> buf_;
    std::vector<unsigned char> bounce_; /* one chunk in flight */
    const unsigned chunk_;

    uint64_t src_ = 0, dst_ = 0;
    uint32_t len_ = 0, ctrl_ = 0, status_ = 0, xferred_ = 0;
    Job job_;                   /* latched by CTRL_START */
    bool start_pending_ = false;
    /* Bumped by reset(): a transfer in flight sees it and is forgotten. */
    uint64_t gen_ = 0;
    sc_core::sc_event start_ev_;
};

bool make_dma(const ModelConfig &cfg, std::unique_ptr<Model> &out, std::string &err);

} // namespace models
} // namespace sclink

#endif /* SCLINK_MODELS_DMA_H */
