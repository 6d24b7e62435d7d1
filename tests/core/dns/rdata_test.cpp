// Tests of src/core/dns/rdata.cpp: well-formed records and hostile ones
// (truncated, overlong, compression pointers, odd bytes in labels).
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "core/dns/rdata.hpp"

using namespace sw::dns;

namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> b) {
    std::vector<std::uint8_t> v;
    for (int x : b) v.push_back(static_cast<std::uint8_t>(x));
    return v;
}

std::vector<std::uint8_t> wire_name(const std::vector<std::string>& labels) {
    std::vector<std::uint8_t> v;
    for (const auto& l : labels) {
        v.push_back(static_cast<std::uint8_t>(l.size()));
        v.insert(v.end(), l.begin(), l.end());
    }
    v.push_back(0);
    return v;
}

}  // namespace

TEST_CASE("parse_a and parse_aaaa need the exact length") {
    auto a = parse_a(bytes({192, 0, 2, 7}));
    REQUIRE(a);
    CHECK(a->v4);
    CHECK(a->bytes[0] == 192);
    CHECK(a->bytes[3] == 7);
    CHECK_FALSE(parse_a(bytes({192, 0, 2})));
    CHECK_FALSE(parse_a(bytes({192, 0, 2, 7, 1})));
    std::vector<std::uint8_t> v6(16, 0);
    v6[15] = 1;
    auto aaaa = parse_aaaa(v6);
    REQUIRE(aaaa);
    CHECK_FALSE(aaaa->v4);
    CHECK(aaaa->bytes[15] == 1);
    v6.pop_back();
    CHECK_FALSE(parse_aaaa(v6));
}

TEST_CASE("parse_txt concatenates character-strings and checks every length") {
    CHECK(parse_txt(bytes({3, 'a', 'b', 'c', 2, 'd', 'e'})) == std::string("abcde"));
    CHECK(parse_txt(bytes({0})) == std::string(""));
    CHECK(parse_txt(bytes({0, 1, 'x', 0})) == std::string("x"));
    CHECK_FALSE(parse_txt(bytes({})));
    CHECK_FALSE(parse_txt(bytes({4, 'a', 'b', 'c'})));
    CHECK_FALSE(parse_txt(bytes({3, 'a', 'b', 'c', 1})));
    std::vector<std::uint8_t> nul = {3, 'a', 0, 'b'};
    CHECK(parse_txt(nul) == std::string("a\0b", 3));
}

TEST_CASE("parse_name gives presentation form and rejects malformed names") {
    CHECK(parse_name(wire_name({"mail", "example", "org"})) == std::string("mail.example.org"));
    CHECK(parse_name(bytes({0})) == std::string(""));
    CHECK(parse_name(wire_name({"a.b", "c\\d", std::string("\x01 \x7f", 3)})) ==
          std::string("a\\.b.c\\\\d.\\001\\032\\127"));
    CHECK_FALSE(parse_name(bytes({})));
    CHECK_FALSE(parse_name(bytes({3, 'a', 'b'})));                 // label past the end
    CHECK_FALSE(parse_name(bytes({3, 'a', 'b', 'c'})));            // no root label
    CHECK_FALSE(parse_name(bytes({0xc0, 0x0c})));                  // compression pointer
    CHECK_FALSE(parse_name(bytes({1, 'a', 0x40, 0})));             // reserved label type
    CHECK_FALSE(parse_name(bytes({1, 'a', 0, 0})));                // trailing byte
    std::vector<std::string> many(60, "abcd");                     // 300 octets
    CHECK_FALSE(parse_name(wire_name(many)));
    std::vector<std::string> fits(50, "abcd");                     // 251 octets
    CHECK(parse_name(wire_name(fits)));
}

TEST_CASE("parse_mx reads preference and host") {
    auto v = bytes({0x01, 0x02});
    auto n = wire_name({"mx", "example"});
    v.insert(v.end(), n.begin(), n.end());
    auto mx = parse_mx(v);
    REQUIRE(mx);
    CHECK(mx->preference == 258);
    CHECK(mx->host == "mx.example");
    CHECK(parse_mx(bytes({0, 0, 0}))->host.empty());  // null MX (RFC 7505)
    CHECK_FALSE(parse_mx(bytes({0, 10})));
    CHECK_FALSE(parse_mx(bytes({0, 10, 5, 'a'})));
}

TEST_CASE("add_rdata fills only the vector of the query type") {
    Answer a;
    CHECK(add_rdata(Type::A, bytes({192, 0, 2, 1}), a));
    CHECK(add_rdata(Type::SPF, bytes({1, 'x'}), a));
    CHECK(add_rdata(Type::CNAME, bytes({0}), a));
    CHECK_FALSE(add_rdata(Type::MX, bytes({1}), a));
    CHECK(a.addresses.size() == 1);
    CHECK(a.texts.size() == 1);
    CHECK(a.names.size() == 1);
    CHECK(a.mx.empty());
}

TEST_CASE("random bytes never crash the parsers") {
    std::mt19937 rng(7208);
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint8_t> v(rng() % 300);
        for (auto& b : v) b = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() % 8 : rng());
        Answer a;
        for (Type t : {Type::A, Type::AAAA, Type::TXT, Type::MX, Type::PTR, Type::CNAME, Type::SPF})
            (void)add_rdata(t, v, a);
    }
    SUCCEED();
}
