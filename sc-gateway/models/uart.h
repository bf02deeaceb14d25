/*
 * "uart": a console.  Bytes written to DATA go to stdout or a file; bytes
 * from a file or stdin wait in a receive FIFO for the guest, with a
 * level-triggered interrupt while data is available.  See doc/models.md.
 */
#ifndef SCLINK_MODELS_UART_H
#define SCLINK_MODELS_UART_H

#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "regblock.h"
#include "util.h"

namespace sclink {
namespace models {

class Uart : public RegBlock {
public:
    enum : uint64_t {
        DATA = 0x00,       /* R: pop a received byte; W: transmit a byte */
        STATUS = 0x04,     /* RO: see STATUS_* */
        CTRL = 0x08,       /* RW: see CTRL_* */
        IRQ_STATUS = 0x0c, /* RO: bit 0, the receive interrupt is pending */
        SPAN = 0x10,
    };
    enum : uint32_t {
        STATUS_RX_AVAIL = 1u << 0,
        STATUS_TX_READY = 1u << 1,
        STATUS_RX_FULL = 1u << 2,
        STATUS_RX_LEVEL_SHIFT = 16, /* bits 31:16: bytes in the FIFO */
        CTRL_RX_IRQ_EN = 1u << 0,
        IRQ_RX = 1u << 0,
    };

    /*
     * out: where transmitted bytes go (owned unless it is stdout).
     * input: the bytes of the input file; from_stdin: poll stdin instead,
     * every poll_period of SystemC time.
     */
    Uart(sc_core::sc_module_name name, const ModelConfig &cfg, std::FILE *out,
         std::vector<unsigned char> input, bool from_stdin,
         const sc_core::sc_time &poll_period, unsigned depth);
    ~Uart() override;

    void reset() override;

private:
    SC_HAS_PROCESS(Uart);
    tlm::tlm_response_status read_reg(uint64_t off, uint32_t &val,
                                      const sc_core::sc_time &now,
                                      bool debug) override;
    tlm::tlm_response_status write_reg(uint64_t off, uint32_t val,
                                       const sc_core::sc_time &now) override;
    bool irq_level() const override;
    uint32_t status() const;
    void refill();
    void poll_stdin();
    void transmit(unsigned char c);

    std::FILE *const out_;
    bool out_failed_ = false;
    /* The input file is the "line": it feeds the FIFO as room appears. */
    const std::vector<unsigned char> input_;
    size_t input_pos_ = 0;
    const bool from_stdin_;
    const sc_core::sc_time poll_period_;
    const unsigned depth_;
    std::deque<unsigned char> fifo_;
    uint32_t ctrl_ = 0;
};

bool make_uart(const ModelConfig &cfg, std::unique_ptr<Model> &out, std::string &err);

} // namespace models
} // namespace sclink

#endif /* SCLINK_MODELS_UART_H */
