// "uart": a console with a receive FIFO (see uart.h, doc/models.md).
#include "uart.h"

#include <cerrno>
#include <cstring>

#include <poll.h>
#include <unistd.h>

using namespace sc_core;
using tlm::tlm_response_status;

namespace sclink {
namespace models {

Uart::Uart(sc_module_name name, const ModelConfig &cfg, std::FILE *out,
           std::vector<unsigned char> input, bool from_stdin,
           const sc_time &poll_period, unsigned depth)
    : RegBlock(name, cfg, SPAN, true), out_(out), input_(std::move(input)),
      from_stdin_(from_stdin), poll_period_(poll_period), depth_(depth)
{
    if (from_stdin_)
        SC_METHOD(poll_stdin); // re-arms itself with next_trigger()
    refill();
}

Uart::~Uart()
{
    if (out_ != stdout)
        std::fclose(out_);
}

// The FIFO empties and the input file starts over; transmitted output is
// the outside world and stays.  Bytes already taken from stdin are lost.
void Uart::reset()
{
    fifo_.clear();
    input_pos_ = 0;
    ctrl_ = 0;
    refill();
    update_irq();
}

void Uart::refill()
{
    while (fifo_.size() < depth_ && input_pos_ < input_.size())
        fifo_.push_back(input_[input_pos_++]);
}

// Takes what stdin has without ever blocking the simulation: poll() with
// no timeout, then one read() of at most the free FIFO room.  Runs every
// poll_period of SystemC time until stdin reaches end of file.
void Uart::poll_stdin()
{
    size_t room = depth_ - fifo_.size();
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    if (room > 0 && poll(&p, 1, 0) > 0) {
        unsigned char buf[256];
        ssize_t n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
        if (n > 0) {
            fifo_.insert(fifo_.end(), buf, buf + n);
            update_irq();
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            return; // end of file: no further events, the simulation may end
        }
    }
    next_trigger(poll_period_);
}

// Flushed per byte, so whoever reads the output (a test, a person) sees
// it as soon as the guest writes it.
void Uart::transmit(unsigned char c)
{
    if (std::fputc(c, out_) == EOF || std::fflush(out_) == EOF) {
        if (!out_failed_)
            SC_REPORT_WARNING("sclink/uart",
                              (cfg_.name + ": output: " + std::strerror(errno) +
                               "; further transmit errors are not reported")
                                  .c_str());
        out_failed_ = true;
    }
}

uint32_t Uart::status() const
{
    uint32_t s = STATUS_TX_READY | (uint32_t)fifo_.size() << STATUS_RX_LEVEL_SHIFT;
    if (!fifo_.empty())
        s |= STATUS_RX_AVAIL;
    if (fifo_.size() == depth_)
        s |= STATUS_RX_FULL;
    return s;
}

bool Uart::irq_level() const
{
    return (ctrl_ & CTRL_RX_IRQ_EN) && !fifo_.empty();
}

tlm_response_status Uart::read_reg(uint64_t off, uint32_t &val,
                                   const sc_time &now, bool debug)
{
    switch (off) {
    case DATA:
        // An empty FIFO reads 0: the guest checks STATUS first.
        if (fifo_.empty())
            val = 0;
        else {
            val = fifo_.front();
            if (!debug) {
                fifo_.pop_front();
                refill();
                update_irq();
            }
        }
        return tlm::TLM_OK_RESPONSE;
    case STATUS:
        val = status();
        return tlm::TLM_OK_RESPONSE;
    case CTRL:
        val = ctrl_;
        return tlm::TLM_OK_RESPONSE;
    case IRQ_STATUS:
        val = irq_level() ? (uint32_t)IRQ_RX : 0u;
        return tlm::TLM_OK_RESPONSE;
    }
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
}

tlm_response_status Uart::write_reg(uint64_t off, uint32_t val, const sc_time &now)
{
    switch (off) {
    case DATA:
        transmit((unsigned char)val);
        return tlm::TLM_OK_RESPONSE;
    case CTRL:
        ctrl_ = val & CTRL_RX_IRQ_EN; // undefined bits read as 0
        update_irq();
        return tlm::TLM_OK_RESPONSE;
    case STATUS:
    case IRQ_STATUS:
        return tlm::TLM_COMMAND_ERROR_RESPONSE;
    }
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
}

bool make_uart(const ModelConfig &cfg, std::unique_ptr<Model> &made, std::string &err)
{
    std::string output = "-", input;
    uint64_t depth = 64, poll_us = 1000;
    std::vector<unsigned char> bytes;
    sc_time period;

    if (!cfg.only_keys({"output", "input", "fifo_depth", "poll_us"}, err) ||
        !check_size(cfg, Uart::SPAN, err) ||
        !get_u64_in(cfg, "fifo_depth", depth, 1, 0xffff, err) ||
        !get_u64_in(cfg, "poll_us", poll_us, 1, 1000000000, err))
        return false;
    cfg.get_str("output", output);
    cfg.get_str("input", input);
    from_ns(poll_us * 1000, period);
    bool from_stdin = input == "stdin";
    if (!input.empty() && !from_stdin && !read_file(cfg, "input", input, bytes, err))
        return false;
    if (output.empty()) {
        err = cfg.name + ": param 'output': empty path (use \"-\" for stdout)";
        return false;
    }
    std::FILE *out = stdout;
    if (output != "-" && !(out = std::fopen(output.c_str(), "w"))) {
        err = cfg.name + ": param 'output': cannot open '" + output +
              "': " + std::strerror(errno);
        return false;
    }
    made.reset(new Uart(cfg.name.c_str(), cfg, out, std::move(bytes), from_stdin, period,
                        (unsigned)depth));
    return true;
}

} // namespace models
} // namespace sclink
