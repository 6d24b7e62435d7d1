// Tests of src/core/reports/address_text.cpp: addresses found in free text.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/reports/address_text.hpp"

using namespace sw::reports;

namespace {

std::vector<std::string> found(std::string_view text) {
    std::vector<std::string> out;
    for (const auto& h : find_addresses(text)) out.emplace_back(h.address);
    return out;
}

}  // namespace

TEST_CASE("address text: addresses in an NDR line, brackets and quotes left out") {
    CHECK(found("<alice@acme.example>: host mx.other.example said: 550 5.1.1 <Bob@Other.Example.>: unknown") ==
          std::vector<std::string>{"alice@acme.example", "Bob@Other.Example"});
    CHECK(found("delivery to ='x@y.example' failed; see ..bob@example.com") ==
          std::vector<std::string>{"x@y.example", "bob@example.com"});
    CHECK(found("1234@5678 and 12.34@56.78").empty());  // Message-ID shapes, no domain
}

TEST_CASE("address text: a domain starting with a dot is none (fuzz-address)") {
    // "user@.example.com" was taken for an address with the domain ".example.com".
    CHECK(found("user@.example.com").empty());
    CHECK(found("user@.example.com, next@example.org") == std::vector<std::string>{"next@example.org"});
}

TEST_CASE("address text: the stored form lower-cases the domain only") {
    CHECK(normalize_address("<Bob@Example.ORG.>") == "Bob@example.org");
    CHECK(address_key("<Bob@Example.ORG.>") == "bob@example.org");
    CHECK(normalize_address(normalize_address("\"Bob@Example.ORG\"")) == normalize_address("\"Bob@Example.ORG\""));
}
