// Tests of src/core/dkim/message_signer.cpp: real libopendkim signing, then
// real libopendkim verification against the public keys (served from a key
// file with DKIM_QUERY_FILE, no DNS). The end-to-end test verifies the same
// with dkimpy and Mail::DKIM.
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>

#include "core/dkim/dkim_record.hpp"
#include "core/dkim/message_signer.hpp"
#include "core/dkim/dkim_test_keys.hpp"

using namespace sw;
using sw::dkim::Algorithm;

namespace {

const char* kHeaders[][2] = {
    {"From", "Alice <alice@acme.example>"},
    {"To", "bob@example.org"},
    {"Subject", "quarterly report"},
    {"Date", "Tue, 24 Nov 2026 10:00:00 +0000"},
    {"Message-ID", "<1@acme.example>"},
    {"X-Unsigned", "not in the list"},
};
const char* kBody = "Hello Bob,\r\n\r\nthe numbers are attached.\r\n";

struct Verified {
    int signatures = 0;
    int passed = 0;
    std::string error;
};

// Verifies `sig_values` over the test message with libopendkim.
Verified verify(const std::string& keyfile, const std::vector<std::string>& sig_values, const std::string& body,
                const char* (*headers)[2] = kHeaders, std::size_t nheaders = std::size(kHeaders)) {
    struct Close {
        void operator()(DKIM_LIB* l) const { dkim_close(l); }
    };
    struct Free {
        void operator()(DKIM* d) const { dkim_free(d); }
    };
    std::unique_ptr<DKIM_LIB, Close> lib(dkim_init(nullptr, nullptr));
    dkim_query_t method = DKIM_QUERY_FILE;
    dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &method, sizeof method);
    dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, const_cast<char*>(keyfile.c_str()),
                 keyfile.size());
    DKIM_STAT st;
    std::unique_ptr<DKIM, Free> d(dkim_verify(lib.get(), reinterpret_cast<const unsigned char*>("test"), nullptr, &st));
    Verified v;
    auto feed = [&](std::string h) { dkim_header(d.get(), reinterpret_cast<u_char*>(h.data()), h.size()); };
    for (const auto& s : sig_values) {
        std::string unfolded;
        for (char c : s) unfolded += c == '\n' ? std::string("\r\n") : std::string(1, c);
        feed("DKIM-Signature: " + unfolded);
    }
    for (std::size_t i = 0; i < nheaders; ++i) feed(std::string(headers[i][0]) + ": " + headers[i][1]);
    dkim_eoh(d.get());
    dkim_body(d.get(), reinterpret_cast<u_char*>(const_cast<char*>(body.data())), body.size());
    dkim_eom(d.get(), nullptr);
    DKIM_SIGINFO** sigs = nullptr;
    int n = 0;
    if (dkim_getsiglist(d.get(), &sigs, &n) == DKIM_STAT_OK) {
        v.signatures = n;
        for (int i = 0; i < n; ++i) {
            if (DKIM_SIG_CHECK(sigs[i])) ++v.passed;
            else v.error = dkim_sig_geterrorstr(static_cast<DKIM_SIGERROR>(dkim_sig_geterror(sigs[i])));
        }
    }
    return v;
}

struct Fixture {
    test::TempDir dir;
    std::vector<dkim::SigningKey> keys;
    std::string keyfile;

    void add(const std::string& selector, Algorithm alg) {
        auto path = test::write_key(dir, selector + ".private", alg, 0600, 2048);
        std::ifstream in(path);
        std::stringstream pem;
        pem << in.rdbuf();
        dkim::SigningKey k;
        k.domain = k.signing_domain = "acme.example";
        k.selector = selector;
        k.algorithm = alg;
        k.keyfile = path;
        k.key = std::make_shared<const SecretBytes>(pem.str());
        auto info = dkim::inspect_private_key(*k.key);
        REQUIRE(info.ok());
        std::ofstream(dir.file("keys.txt"), std::ios::app)
            << dkim::key_record_name(selector, "acme.example") << " " << dkim::key_record_value(*info) << "\n";
        keyfile = dir.file("keys.txt");
        keys.push_back(std::move(k));
    }
    std::vector<const dkim::SigningKey*> pointers() const {
        std::vector<const dkim::SigningKey*> out;
        for (const auto& k : keys) out.push_back(&k);
        return out;
    }
    std::vector<std::string> sign(const std::string& body = kBody) {
        auto lib = dkim::DkimLib::create();
        REQUIRE(lib.ok());
        auto signer = dkim::MessageSigner::start(**lib, "ABC123", pointers());
        REQUIRE(signer.ok());
        for (const auto& h : kHeaders) REQUIRE(signer->header(h[0], h[1]).ok());
        REQUIRE(signer->end_of_headers().ok());
        // in two chunks, as a milter receives a body
        auto half = body.size() / 2;
        REQUIRE(signer->body(reinterpret_cast<const unsigned char*>(body.data()), half).ok());
        REQUIRE(signer->body(reinterpret_cast<const unsigned char*>(body.data()) + half, body.size() - half).ok());
        auto sigs = signer->finish();
        REQUIRE(sigs.ok());
        return *sigs;
    }
};

std::string tag(const std::string& sig, const std::string& name) {
    std::string flat;
    for (char c : sig)
        if (c != '\n' && c != '\t' && c != ' ') flat += c;
    std::stringstream items(flat);
    std::string item;
    while (std::getline(items, item, ';'))
        if (item.rfind(name + "=", 0) == 0) return item.substr(name.size() + 1);
    return "";
}

}  // namespace

TEST_CASE("signing: RSA-2048 and Ed25519 together, both verify") {
    Fixture f;
    f.add("s2026r", Algorithm::RsaSha256);
    f.add("s2026e", Algorithm::Ed25519Sha256);
    auto sigs = f.sign();
    REQUIRE(sigs.size() == 2);
    CHECK(tag(sigs[0], "a") == "rsa-sha256");
    CHECK(tag(sigs[1], "a") == "ed25519-sha256");
    for (const auto& s : sigs) {
        CHECK(tag(s, "c") == "relaxed/relaxed");
        CHECK(tag(s, "d") == "acme.example");
        CHECK(s.find('\r') == std::string::npos);
    }
    auto v = verify(f.keyfile, sigs, kBody);
    CHECK(v.signatures == 2);
    CHECK(v.passed == 2);
    INFO(v.error);
}

TEST_CASE("signing: oversigned headers appear once more in h=, unknown ones not at all") {
    Fixture f;
    f.add("s1", Algorithm::Ed25519Sha256);
    auto sigs = f.sign();
    REQUIRE(sigs.size() == 1);
    std::string h = tag(sigs[0], "h");
    INFO(h);
    auto count = [&](const std::string& name) {
        int n = 0;
        std::string lower;
        for (char c : h) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string hay = ":" + lower + ":";
        for (auto at = hay.find(":" + name + ":"); at != std::string::npos; at = hay.find(":" + name + ":", at + 1))
            ++n;
        return n;
    };
    CHECK(count("from") == 2);
    CHECK(count("to") == 2);
    CHECK(count("subject") == 2);
    CHECK(count("message-id") == 2);
    CHECK(count("date") == 2);
    CHECK(count("cc") == 1);        // absent: oversigned only (a later Cc: breaks the signature)
    CHECK(count("reply-to") == 1);  // same
    CHECK(count("x-unsigned") == 0);
}

TEST_CASE("signing: a body changed after signing fails verification") {
    Fixture f;
    f.add("s1", Algorithm::RsaSha256);
    f.add("s2", Algorithm::Ed25519Sha256);
    auto sigs = f.sign();
    std::string changed = kBody;
    changed[3] = 'X';
    auto v = verify(f.keyfile, sigs, changed);
    CHECK(v.signatures == 2);
    CHECK(v.passed == 0);
}

TEST_CASE("signing: an added Cc: header breaks the signature (oversigning)") {
    Fixture f;
    f.add("s1", Algorithm::RsaSha256);
    auto sigs = f.sign();
    const char* more[std::size(kHeaders) + 1][2];
    for (std::size_t i = 0; i < std::size(kHeaders); ++i) {
        more[i][0] = kHeaders[i][0];
        more[i][1] = kHeaders[i][1];
    }
    more[std::size(kHeaders)][0] = "Cc";
    more[std::size(kHeaders)][1] = "eve@evil.example";
    CHECK(verify(f.keyfile, sigs, kBody).passed == 1);
    CHECK(verify(f.keyfile, sigs, kBody, more, std::size(more)).passed == 0);
}
