// Tests of src/core/dkim/dkim_record.cpp and dkim_key.cpp: the DNS record of
// a key, its zone-file form, and the comparison `keys activate` relies on.
#include <catch2/catch.hpp>

#include "core/dkim/dkim_record.hpp"

using namespace sw;
using sw::dkim::Algorithm;

TEST_CASE("key record: value and zone-file line split at 255 octets") {
    auto pem = dkim::generate_private_key(Algorithm::RsaSha256, 2048);
    REQUIRE(pem.ok());
    auto info = dkim::inspect_private_key(*pem);
    REQUIRE(info.ok());
    CHECK(info->bits == 2048);
    auto value = dkim::key_record_value(*info);
    CHECK_THAT(value, Catch::StartsWith("v=DKIM1; k=rsa; p=MIIB"));
    auto line = dkim::zone_file_line("s2026r", "acme.example", value);
    CHECK_THAT(line, Catch::StartsWith("s2026r._domainkey.acme.example. IN TXT ( \""));
    CHECK_THAT(line, Catch::EndsWith("\" )"));
    // every character-string at most 255 octets, and together the value
    std::string joined;
    for (std::size_t at = line.find('"'); at != std::string::npos; at = line.find('"', line.find('"', at + 1) + 1)) {
        auto end = line.find('"', at + 1);
        auto piece = line.substr(at + 1, end - at - 1);
        CHECK(piece.size() <= 255);
        joined += piece;
    }
    CHECK(joined == value);
}

TEST_CASE("key record: Ed25519 publishes the raw 32-octet key") {
    auto pem = dkim::generate_private_key(Algorithm::Ed25519Sha256, 0);
    REQUIRE(pem.ok());
    auto info = dkim::inspect_private_key(*pem);
    REQUIRE(info.ok());
    CHECK(info->algorithm == Algorithm::Ed25519Sha256);
    CHECK(info->public_key_b64.size() == 44);  // base64 of 32 octets
    CHECK_THAT(dkim::key_record_value(*info), Catch::StartsWith("v=DKIM1; k=ed25519; p="));
}

TEST_CASE("key record: matching a published record") {
    auto mine = dkim::inspect_private_key(*dkim::generate_private_key(Algorithm::RsaSha256, 1024));
    auto other = dkim::inspect_private_key(*dkim::generate_private_key(Algorithm::RsaSha256, 1024));
    auto ed = dkim::inspect_private_key(*dkim::generate_private_key(Algorithm::Ed25519Sha256, 0));
    REQUIRE(mine.ok());
    REQUIRE(other.ok());
    REQUIRE(ed.ok());
    std::string why;
    CHECK(dkim::record_matches(dkim::key_record_value(*mine), *mine, why));
    // whitespace inside p= (long records are often written so), no k= (rsa by default)
    std::string spaced = "v=DKIM1; p=" + mine->public_key_b64.substr(0, 20) + " " + mine->public_key_b64.substr(20);
    CHECK(dkim::record_matches(spaced, *mine, why));
    CHECK_FALSE(dkim::record_matches(dkim::key_record_value(*other), *mine, why));
    CHECK(why == "the published key is not the public half of our private key");
    CHECK_FALSE(dkim::record_matches("v=DKIM1; k=rsa; p=", *mine, why));
    CHECK(why == "the record has no key (p= empty: revoked)");
    CHECK_FALSE(dkim::record_matches(dkim::key_record_value(*ed), *mine, why));
    CHECK(why == "k=ed25519 but our key is rsa");
    CHECK(dkim::record_matches(dkim::key_record_value(*ed), *ed, why));
    CHECK_FALSE(dkim::record_matches("v=spf1 -all", *mine, why));
    CHECK_FALSE(dkim::record_matches("p=x; p=y", *mine, why));
}
