// libFuzzer target: DNS RDATA parsing (src/core/dns/rdata.cpp), the first
// code that sees bytes from DNS servers. Any input must parse or be
// rejected without a crash; names come out printable (escaped) and no
// longer than the escaping allows; TXT is never longer than its input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/dns/rdata.hpp"

namespace {

void check_printable(const std::string& s, std::size_t input_size) {
    if (s.size() > 4 * input_size) std::abort();  // "\DDD" is the longest escape
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sw::dns::Rdata rd(data, size);
    if (auto t = sw::dns::parse_txt(rd); t && t->size() > size) std::abort();
    if (auto n = sw::dns::parse_name(rd)) check_printable(*n, size);
    if (auto m = sw::dns::parse_mx(rd)) check_printable(m->host, size);
    if (sw::dns::parse_a(rd) && size != 4) std::abort();
    if (sw::dns::parse_aaaa(rd) && size != 16) std::abort();
    sw::dns::Answer a;
    for (auto t : {sw::dns::Type::A, sw::dns::Type::AAAA, sw::dns::Type::TXT, sw::dns::Type::MX, sw::dns::Type::PTR,
                   sw::dns::Type::CNAME, sw::dns::Type::SPF})
        (void)sw::dns::add_rdata(t, rd, a);
    return 0;
}
