// Tests of src/core/dkim/dkim_canon.cpp: the relaxed canonicalization of RFC
// 6376 §3.4.2 and §3.4.4, on the RFC's own example and on flanker's 21
// byte-exact vectors (tests/data/dkim/flanker: email.NN ->
// relaxed.expected.NN, the canonical header block, CRLF, the canonical body).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/dkim/dkim_canon.hpp"
#include "support/mail_file.hpp"

using namespace sw;

namespace {

std::string canon_body(std::string_view body, std::size_t chunk) {
    std::string out;
    dkim::RelaxedBody b([&](std::string_view s) { out.append(s); });
    for (std::size_t at = 0; at < body.size(); at += chunk) b.add(body.substr(at, chunk));
    b.finish();
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("canon: RFC 6376 §3.4.5 example, relaxed") {
    CHECK(dkim::relaxed_header("A", " X") == "a:X\r\n");
    CHECK(dkim::relaxed_header("B ", " Y\t\r\n\tZ  ") == "b:Y Z\r\n");
    CHECK(canon_body(" C \r\nD \t E\r\n\r\n\r\n", 1000) == " C\r\nD E\r\n");
}

TEST_CASE("canon: body edge cases") {
    CHECK(canon_body("", 10).empty());                          // empty stays empty
    CHECK(canon_body("\r\n\r\n", 10).empty());                  // only empty lines
    CHECK(canon_body("abc", 10) == "abc\r\n");                  // CRLF added
    CHECK(canon_body("a\r\n \t \r\nb\r\n", 10) == "a\r\n\r\nb\r\n");  // a blank line inside stays, emptied
    CHECK(canon_body("a\nb\n", 10) == "a\r\nb\r\n");           // bare LF ends lines
    CHECK(canon_body("a\rb\r\n", 10) == "a\rb\r\n");           // a lone CR is text
    CHECK(canon_body("x \r\n\r\n \r\n", 10) == "x\r\n");      // trailing whitespace-only lines go
}

TEST_CASE("canon: the body comes out the same however it is cut") {
    const std::string body = "Hi  there,\t\r\n\r\n  indented \r\nlast line  \r\n \r\n\r\n";
    const std::string whole = canon_body(body, body.size());
    for (std::size_t chunk = 1; chunk < body.size(); ++chunk) {
        INFO("chunk " << chunk);
        CHECK(canon_body(body, chunk) == whole);
    }
}

TEST_CASE("canon: flanker's relaxed vectors, byte for byte") {
    // Vector 24 ends in a line of spaces with no line end, which flanker keeps
    // as " \r\n"; RFC 6376 §3.4.4 drops whitespace at line ends and then the
    // empty lines at the end, and libopendkim agrees with us (the signer
    // test compares body hashes on this file).
    const std::string dir = std::string(SW_DKIM_DATA_DIR) + "/flanker";
    int cases = 0, skipped = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("email.", 0) != 0) continue;
        std::string n = name.substr(6);
        std::string expected_path = dir + "/relaxed.expected." + n;
        if (!std::filesystem::exists(expected_path)) continue;
        if (n == "24") {
            ++skipped;
            continue;
        }
        auto mail = test::read_mail_file(entry.path().string());
        std::string got;
        for (const auto& [hn, hv] : mail.headers) dkim::append_relaxed_header(got, hn, hv);
        got += "\r\n" + canon_body(mail.body, 7);
        INFO(name << ": " << slurp(dir + "/purpose." + n));
        CHECK(got == slurp(expected_path));
        ++cases;
    }
    CHECK(cases == 20);
    CHECK(skipped == 1);
}

namespace {

// The RFC's steps one after the other over a whole body, the slow way: the
// reference the streaming canonicalizer must match.
std::string reference_body(const std::string& body) {
    std::vector<std::string> lines;
    std::string cur;
    bool ended = true;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n') continue;  // the CR of CRLF
        if (body[i] == '\n') {
            lines.push_back(cur);
            cur.clear();
            ended = true;
            continue;
        }
        cur += body[i];
        ended = false;
    }
    if (!ended) lines.push_back(cur);
    std::string out;
    std::vector<std::string> canon;
    for (auto line : lines) {
        std::string c;
        bool space = false;
        for (char ch : line) {
            if (ch == ' ' || ch == '\t') {
                space = true;
                continue;
            }
            if (space) c += ' ';
            space = false;
            c += ch;
        }
        canon.push_back(c);
    }
    while (!canon.empty() && canon.back().empty()) canon.pop_back();
    for (const auto& c : canon) out += c + "\r\n";
    return out;
}

}  // namespace

TEST_CASE("canon: the streaming body canonicalizer matches the RFC steps on random bodies") {
    std::uint32_t seed = 20261124;
    auto next = [&] {
        seed = seed * 1664525u + 1013904223u;
        return seed >> 16;
    };
    const char alphabet[] = {'a', 'b', ' ', ' ', '\t', '\r', '\n', '\n', 'x'};
    for (int round = 0; round < 2000; ++round) {
        std::string body;
        std::size_t len = next() % 40;
        for (std::size_t i = 0; i < len; ++i) body += alphabet[next() % sizeof alphabet];
        // a CR not followed by LF is text to both; keep the reference simple
        // by making every CR part of a CRLF
        std::string clean;
        for (std::size_t i = 0; i < body.size(); ++i) {
            if (body[i] == '\r' && (i + 1 >= body.size() || body[i + 1] != '\n')) continue;
            clean += body[i];
        }
        INFO("body: " << clean);
        std::size_t chunk = 1 + next() % 7;
        CHECK(canon_body(clean, chunk) == reference_body(clean));
    }
}
