// Tests of src/core/spf/spf_address.cpp and spf_domain.cpp: CIDR matching,
// IPv4-mapped clients (RFC 7208 §5, §5.6), macro address forms (§7.3),
// domain checks (§4.3) and target finishing (§7.3 truncation).
#include <catch2/catch.hpp>

#include "core/spf/spf_address.hpp"
#include "core/spf/spf_domain.hpp"

using namespace sw::spf;

TEST_CASE("Client addresses: IPv4-mapped IPv6 is IPv4") {
    struct Row {
        const char* text;
        bool valid;
        bool v4;
    };
    const Row rows[] = {
        {"192.0.2.1", true, true},     {"::ffff:192.0.2.1", true, true}, {"::FFFF:1.2.3.4", true, true},
        {"2001:db8::1", true, false},  {"::1.2.3.4", true, false},       {"::ffff:0:1.2.3.4", true, false},
        {"1.2.3", false, false},       {"", false, false},                {"1.2.3.4/32", false, false},
        {"01.2.3.4", false, false},
    };
    for (const auto& r : rows) {
        DYNAMIC_SECTION(r.text) {
            auto a = parse_client_address(r.text);
            REQUIRE(a.has_value() == r.valid);
            if (a) CHECK(a->v4 == r.v4);
        }
    }
    CHECK(*parse_client_address("::ffff:192.0.2.1") == *parse_client_address("192.0.2.1"));
    // ip6: networks are never unmapped: they do not match IPv4 clients.
    auto net = parse_ip6("::FFFF:1.2.3.4");
    REQUIRE(net);
    CHECK_FALSE(net->v4);
    CHECK_FALSE(in_network(*parse_client_address("::FFFF:1.2.3.4"), *net, 128));
}

TEST_CASE("CIDR matching") {
    auto ip = [](const char* t) { return *parse_client_address(t); };
    struct Row {
        const char* client;
        const char* net;
        int bits;
        bool want;
    };
    const Row rows[] = {
        {"192.0.2.77", "192.0.2.0", 24, true},   {"192.0.3.1", "192.0.2.0", 24, false},
        {"1.2.3.4", "1.1.1.1", 0, true},         {"1.2.3.4", "1.2.3.4", 32, true},
        {"1.2.3.5", "1.2.3.4", 32, false},       {"1.2.3.4", "1.2.3.5", 31, true},
        {"1.2.3.4", "1.2.3.7", 30, true},        {"1.2.3.4", "1.2.3.8", 29, false},
        {"2001:db8::1", "2001:db8::", 32, true}, {"2001:db9::1", "2001:db8::", 32, false},
        {"cafe:babe:8000::", "cafe:babe::", 33, false},
        {"cafe:babe:7fff::", "cafe:babe::", 33, true},
        {"1234::1", "::", 0, true},              {"1.2.3.4", "::", 0, false},
        {"::ffff:1.2.3.4", "1.2.3.0", 24, true},
    };
    for (const auto& r : rows) {
        DYNAMIC_SECTION(r.client << " in " << r.net << "/" << r.bits) {
            CHECK(in_network(ip(r.client), ip(r.net), r.bits) == r.want);
        }
    }
}

TEST_CASE("Address forms for macros and PTR queries") {
    std::string s;
    append_dotted(*parse_client_address("192.0.2.3"), s);
    CHECK(s == "192.0.2.3");
    s.clear();
    append_dotted(*parse_client_address("2001:db8::cb01"), s);
    CHECK(s == "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
    s.clear();
    append_readable(*parse_client_address("CAFE:BABE::1"), s);
    CHECK(s == "cafe:babe::1");
    s.clear();
    append_reverse_name(*parse_client_address("192.0.2.3"), s);
    CHECK(s == "3.2.0.192.in-addr.arpa");
    s.clear();
    append_reverse_name(*parse_client_address("2001:db8::1"), s);
    CHECK(s == "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST_CASE("Domain checks of RFC 7208 §4.3") {
    std::string l63(63, 'a'), l64(64, 'a');
    struct Row {
        std::string domain;
        bool ok;
    };
    const Row rows[] = {
        {"example.com", true},      {"example.com.", true},        {l63 + ".example.com", true},
        {l64 + ".example.com", false}, {"A...example.com", false}, {"A2345678", false},
        {"[1.2.3.5]", false},       {"", false},                   {".example.com", false},
    };
    for (const auto& r : rows)
        DYNAMIC_SECTION("\"" << r.domain << "\"") { CHECK(is_checkable_domain(r.domain) == r.ok); }
}

TEST_CASE("Targets are finished per RFC 7208 §7.3") {
    CHECK(finish_target("example.com.") == "example.com");
    CHECK(finish_target("mail.example...com").empty());
    CHECK(finish_target(std::string(64, 'a') + ".example.com").empty());
    std::string label(29, 'x');
    std::string longname = "foobar";
    for (int i = 0; i < 8; ++i) longname += "." + label;
    longname += ".example.com";  // 258 octets
    std::string_view t = finish_target(longname);
    CHECK(t.size() <= 253);
    CHECK(t.substr(0, 29) == label);
    CHECK(is_within("mail.Example.com", "example.COM"));
    CHECK(is_within("example.com.", "example.com"));
    CHECK_FALSE(is_within("badexample.com", "example.com"));
    CHECK_FALSE(is_within("com", "example.com"));
}
