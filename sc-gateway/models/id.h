/*
 * "id": identification and scratch registers, the first thing a guest
 * driver reads to know it talks to sclink.  See doc/models.md.
 */
#ifndef SCLINK_MODELS_ID_H
#define SCLINK_MODELS_ID_H

#include <vector>

#include "regblock.h"
#include "util.h"

namespace sclink {
namespace models {

class Id : public RegBlock {
public:
    enum : uint64_t {
        MAGIC = 0x00,   /* RO: MAGIC_VALUE */
        VERSION = 0x04, /* RO: sclink major << 16 | minor */
        CONFIG = 0x08,  /* RO: bits 15:0, number of scratch registers */
        /* 0x0c: no register (TLM_ADDRESS_ERROR_RESPONSE) */
        SCRATCH = 0x10, /* RW: SCRATCH + 4 * i, i < number of scratch */
    };
    /* "SCLK" in ASCII, read as a 32-bit number (bytes 4b 4c 43 53 in memory). */
    static constexpr uint32_t MAGIC_VALUE = 0x53434c4b;
    static constexpr unsigned MAX_SCRATCH = 1024;

    Id(sc_core::sc_module_name name, const ModelConfig &cfg, unsigned scratch);
    void reset() override;

    /* VERSION as this build of sclink reports it. */
    static uint32_t version();

private:
    tlm::tlm_response_status read_reg(uint64_t off, uint32_t &val,
                                      const sc_core::sc_time &now,
                                      bool debug) override;
    tlm::tlm_response_status write_reg(uint64_t off, uint32_t val,
                                       const sc_core::sc_time &now) override;

    std::vector<uint32_t> scratch_;
};

bool make_id(const ModelConfig &cfg, std::unique_ptr<Model> &out, std::string &err);

} // namespace models
} // namespace sclink

#endif /* SCLINK_MODELS_ID_H */
