// org_domain; see org_domain.hpp.
#include "core/util/org_domain.hpp"

#include <libpsl.h>

#include <memory>

#include "core/util/strings.hpp"

namespace sw {
namespace {

struct PslFree {
    void operator()(psl_ctx_t* p) const noexcept { psl_free(p); }
};

const psl_ctx_t* psl() {
    // psl_latest() prefers the newest of the system list and the built-in one.
    static const std::unique_ptr<psl_ctx_t, PslFree> ctx(psl_latest(nullptr));
    return ctx ? ctx.get() : psl_builtin();
}

}  // namespace

std::string org_domain(std::string_view domain) {
    std::string name = to_lower(domain);
    while (!name.empty() && name.back() == '.') name.pop_back();
    // libpsl reads a C string: a NUL inside would cut the name short, and
    // "a.example.com\0.evil.org" would be example.com's. No domain has one.
    if (name.empty() || name.find('\0') != std::string::npos) return name;
    const psl_ctx_t* ctx = psl();
    const char* reg = ctx ? psl_registrable_domain(ctx, name.c_str()) : nullptr;
    return reg ? std::string(reg) : name;
}

bool same_org_domain(std::string_view a, std::string_view b) {
    return !a.empty() && !b.empty() && org_domain(a) == org_domain(b);
}

}  // namespace sw
