// Tests of src/core/dkim/sign_plan.cpp: outbound or inbound, and which keys.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/dkim/sign_plan.hpp"

using namespace sw;

TEST_CASE("direction: authenticated or internal is outbound") {
    auto internal = CidrList::parse("127.0.0.0/8, 10.0.0.0/8 2001:db8:1::/48");
    REQUIRE(internal.ok());
    struct Case {
        const char* auth;
        const char* addr;
        bool outbound;
        const char* why;
    };
    const Case cases[] = {
        {"alice@acme.example", "198.51.100.7", true, "auth=alice@acme.example"},
        {"", "10.1.2.3", true, "internal client 10.1.2.3"},
        {"", "2001:db8:1::25", true, "internal client 2001:db8:1::25"},
        {"", "::ffff:10.1.2.3", true, "internal client ::ffff:10.1.2.3"},
        {"", "198.51.100.7", false, "inbound"},
        {"", "2001:db8:2::25", false, "inbound"},
        {"", "", false, "inbound"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.auth << "|" << c.addr) {
            auto d = dkim::classify(c.auth, c.addr, *internal);
            CHECK(d.outbound == c.outbound);
            CHECK(d.why == c.why);
        }
    }
    CHECK_FALSE(CidrList::parse("10.0.0.0/8 nonsense").ok());
}

TEST_CASE("sign plan: keys or the reason there are none") {
    std::istringstream in("acme.example r rsa-sha256 /k/r\nacme.example e ed25519-sha256 /k/e\n"
                          "old.example o rsa-sha256 /k/o standby\n");
    std::vector<std::string> errors;
    auto table = dkim::SigningTable::parse(in, "signing", "/k", errors);
    REQUIRE(errors.empty());

    dkim::FromResult from{true, "alice@acme.example", "acme.example", ""};
    auto unloaded = dkim::plan_signing(from, table);
    CHECK(unloaded.keys.empty());
    CHECK(unloaded.reason == "the keys of acme.example are not loaded");

    dkim::FromResult other{true, "x@other.example", "other.example", ""};
    CHECK(dkim::plan_signing(other, table).reason == "no signing key for other.example");
    dkim::FromResult old{true, "x@old.example", "old.example", ""};
    CHECK(dkim::plan_signing(old, table).reason ==
          "no active key for old.example (all keys of old.example are standby)");
    dkim::FromResult bad{false, "", "", "2 From: headers"};
    CHECK(dkim::plan_signing(bad, table).reason == "2 From: headers");
}
