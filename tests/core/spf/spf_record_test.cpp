// Tests of src/core/spf/spf_record.cpp: record selection and the term
// grammar of RFC 7208 §4.5, §4.6, §5, §6 and §12, one row per case.
#include <catch2/catch.hpp>

#include "core/spf/spf_record.hpp"

using namespace sw::spf;

TEST_CASE("is_spf_record selects v=spf1 followed by a space or the end (RFC 7208 §4.5)") {
    struct Row {
        const char* text;
        bool want;
    };
    const Row rows[] = {
        {"v=spf1", true},          {"v=spf1 -all", true}, {"V=SpF1 -all", true}, {"v=spf10", false},
        {"v=spf1-all", false},     {" v=spf1 -all", false}, {"spf2.0/pra -all", false}, {"", false},
    };
    for (const auto& r : rows)
        DYNAMIC_SECTION("\"" << r.text << "\"") { CHECK(is_spf_record(r.text) == r.want); }
}

TEST_CASE("parse_record accepts well-formed records") {
    struct Row {
        const char* text;
        std::size_t mechanisms;
        bool redirect;
        bool exp;
    };
    const Row rows[] = {
        {"v=spf1", 0, false, false},
        {"v=spf1 -all ", 1, false, false},
        {"v=spf1 a  -all", 2, false, false},
        {"v=spf1 +a -mx ~ptr ?exists:%{i}.x.example all", 5, false, false},
        {"v=spf1 A:Example.COM/24//64 MX/0 IP4:192.0.2.0/24 Ip6:2001:db8::/32", 4, false, false},
        {"v=spf1 a:foo:bar/baz.example.com", 1, false, false},
        {"v=spf1 a:foo.example.xn--zckzah", 1, false, false},
        {"v=spf1 include:_spf.example.com. -all", 2, false, false},
        {"v=spf1 redirect=_spf.example.com", 0, true, false},
        {"v=spf1 -all exp=explain._spf.%{d}", 1, false, true},
        {"v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", 2, false, false},
        {"v=spf1 default=+", 0, false, false},
        {"v=spf1 a:%{d}", 1, false, false},
        {"v=spf1 a:macro%%percent%_%_space%-url-space.example.com", 1, false, false},
        {"v=spf1 exists:%{l1r+}.%{ir}.%{v}.%{d2}", 1, false, false},
        {"v=spf1 ip6:::1.1.1.1/0 ip4:0.0.0.0/0", 2, false, false},
        {"v=spf1 a//33 mx//33", 2, false, false},  // /33 is an IPv6 length here
    };
    for (const auto& r : rows) {
        DYNAMIC_SECTION("\"" << r.text << "\"") {
            auto rec = parse_record(r.text);
            REQUIRE(rec.ok());
            CHECK(rec->mechanisms.size() == r.mechanisms);
            CHECK(rec->redirect.has_value() == r.redirect);
            CHECK(rec->exp.has_value() == r.exp);
        }
    }
}

TEST_CASE("parse_record fields: qualifiers, domain-spec, dual CIDR, networks") {
    auto rec = parse_record("v=spf1 -a:d.example/24//64 ~mx//0 ?ip4:192.0.2.1/16 ip6:2001:DB8::1/48 ptr");
    REQUIRE(rec.ok());
    const auto& m = rec->mechanisms;
    REQUIRE(m.size() == 5);
    CHECK(m[0].qualifier == Qualifier::fail);
    CHECK(m[0].kind == MechanismKind::a);
    CHECK(m[0].domain_spec == "d.example");
    CHECK(int(m[0].cidr4) == 24);
    CHECK(int(m[0].cidr6) == 64);
    CHECK(m[0].text == "-a:d.example/24//64");
    CHECK(m[1].qualifier == Qualifier::softfail);
    CHECK(m[1].domain_spec.empty());
    CHECK(int(m[1].cidr4) == 32);
    CHECK(int(m[1].cidr6) == 0);
    CHECK(m[2].qualifier == Qualifier::neutral);
    CHECK(m[2].network.v4);
    CHECK(int(m[2].cidr4) == 16);
    CHECK_FALSE(m[3].network.v4);
    CHECK(int(m[3].cidr6) == 48);
    CHECK(m[4].kind == MechanismKind::ptr);
    CHECK(m[4].qualifier == Qualifier::pass);
}

TEST_CASE("parse_record: every malformed term is a permerror (RFC 7208 §4.6, §12)") {
    const char* const rows[] = {
        "v=spf1 ip4:1.2.3.4 -all moo",             // unknown mechanism, anywhere
        "v=spf1 moo.cow/far_out=man:dog/cat",      // '/' before '=': a mechanism
        "v=spf1 moo.cow:far_out=man:dog/cat",
        "v=spf1 redirect:t2.example.com",          // redirect is a modifier
        "v=spf1 -all.",                            // all takes nothing
        "v=spf1 -all:foobar",
        "v=spf1 -all/8",
        "v=spf1 ptr/0",                            // ptr takes no CIDR
        "v=spf1 ptr:",                             // empty domain-spec
        "v=spf1 a:",
        "v=spf1 mx: -all",
        "v=spf1 include",                          // domain-spec required
        "v=spf1 include: -all",
        "v=spf1 include:ip5.example.com/24",       // no CIDR on include
        "v=spf1 exists",
        "v=spf1 exists:",
        "v=spf1 exists:mail.example.com/24",
        "v=spf1 a/33",                             // IPv4 prefix over 32
        "v=spf1 a//129",
        "v=spf1 a/24/64",                          // single slash before the IPv6 length
        "v=spf1 mx/33",
        "v=spf1 ip4:1.2.3.4/33",
        "v=spf1 ip4:1.2.3.4/032",                  // leading zero
        "v=spf1 ip4",
        "v=spf1 ip4:1.2.3.4//32",
        "v=spf1 ip4:1.2.3.4:8080",
        "v=spf1 ip4:1.2.3",                        // no shortened addresses
        "v=spf1 -all ip6",
        "v=spf1 ip6:::1.1.1.1/129",
        "v=spf1 ip6:::1.1.1.1//33",
        "v=spf1 ip6::CAFE::BABE",
        "v=spf1 a:foo-bar -all",                   // domain-end needs "." toplabel
        "v=spf1 a:111.222.33.44",                  // toplabel all numeric
        "v=spf1 a:abc.123",
        "v=spf1 a:museum",
        "v=spf1 a:museum.",
        "v=spf1 a:example.-com",
        "v=spf1 a:example.com:8080",
        "v=spf1 exp=",                             // explicit empty exp= (erratum)
        "v=spf1 exp=-all",
        "v=spf1 redirect=-all ?all",
        "v=spf1 ?all redirect=",
        "v=spf1 exp=a.example.com exp=b.example.com",
        "v=spf1 redirect=a.example.com redirect=a.example.com",
        "v=spf1 1up=foo",                          // name starts with ALPHA
        "v=spf1 =all",
        "v=spf1 -all foo=%abc",                    // bad macro in unknown modifier
        "v=spf1 +redirect=a.example.com",          // no qualifier on modifiers
        "v=spf1 -exists:%(ir).sbl.example.com",   // '%' then '('
        "v=spf1 exists:foo%.sbl.example.com",
        "v=spf1 a:%{a}.example.com",               // no such macro letter
        "v=spf1 -all exp=%{r}.example.com",        // c r t only in explanations
        "v=spf1 a:%{d0}.example.com",              // DIGIT must be nonzero
        "v=spf1 a:%{d.example.com",
        "v=spf1 a:ctrl.example.com\rptr -all",    // only SP separates terms
        "v=spf1 ip4:192.0.2.5\n include:x.example ~all",
        "v=spf1 a:\xEF\xBB\xBFgarbage.example.net -all",  // 7-bit only
        "v=spf1 \x80" "a:example.net -all",
        "v=spf1 a:example.net \x96" "all",
    };
    for (const char* text : rows) {
        DYNAMIC_SECTION("\"" << text << "\"") {
            auto rec = parse_record(text);
            CHECK_FALSE(rec.ok());
        }
    }
    SECTION("a NUL inside a term") {
        std::string text("v=spf1 a:foo.example.com\0", 25);
        CHECK_FALSE(parse_record(text).ok());
    }
    SECTION("the message names the term") {
        auto rec = parse_record("v=spf1 ip4:1.2.3.4 -all moo");
        REQUIRE_FALSE(rec.ok());
        CHECK(rec.error().find("\"moo\"") != std::string::npos);
    }
}
