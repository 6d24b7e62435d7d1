// Tests of src/core/spf/spf_macro.cpp: the expansion examples of RFC 7208
// §7.4 and the corner cases of §7.1 and §7.3 (transformers, delimiters, URL
// escaping, %% %_ %-), one row per case.
#include <catch2/catch.hpp>

#include "core/spf/spf_macro.hpp"

using namespace sw::spf;

namespace {

struct FixedNames final : ValidatedNames {
    std::string_view validated_name(std::string_view) override { return "mx.example.org"; }
};

// RFC 7208 §7.4: sender strong-bad@email.example.com, client 192.0.2.3 or
// 2001:db8::cb01, PTR name mx.example.org.
MacroValues rfc_values(FixedNames& names, bool v6) {
    MacroValues v;
    v.s = "strong-bad@email.example.com";
    v.l = "strong-bad";
    v.o = "email.example.com";
    v.d = "email.example.com";
    v.i = v6 ? "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1" : "192.0.2.3";
    v.c = v6 ? "2001:db8::cb01" : "192.0.2.3";
    v.v = v6 ? "ip6" : "in-addr";
    v.h = "mx.example.org";
    v.r = "receiver.example.net";
    v.t = "1700000000";
    v.p = &names;
    return v;
}

std::string expand(std::string_view text, const MacroValues& v, MacroMode mode = MacroMode::domain) {
    std::string out;
    if (!expand_macros(text, mode, v, out)) return "<error>";
    return out;
}

}  // namespace

TEST_CASE("RFC 7208 §7.4 examples") {
    FixedNames names;
    struct Row {
        const char* macro;
        const char* want;
        bool v6;
    };
    const Row rows[] = {
        {"%{s}", "strong-bad@email.example.com", false},
        {"%{o}", "email.example.com", false},
        {"%{d}", "email.example.com", false},
        {"%{d4}", "email.example.com", false},
        {"%{d3}", "email.example.com", false},
        {"%{d2}", "example.com", false},
        {"%{d1}", "com", false},
        {"%{dr}", "com.example.email", false},
        {"%{d2r}", "example.email", false},
        {"%{l}", "strong-bad", false},
        {"%{l-}", "strong.bad", false},
        {"%{lr}", "strong-bad", false},
        {"%{lr-}", "bad.strong", false},
        {"%{l1r-}", "strong", false},
        {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com", false},
        {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com", false},
        {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com", false},
        {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com", false},
        {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net", false},
        {"%{ir}.%{v}._spf.%{d2}",
         "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com", true},
    };
    for (const auto& r : rows) {
        DYNAMIC_SECTION(r.macro << (r.v6 ? " (IPv6)" : "")) { CHECK(expand(r.macro, rfc_values(names, r.v6)) == r.want); }
    }
}

TEST_CASE("Macro corner cases (RFC 7208 §7.1, §7.3)") {
    FixedNames names;
    MacroValues v = rfc_values(names, false);
    struct Row {
        const char* label;
        const char* text;
        const char* want;
    };
    const Row rows[] = {
        {"escapes", "%%%_%-", "% %20"},
        {"macro-mania", "macro%%percent%_%_space%-url-space.example.com", "macro%percent  space%20url-space.example.com"},
        {"uppercase URL-escapes", "%{L}", "strong-bad"},
        {"uppercase S escapes @", "%{S}", "strong-bad%40email.example.com"},
        {"l1r+ with no + in the value", "%{l1r+}", "strong-bad"},
        {"several delimiters", "%{l2r+-}", "bad.strong"},
        {"digits beyond the parts", "%{d99}", "email.example.com"},
        {"huge digits", "%{d123456789012}", "email.example.com"},
        {"reverse on one part", "%{l1r}", "strong-bad"},
        {"uppercase R", "%{dR}", "com.example.email"},
        {"p", "%{p}", "mx.example.org"},
        {"p2", "%{p2}.trusted.example", "example.org.trusted.example"},
        {"h", "%{h}", "mx.example.org"},
        {"every delimiter", "%{o.-+,/_=}", "email.example.com"},
        {"empty parts are kept", "%{d2-}", "email.example.com"},
        {"trailing dot kept in expansion", "%{d}.", "email.example.com."},
    };
    for (const auto& r : rows)
        DYNAMIC_SECTION(r.label) { CHECK(expand(r.text, v) == r.want); }

    SECTION("URL escaping keeps unreserved characters and escapes the rest in upper-case hex") {
        MacroValues u = v;
        u.l = "~jack&jill=up-a_b3.c";
        CHECK(expand("http://example.com/why.html?l=%{L}", u, MacroMode::explanation) ==
              "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c");
    }
    SECTION("empty parts after splitting") {
        MacroValues u = v;
        u.l = "a--b";
        CHECK(expand("%{l-}", u) == "a..b");
        CHECK(expand("%{lr-}", u) == "b..a");
        CHECK(expand("%{l2-}", u) == ".b");
    }
    SECTION("no validated-name source means unknown") {
        MacroValues u = v;
        u.p = nullptr;
        CHECK(expand("%{p}", u) == "unknown");
    }
    SECTION("explanation letters and spaces") {
        CHECK(expand("%{c} via %{r} at %{t}", v, MacroMode::explanation) == "192.0.2.3 via receiver.example.net at 1700000000");
        CHECK(expand("%{c}", v, MacroMode::domain) == "<error>");
        CHECK(expand("a b", v, MacroMode::domain) == "<error>");
    }
}

TEST_CASE("Macro syntax errors (RFC 7208 §7.1)") {
    const char* const bad[] = {"%", "foo%", "%(ir)", "%a", "%{", "%{d", "%{x}", "%{a}", "%{d0}", "%{d2x}",
                               "%{dr.r}", "%{c}", "%{r}", "%{t}", "\x7f", "a\tb"};
    for (const char* text : bad)
        DYNAMIC_SECTION("\"" << text << "\"") { CHECK_FALSE(macro_syntax_error(text, MacroMode::domain).empty()); }
    CHECK(macro_syntax_error("The %{c} is %{r} at %{t}.", MacroMode::explanation).empty());
    CHECK_FALSE(macro_syntax_error("The %{x}-files.", MacroMode::explanation).empty());
}

TEST_CASE("domain-spec syntax (RFC 7208 §7.1 domain-end)") {
    struct Row {
        const char* spec;
        bool ok;
    };
    const Row rows[] = {
        {"example.com", true},        {"example.com.", true},   {"%{d}", true},          {"%{d}.com", true},
        {"foo.%{d}", true},           {".museum", true},        {"a.xn--zckzah", true},  {"x.1-2", true},
        {"foo%%", true},              {"", false},              {"museum", false},       {"museum.", false},
        {"%{d}.", false},             {"foo.123", false},       {"foo.-com", false},     {"foo.com-", false},
        {"foo.com:80", false},        {"foo.c_m", false},       {"%{d}com", false},      {"foo.com..", false},
    };
    for (const auto& r : rows)
        DYNAMIC_SECTION("\"" << r.spec << "\"") { CHECK(domain_spec_error(r.spec).empty() == r.ok); }
}
