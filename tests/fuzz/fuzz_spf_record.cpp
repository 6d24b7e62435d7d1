// libFuzzer target: the SPF record parser and macro expander
// (src/core/spf/spf_record.cpp, spf_macro.cpp, spf_domain.cpp). Any input
// must parse or be refused without a crash; every view of a parsed record
// must lie inside the input; every domain-spec the parser accepts must
// expand, and its finished target must fit in a DNS name; macro text the
// syntax check accepts must expand, and text it refuses must not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/spf/spf_domain.hpp"
#include "core/spf/spf_macro.hpp"
#include "core/spf/spf_record.hpp"

namespace {

struct Names final : sw::spf::ValidatedNames {
    std::string_view validated_name(std::string_view) override { return "mx.example.org"; }
};

sw::spf::MacroValues values(Names& names) {
    sw::spf::MacroValues v;
    v.s = "strong-bad@email.example.com";
    v.l = "strong-bad";
    v.o = "email.example.com";
    v.d = "email.example.com";
    v.i = "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1";
    v.c = "2001:db8::cb01";
    v.v = "ip6";
    v.h = "mx.example.org";
    v.r = "receiver.example.net";
    v.t = "1700000000";
    v.p = &names;
    return v;
}

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_spec(std::string_view spec, const sw::spf::MacroValues& v) {
    std::string out;
    if (!sw::spf::expand_macros(spec, sw::spf::MacroMode::domain, v, out)) std::abort();
    std::string_view t = sw::spf::finish_target(out);
    if (t.size() > 253) std::abort();
}

void check_macro_text(std::string_view text, sw::spf::MacroMode mode, const sw::spf::MacroValues& v) {
    std::string out;
    bool expanded = sw::spf::expand_macros(text, mode, v, out);
    if (expanded != sw::spf::macro_syntax_error(text, mode).empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    Names names;
    auto v = values(names);

    // The input as a record, and as the terms of one.
    std::string prefixed = "v=spf1 " + std::string(input);
    for (std::string_view text : {input, std::string_view(prefixed)}) {
        auto rec = sw::spf::parse_record(text);
        if (!rec) continue;
        for (const auto& m : rec->mechanisms) {
            if (!inside(m.text, text) || !inside(m.domain_spec, text)) std::abort();
            if (m.cidr4 > 32 || m.cidr6 > 128) std::abort();
            if (!m.domain_spec.empty()) check_spec(m.domain_spec, v);
        }
        if (rec->redirect) check_spec(*rec->redirect, v);
        if (rec->exp) check_spec(*rec->exp, v);
    }

    // The input as macro text of both kinds, and as a domain.
    check_macro_text(input, sw::spf::MacroMode::domain, v);
    check_macro_text(input, sw::spf::MacroMode::explanation, v);
    if (sw::spf::domain_spec_error(input).empty()) check_spec(input, v);
    (void)sw::spf::is_checkable_domain(input);
    (void)sw::spf::is_within(input, "example.com");
    return 0;
}
