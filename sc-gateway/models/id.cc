// "id": magic, version, configuration and scratch registers (see id.h).
#include "id.h"

#include <algorithm>
#include <cstdio>

// From local.mk, not config.h: config.h defines VERSION, a register name.
#ifndef SCLINK_MODELS_VERSION
#error "SCLINK_MODELS_VERSION (configure's version string) is not defined"
#endif

using namespace sc_core;
using tlm::tlm_response_status;

namespace sclink {
namespace models {

Id::Id(sc_module_name name, const ModelConfig &cfg, unsigned scratch)
    : RegBlock(name, cfg, SCRATCH + 4ull * scratch, false), scratch_(scratch, 0)
{
}

void Id::reset()
{
    std::fill(scratch_.begin(), scratch_.end(), 0);
}

// From configure's version string, "major.minor.patch".
uint32_t Id::version()
{
    unsigned major = 0, minor = 0;
    std::sscanf(SCLINK_MODELS_VERSION, "%u.%u", &major, &minor);
    return (major & 0xffff) << 16 | (minor & 0xffff);
}

tlm_response_status Id::read_reg(uint64_t off, uint32_t &val,
                                 const sc_time &now, bool debug)
{
    if (off >= SCRATCH) {
        val = scratch_[(off - SCRATCH) / 4]; // RegBlock checked the span
        return tlm::TLM_OK_RESPONSE;
    }
    switch (off) {
    case MAGIC: val = MAGIC_VALUE; break;
    case VERSION: val = version(); break;
    case CONFIG: val = (uint32_t)scratch_.size(); break;
    default: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
    return tlm::TLM_OK_RESPONSE;
}

tlm_response_status Id::write_reg(uint64_t off, uint32_t val, const sc_time &now)
{
    if (off >= SCRATCH) {
        scratch_[(off - SCRATCH) / 4] = val;
        return tlm::TLM_OK_RESPONSE;
    }
    if (off == MAGIC || off == VERSION || off == CONFIG)
        return tlm::TLM_COMMAND_ERROR_RESPONSE;
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
}

bool make_id(const ModelConfig &cfg, std::unique_ptr<Model> &out, std::string &err)
{
    uint64_t scratch = 4;
    if (!cfg.only_keys({"scratch"}, err) || !check_no_irq(cfg, err) ||
        !get_u64_in(cfg, "scratch", scratch, 0, Id::MAX_SCRATCH, err) ||
        !check_size(cfg, Id::SCRATCH + 4 * scratch, err))
        return false;
    out.reset(new Id(cfg.name.c_str(), cfg, (unsigned)scratch));
    return true;
}

} // namespace models
} // namespace sclink
