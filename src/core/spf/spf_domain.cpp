// Domain-name checks for SPF; see spf_domain.hpp.
#include "core/spf/spf_domain.hpp"

namespace sw::spf {

namespace {

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;

std::string_view drop_dot(std::string_view s) noexcept {
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
    return s;
}

// Every label 1..63 octets; returns the number of labels, 0 when malformed.
std::size_t count_labels(std::string_view s) noexcept {
    if (s.empty()) return 0;
    std::size_t labels = 0, start = 0;
    while (true) {
        std::size_t dot = s.find('.', start);
        std::size_t len = (dot == std::string_view::npos ? s.size() : dot) - start;
        if (len == 0 || len > kMaxLabel) return 0;
        ++labels;
        if (dot == std::string_view::npos) return labels;
        start = dot + 1;
    }
}

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool is_checkable_domain(std::string_view domain) noexcept {
    domain = drop_dot(domain);
    if (domain.empty() || domain.size() > kMaxName || domain.front() == '[') return false;
    return count_labels(domain) >= 2;
}

std::string_view finish_target(const std::string& name) noexcept {
    std::string_view s = drop_dot(name);
    while (s.size() > kMaxName) {
        std::size_t dot = s.find('.');
        if (dot == std::string_view::npos) return {};
        s.remove_prefix(dot + 1);
    }
    return count_labels(s) ? s : std::string_view{};
}

bool is_within(std::string_view name, std::string_view domain) noexcept {
    name = drop_dot(name);
    domain = drop_dot(domain);
    if (domain.empty() || name.size() < domain.size()) return false;
    std::size_t off = name.size() - domain.size();
    if (off > 0 && name[off - 1] != '.') return false;
    for (std::size_t i = 0; i < domain.size(); ++i)
        if (lower(name[off + i]) != lower(domain[i])) return false;
    return true;
}

}  // namespace sw::spf
