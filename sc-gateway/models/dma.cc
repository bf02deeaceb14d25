// "dma": a chunked DMA engine with a local buffer (see dma.h, doc/models.md).
#include "dma.h"

#include "sclink.h"

#include <algorithm>
#include <cstring>

using namespace sc_core;
using tlm::tlm_generic_payload;
using tlm::tlm_response_status;

namespace sclink {
namespace models {

Dma::Dma(sc_module_name name, const ModelConfig &cfg, unsigned buffer_size,
         unsigned chunk)
    : RegBlock(name, cfg, SPAN, true), bus_("dma"), buf_(buffer_size),
      bounce_(chunk), chunk_(chunk)
{
    SC_THREAD(run);
}

void Dma::reset()
{
    gen_++;
    start_pending_ = false;
    src_ = dst_ = 0;
    len_ = ctrl_ = status_ = xferred_ = 0;
    std::fill(buf_.begin(), buf_.end(), 0);
    update_irq();
}

bool Dma::irq_level() const
{
    return (ctrl_ & CTRL_IRQ_EN) && (status_ & STATUS_DONE);
}

bool Dma::is_reg64(uint64_t off) const
{
    return off == SRC_LO || off == DST_LO;
}

void Dma::window_access(tlm_generic_payload &tx)
{
    mem_access(tx, buf_.data(), buf_.size(), true);
}

unsigned Dma::window_debug(tlm_generic_payload &tx)
{
    return mem_debug(tx, buf_.data(), buf_.size());
}

// The engine: waits for CTRL_START, copies, then reports DONE (with ERROR
// if it failed) unless reset() intervened.  A START written while the
// previous transfer was being abandoned by reset() is still pending, hence
// the flag rather than a bare wait on the event.
void Dma::run()
{
    for (;;) {
        while (!start_pending_)
            wait(start_ev_);
        start_pending_ = false;
        uint64_t gen = gen_;
        const Job job = job_; // a START after a reset may overwrite job_
        bool ok = transfer(job, gen);
        if (gen != gen_)
            continue;
        status_ = (status_ & ~STATUS_BUSY) | STATUS_DONE;
        if (!ok)
            status_ |= STATUS_ERROR;
        update_irq();
    }
}

// A job names ranges the guest chose: each buffer range must lie inside
// the buffer, and no guest range may wrap past 2^64 - 1 to address 0.
bool Dma::job_ok(const Job &job) const
{
    switch (job.dir) {
    case DIR_TO_LOCAL:
        return !sclink_range_wraps(job.src, job.len) &&
               range_fits(job.dst, job.len, buf_.size());
    case DIR_FROM_LOCAL:
        return range_fits(job.src, job.len, buf_.size()) &&
               !sclink_range_wraps(job.dst, job.len);
    case DIR_GUEST:
        return !sclink_range_wraps(job.src, job.len) && !sclink_range_wraps(job.dst, job.len);
    }
    return false;
}

// Copies job.len bytes chunk by chunk through bounce_, so a transfer
// abandoned by reset() never writes into the (reset) local buffer.  False
// on a bad job (refused before any access) or a bus error; XFERRED counts
// the chunks that completed.
bool Dma::transfer(const Job &job, uint64_t gen)
{
    if (!job_ok(job))
        return false;

    for (uint32_t off = 0; off < job.len;) {
        unsigned n = std::min<uint64_t>(chunk_, job.len - off);
        bool ok;
        switch (job.dir) {
        case DIR_TO_LOCAL:
            ok = bus_access(tlm::TLM_READ_COMMAND, job.src + off, n);
            if (ok && gen == gen_)
                std::memcpy(&buf_[job.dst + off], bounce_.data(), n);
            break;
        case DIR_FROM_LOCAL:
            std::memcpy(bounce_.data(), &buf_[job.src + off], n);
            ok = bus_access(tlm::TLM_WRITE_COMMAND, job.dst + off, n);
            break;
        default:
            ok = bus_access(tlm::TLM_READ_COMMAND, job.src + off, n) &&
                 gen == gen_ &&
                 bus_access(tlm::TLM_WRITE_COMMAND, job.dst + off, n);
            break;
        }
        if (gen != gen_ || !ok)
            return false;
        off += n;
        xferred_ = off;
    }
    return true;
}

// One chunk on the bus (bus.h): the annotated delay is waited for there,
// at the initiator, so the transfer takes the time the bus says it takes.
bool Dma::bus_access(tlm::tlm_command cmd, uint64_t addr, unsigned len)
{
    return bus_transport(bus_, cmd, addr, bounce_.data(), len) == tlm::TLM_OK_RESPONSE;
}

tlm_response_status Dma::read_reg(uint64_t off, uint32_t &val,
                                  const sc_time &now, bool debug)
{
    switch (off) {
    case SRC_LO: case SRC_HI: val = half(src_, off); break;
    case DST_LO: case DST_HI: val = half(dst_, off); break;
    case LEN: val = len_; break;
    case CTRL: val = ctrl_; break;
    case STATUS: val = status_; break;
    case XFERRED: val = xferred_; break;
    case BUF_SIZE: val = (uint32_t)buf_.size(); break;
    default: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
    return tlm::TLM_OK_RESPONSE;
}

tlm_response_status Dma::write_reg(uint64_t off, uint32_t val, const sc_time &now)
{
    switch (off) {
    case SRC_LO: case SRC_HI: set_half(src_, off, val); break;
    case DST_LO: case DST_HI: set_half(dst_, off, val); break;
    case LEN: len_ = val; break;
    case CTRL:
        ctrl_ = val & (CTRL_DIR_MASK | CTRL_IRQ_EN);
        // START while BUSY is ignored: the running transfer goes on.  A
        // new transfer clears DONE and ERROR and starts at the time of
        // the write (now), in the engine's thread.
        if ((val & CTRL_START) && !(status_ & STATUS_BUSY)) {
            job_.src = src_;
            job_.dst = dst_;
            job_.len = len_;
            job_.dir = ctrl_ & CTRL_DIR_MASK;
            status_ = STATUS_BUSY;
            xferred_ = 0;
            start_pending_ = true;
            start_ev_.notify(now - sc_time_stamp());
        }
        update_irq();
        break;
    case STATUS:
        status_ &= ~(val & (STATUS_DONE | STATUS_ERROR));
        update_irq();
        break;
    case XFERRED:
    case BUF_SIZE:
        return tlm::TLM_COMMAND_ERROR_RESPONSE;
    default:
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
    return tlm::TLM_OK_RESPONSE;
}

bool make_dma(const ModelConfig &cfg, std::unique_ptr<Model> &out, std::string &err)
{
    uint64_t buffer_size = 4096, chunk = 256;
    if (!cfg.only_keys({"buffer_size", "chunk"}, err) ||
        !cfg.get_size("buffer_size", buffer_size, 1, 1u << 24, err) ||
        !cfg.get_size("chunk", chunk, 1, 1u << 16, err) ||
        !check_size(cfg, Dma::BUF + buffer_size, err))
        return false;
    out.reset(new Dma(cfg.name.c_str(), cfg, (unsigned)buffer_size, (unsigned)chunk));
    return true;
}

} // namespace models
} // namespace sclink
