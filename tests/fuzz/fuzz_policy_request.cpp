// libFuzzer target: policy request framing and parsing (src/policyd/
// policy_request.cpp). Any input must frame and parse without a crash, and
// framing must never report a block longer than the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policyd/policy_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view buf(reinterpret_cast<const char*>(data), size);
    std::size_t from = 0, consumed = 0;
    while (!buf.empty()) {
        auto end = sw::policyd::find_request_end(buf, from, consumed);
        if (!end) break;
        if (*end > buf.size() || consumed > buf.size() || consumed == 0) std::abort();
        sw::policyd::PolicyRequest req;
        (void)sw::policyd::parse_request(buf.substr(0, *end), {100}, req);
        buf.remove_prefix(consumed);
        from = 0;
    }
    return 0;
}
