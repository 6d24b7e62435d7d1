// libFuzzer target: policy request framing and parsing (src/policyd/
// policy_request.cpp). Any input must frame and parse without a crash,
// framing must never report a block longer than the input, and framing the
// bytes as they arrive one at a time (resuming from `from`, as the server
// does across reads) must end each request where framing it at once does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "policyd/policy_request.hpp"

namespace {

std::optional<std::size_t> frame_bytewise(std::string_view buf, std::size_t& consumed) {
    std::size_t from = 0;
    for (std::size_t k = 1; k <= buf.size(); ++k) {
        if (auto end = sw::policyd::find_request_end(buf.substr(0, k), from, consumed)) return end;
        if (from > k) std::abort();
    }
    return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view buf(reinterpret_cast<const char*>(data), size);
    std::size_t from = 0, consumed = 0;
    while (!buf.empty()) {
        auto end = sw::policyd::find_request_end(buf, from, consumed);
        std::size_t consumed_bytewise = 0;
        auto end_bytewise = frame_bytewise(buf, consumed_bytewise);
        if (end != end_bytewise) std::abort();
        if (!end) break;
        if (*end > buf.size() || consumed > buf.size() || consumed == 0) std::abort();
        if (consumed_bytewise != consumed) std::abort();
        sw::policyd::PolicyRequest req;
        (void)sw::policyd::parse_request(buf.substr(0, *end), {100}, req);
        buf.remove_prefix(consumed);
        from = 0;
    }
    return 0;
}
