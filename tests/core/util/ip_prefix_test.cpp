// Tests of src/core/util/ip_prefix.cpp.
#include <catch2/catch.hpp>

#include "core/util/ip_prefix.hpp"

using namespace sw;

TEST_CASE("IpPrefix parses hosts and networks, clearing host bits") {
    CHECK(IpPrefix::parse("192.0.2.7")->to_string() == "192.0.2.7");
    CHECK(IpPrefix::parse("10.1.2.3/8")->to_string() == "10.0.0.0/8");
    CHECK(IpPrefix::parse("2001:db8::1/64")->to_string() == "2001:db8::/64");
    CHECK(IpPrefix::parse("10.1.2.3/8")->first_address() == "10.0.0.0");
    CHECK(IpPrefix::parse("2001:db8::1/64")->first_address() == "2001:db8::");
    CHECK(IpPrefix::parse("0.0.0.0/0")->contains(*IpPrefix::parse("203.0.113.9")));
    for (const char* bad : {"", "1.2.3", "1.2.3.4/33", "::1/129", "host.example", "1.2.3.4/", "1.2.3.4/x"}) {
        DYNAMIC_SECTION("bad '" << bad << "'") { CHECK_FALSE(IpPrefix::parse(bad)); }
    }
}

TEST_CASE("IPv4-mapped IPv6 addresses are the IPv4 client") {
    auto mapped = IpPrefix::parse("::ffff:192.0.2.7");
    REQUIRE(mapped);
    CHECK(mapped->is_v4());
    CHECK(*mapped == *IpPrefix::parse("192.0.2.7"));
}

TEST_CASE("client_network counts IPv6 clients per /64") {
    auto a = IpPrefix::client_network("2001:db8:1:2:aaaa::1", 32, 64);
    auto b = IpPrefix::client_network("2001:db8:1:2:bbbb::9", 32, 64);
    REQUIRE(a);
    CHECK(*a == *b);
    CHECK(a->to_string() == "2001:db8:1:2::/64");
    CHECK(IpPrefix::client_network("192.0.2.7", 24, 64)->to_string() == "192.0.2.0/24");
    CHECK_FALSE(IpPrefix::client_network("10.0.0.0/8", 32, 64));
    CHECK(IpPrefix::parse("10.0.0.0/8")->contains(*IpPrefix::client_network("10.9.9.9", 32, 64)));
    CHECK_FALSE(IpPrefix::parse("10.0.0.0/8")->contains(*IpPrefix::client_network("11.9.9.9", 32, 64)));
}
