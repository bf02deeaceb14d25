/*
 * A test plugin: model type "dma-probe" issues the DMA transactions the
 * built-in models never do, so that tests/gateway/dma-refused.sh and
 * dma-4gib.sh see how the gateway answers them.  Registers, 32 bits,
 * little-endian:
 *
 *   0x00 ADDR_LO, 0x04 ADDR_HI   guest address
 *   0x08 LEN                     bytes to move
 *   0x0c BE                      bit 31: set a byte-enable pointer; bit 30:
 *                                its pattern disables (0x00) rather than
 *                                enables (0xff); bits 29:0:
 *                                byte_enable_length
 *   0x10 GO                      write: one b_transport on the DMA socket,
 *                                from inside this write; a write if bit 0
 *                                of the value is set, else a read
 *   0x14 RESULT                  the TLM status it ended with (int, e.g.
 *                                -5 TLM_BYTE_ENABLE_ERROR_RESPONSE)
 *
 * The data lives in fresh anonymous pages, so that a transfer of 4 GiB
 * that nobody stores costs no memory.
 */
#include <cstring>
#include <string>
#include <vector>

#include <sys/mman.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "model.h"

namespace {

class DmaProbe : public sc_core::sc_module, public sclink::Model {
public:
    tlm_utils::simple_target_socket<DmaProbe> socket;
    tlm_utils::simple_initiator_socket<DmaProbe> dma;

    explicit DmaProbe(sc_core::sc_module_name name)
        : sc_module(name), socket("socket"), dma("dma")
    {
        socket.register_b_transport(this, &DmaProbe::b_transport);
    }

    tlm::tlm_target_socket<> &target() override { return socket; }
    tlm::tlm_initiator_socket<> *dma_initiator() override { return &dma; }

private:
    uint32_t regs_[6] = {0};

    void go(bool write)
    {
        const uint32_t len = regs_[2], be_len = regs_[3] & 0x3fffffff;
        const size_t span = len ? len : 1;
        void *data = mmap(nullptr, span, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        std::vector<unsigned char> be(be_len ? be_len : 1,
                                      regs_[3] & (1u << 30) ? 0 : TLM_BYTE_ENABLED);
        tlm::tlm_generic_payload tx;
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;

        if (data == MAP_FAILED) {
            regs_[5] = (uint32_t)tlm::TLM_GENERIC_ERROR_RESPONSE;
            return;
        }
        tx.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        tx.set_address((uint64_t)regs_[1] << 32 | regs_[0]);
        tx.set_data_ptr(static_cast<unsigned char *>(data));
        tx.set_data_length(len);
        tx.set_streaming_width(len);
        tx.set_byte_enable_ptr(regs_[3] >> 31 ? be.data() : nullptr);
        tx.set_byte_enable_length(be_len);
        tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        dma->b_transport(tx, delay);
        regs_[5] = (uint32_t)tx.get_response_status();
        munmap(data, span);
    }

    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &)
    {
        const uint64_t addr = tx.get_address();

        if (tx.get_data_length() != 4 || tx.get_streaming_width() != 4 ||
            tx.get_byte_enable_ptr() || addr % 4 || addr >= sizeof(regs_)) {
            tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (tx.is_read()) {
            std::memcpy(tx.get_data_ptr(), &regs_[addr / 4], 4);
        } else {
            std::memcpy(&regs_[addr / 4], tx.get_data_ptr(), 4);
            if (addr == 0x10)
                go(regs_[4] & 1);
        }
        tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

bool make_dma_probe(const sclink::ModelConfig &cfg, std::unique_ptr<sclink::Model> &out, std::string &err)
{
    if (!cfg.only_keys({}, err))
        return false;
    out.reset(new DmaProbe(cfg.name.c_str()));
    return true;
}

} // namespace

static int init_plugin(void)
{
    return sclink::register_model_type("dma-probe", make_dma_probe) ? 0 : -1;
}

SCLINK_PLUGIN(init_plugin);
