// Policy request framing and parsing; see policy_request.hpp.
#include "policyd/policy_request.hpp"

#include <cstring>

namespace sw::policyd {

std::optional<std::size_t> find_request_end(std::string_view buf, std::size_t& from, std::size_t& consumed) {
    // A request that is only an empty line.
    if (!buf.empty() && buf[0] == '\n') {
        consumed = 1;
        from = 0;
        return 0;
    }
    std::size_t start = from > 0 ? from - 1 : 0;  // the first '\n' may be at from-1
    const char* p = buf.data();
    std::size_t n = buf.size();
    // memchr per line beats memmem("\n\n") on these short lines.
    for (std::size_t i = start; i + 1 < n;) {
        const void* nl = std::memchr(p + i, '\n', n - i - 1);
        if (!nl) break;
        std::size_t at = static_cast<const char*>(nl) - p;
        if (p[at + 1] == '\n') {
            consumed = at + 2;
            from = 0;
            return at + 1;  // the block keeps its last line's '\n'
        }
        i = at + 1;
    }
    from = n;
    return std::nullopt;
}

std::optional<RequestError> parse_request(std::string_view block, const RequestLimits& limits, PolicyRequest& out) {
    out = PolicyRequest{};
    if (std::memchr(block.data(), '\0', block.size())) return RequestError{"NUL byte in request"};
    std::size_t line_no = 0;
    while (!block.empty()) {
        ++line_no;
        auto nl = block.find('\n');
        std::string_view line = block.substr(0, nl);
        block = nl == std::string_view::npos ? std::string_view() : block.substr(nl + 1);
        auto eq = line.find('=');
        if (eq == std::string_view::npos)
            return RequestError{"line " + std::to_string(line_no) + " has no '='"};
        if (eq == 0) return RequestError{"line " + std::to_string(line_no) + " has an empty attribute name"};
        if (++out.attributes > limits.max_attributes)
            return RequestError{"more than " + std::to_string(limits.max_attributes) + " attributes"};
        std::string_view name = line.substr(0, eq), value = line.substr(eq + 1);
        // Dispatch on length first: most attributes are ones we ignore.
        switch (name.size()) {
            case 4:
                if (name == "size") out.size = value;
                break;
            case 6:
                if (name == "sender") out.sender = value;
                break;
            case 7:
                if (name == "request") out.request = value;
                break;
            case 8:
                if (name == "queue_id") out.queue_id = value;
                break;
            case 9:
                if (name == "recipient") out.recipient = value;
                break;
            case 11:
                if (name == "client_name") out.client_name = value;
                break;
            case 13:
                if (name == "sasl_username") out.sasl_username = value;
                break;
            case 14:
                if (name == "client_address") out.client_address = value;
                else if (name == "protocol_state") out.protocol_state = value;
                break;
            case 15:
                if (name == "recipient_count") out.recipient_count = value;
                break;
            default: break;
        }
    }
    return std::nullopt;
}

}  // namespace sw::policyd
