// Tests of src/core/suppress/address.cpp: the keys suppressions compare.
#include <catch2/catch.hpp>

#include "core/suppress/address.hpp"

using namespace sw::suppress;

namespace {

std::string key(std::string_view text, LocalPartCase mode = LocalPartCase::Insensitive) {
    auto a = normalize_address(text, mode);
    REQUIRE(a.ok());
    return a->key();
}

std::string error(std::string_view text) {
    auto a = normalize_address(text);
    REQUIRE_FALSE(a.ok());
    return a.error();
}

}  // namespace

TEST_CASE("address: case, brackets, spaces and the root dot") {
    CHECK(key("Bob.Smith@Example.ORG") == "bob.smith@example.org");
    CHECK(key("  <bob@example.org.>  ") == "bob@example.org");
    CHECK(key("Bob@Example.org", LocalPartCase::Sensitive) == "Bob@example.org");
    // a quoted local part keeps its quotes; a space inside it is refused below
    CHECK(key("\"Odd.Local\"@example.org") == "\"odd.local\"@example.org");
}

TEST_CASE("address: @domain stands for the whole domain") {
    auto a = normalize_address("@Example.ORG");
    REQUIRE(a.ok());
    CHECK(a->whole_domain());
    CHECK(a->key() == "@example.org");
}

TEST_CASE("address: IDN domains become A-labels, already ASCII ones stay") {
    CHECK(key("user@bücher.example") == "user@xn--bcher-kva.example");
    CHECK(key("user@BÜCHER.example") == "user@xn--bcher-kva.example");
    CHECK(key("user@xn--bcher-kva.example") == "user@xn--bcher-kva.example");
    // IDNA2008 non-transitional: ß stays a letter of its own
    CHECK(key("user@faß.example") == "user@xn--fa-hia.example");
}

TEST_CASE("address: what cannot be an address is refused with the reason") {
    CHECK_THAT(error("no-at-sign"), Catch::Contains("no @domain"));
    CHECK_THAT(error("user@"), Catch::Contains("no domain"));
    CHECK_THAT(error("user@a..b"), Catch::Contains("empty label"));
    CHECK_THAT(error("us er@example.org"), Catch::Contains("space"));
    CHECK_THAT(error(std::string(65, 'a') + "@example.org"), Catch::Contains("64 octets"));
    CHECK_THAT(error("user@" + std::string(64, 'a') + ".org"), Catch::Contains("63 octets"));
    CHECK_THAT(error("user@exa mple.org"), Catch::Contains("character"));
    CHECK_THAT(error("user@\xff\xfe.example"), Catch::Contains("not a valid IDN"));
}

TEST_CASE("address: [suppress] local_part_case selects the mode") {
    CHECK(local_part_case("sensitive") == LocalPartCase::Sensitive);
    CHECK(local_part_case("insensitive") == LocalPartCase::Insensitive);
    auto a = normalize_address("Bob.Smith@Example.ORG", local_part_case("sensitive"));
    REQUIRE(a.ok());
    CHECK(a->key() == "Bob.Smith@example.org");
    auto b = normalize_address("Bob.Smith@Example.ORG", local_part_case("insensitive"));
    REQUIRE(b.ok());
    CHECK(b->key() == "bob.smith@example.org");
}
