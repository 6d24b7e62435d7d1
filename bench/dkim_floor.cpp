// dkim_floor.cpp — the DKIM signing floor of the milter benchmark (bench/dkim-floor).
//
// Owns the two reference costs that sendwarden-milter's CPU per message is
// judged against, measured in the same run on the same keys and messages:
//   lib      libopendkim, one message at a time as a milter uses it:
//            dkim_sign (PEM key handed over per message, as the milter does),
//            dkim_header for every field, dkim_eoh, dkim_body in 64 KiB chunks
//            (libmilter's chunk size), dkim_eom, dkim_getsighdr_d, dkim_free;
//            relaxed/relaxed, with the header lists of sw::dkim::DkimLib.
//   builtin  sendwarden's own signer (sw::dkim::BuiltinSigner, the milter's
//            default engine), fed the same way, with the key parsed once as
//            the milter parses it at load.
//   openssl  the bare signature: EVP_DigestSign with a key parsed once, over
//            the message's header block (RSA: rsa-sha256 over it; Ed25519:
//            over its SHA-256, as RFC 8463 signs), plus, separately, the
//            SHA-256 of the body (the body hash every signature needs).
// Times are CPU time of this process (CLOCK_PROCESS_CPUTIME_ID), so other
// work on the machine disturbs them less than wall time; each loop runs at
// least --secs seconds of CPU and --min-iters iterations.
//
//   dkim-floor [--secs S] [--min-iters N] --domain D --key ALG:SELECTOR:KEYFILE... MSGFILE...
//   dkim-floor --opendkim-lists     print SignHeaders / OversignHeaders lines for opendkim.conf
// ALG is rsa-sha256 or ed25519-sha256. One line per (message, key):
//   FLOOR msg=FILE bytes=N alg=ALG lib_ms=X lib_iters=N builtin_ms=X builtin_iters=N openssl_sign_ms=X
//         openssl_iters=N sha256_body_ms=X sig_bytes=N
// Exit status 0, or 1 when a key, a message or a signature step fails.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/dkim/builtin_signer.hpp"
#include "core/dkim/dkim_lib.hpp"

namespace {

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "dkim-floor: %s\n", msg.c_str());
    std::exit(1);
}

double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Key {
    std::string alg, selector, path, pem;
    bool rsa = true;
};

struct Message {
    std::string name;
    std::size_t bytes = 0;
    std::vector<std::string> fields;  // unfolded as received: "Name: value" with CRLF inside folds, no final CRLF
    std::string header_block;         // the fields joined with CRLF (what the signature covers, roughly)
    std::string body;                 // CRLF line ends
};

// Splits a message file (LF or CRLF line ends) into header fields and a CRLF body.
Message parse_message(const std::string& path) {
    Message m;
    m.name = path.substr(path.find_last_of('/') + 1);
    std::string raw = read_file(path);
    m.bytes = raw.size();
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < raw.size()) {
        std::size_t nl = raw.find('\n', pos);
        std::string line = raw.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    std::size_t i = 0;
    for (; i < lines.size() && !lines[i].empty(); ++i) {
        if ((lines[i][0] == ' ' || lines[i][0] == '\t') && !m.fields.empty()) m.fields.back() += "\r\n" + lines[i];
        else m.fields.push_back(lines[i]);
    }
    if (m.fields.empty()) die(path + ": no header fields");
    for (++i; i < lines.size(); ++i) {
        m.body += lines[i];
        m.body += "\r\n";
    }
    for (const auto& f : m.fields) m.header_block += f + "\r\n";
    return m;
}

struct PkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct DkimFree {
    void operator()(DKIM* d) const noexcept { dkim_free(d); }
};

// One libopendkim signature of `m`; returns the length of the signature field.
std::size_t lib_sign_once(DKIM_LIB* lib, const Key& k, const std::string& domain, const Message& m) {
    DKIM_STAT st = DKIM_STAT_OK;
    std::unique_ptr<DKIM, DkimFree> d(dkim_sign(
        lib, reinterpret_cast<const unsigned char*>("FLOOR"), nullptr,
        const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(k.pem.c_str())),
        reinterpret_cast<const unsigned char*>(k.selector.c_str()), reinterpret_cast<const unsigned char*>(domain.c_str()),
        DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, k.rsa ? DKIM_SIGN_RSASHA256 : DKIM_SIGN_ED25519SHA256, -1, &st));
    if (!d) die("dkim_sign: " + std::string(dkim_getresultstr(st)));
    for (const auto& f : m.fields) {
        st = dkim_header(d.get(), reinterpret_cast<u_char*>(const_cast<char*>(f.data())), f.size());
        if (st != DKIM_STAT_OK) die("dkim_header: " + std::string(dkim_getresultstr(st)));
    }
    if ((st = dkim_eoh(d.get())) != DKIM_STAT_OK) die("dkim_eoh: " + std::string(dkim_getresultstr(st)));
    constexpr std::size_t kChunk = 65535;
    for (std::size_t off = 0; off < m.body.size(); off += kChunk) {
        std::size_t n = std::min(kChunk, m.body.size() - off);
        st = dkim_body(d.get(), reinterpret_cast<u_char*>(const_cast<char*>(m.body.data() + off)), n);
        if (st != DKIM_STAT_OK) die("dkim_body: " + std::string(dkim_getresultstr(st)));
    }
    if ((st = dkim_eom(d.get(), nullptr)) != DKIM_STAT_OK) die("dkim_eom: " + std::string(dkim_getresultstr(st)));
    u_char* buf = nullptr;
    size_t len = 0;
    if ((st = dkim_getsighdr_d(d.get(), std::strlen("DKIM-Signature") + 2, &buf, &len)) != DKIM_STAT_OK)
        die("dkim_getsighdr_d: " + std::string(dkim_getresultstr(st)));
    return len;
}

struct Loop {
    double ms = 0;
    long iters = 0;
};

template <typename Fn>
Loop run_loop(double secs, long min_iters, Fn&& fn) {
    fn();  // warm-up, untimed
    Loop r;
    double t0 = cpu_now(), t = t0;
    while (t - t0 < secs || r.iters < min_iters) {
        fn();
        ++r.iters;
        if ((r.iters & 7) == 0 || r.iters >= min_iters) t = cpu_now();
    }
    t = cpu_now();
    r.ms = (t - t0) * 1000.0 / static_cast<double>(r.iters);
    return r;
}

void usage() {
    std::fprintf(stderr,
                 "usage: dkim-floor [--secs S] [--min-iters N] --domain D --key ALG:SELECTOR:KEYFILE... MSGFILE...\n"
                 "       dkim-floor --opendkim-lists\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    double secs = 2.0;
    long min_iters = 20;
    std::string domain;
    std::vector<Key> keys;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--secs") secs = std::atof(next().c_str());
        else if (a == "--min-iters") min_iters = std::atol(next().c_str());
        else if (a == "--domain") domain = next();
        else if (a == "--key") {
            std::string spec = next();
            auto c1 = spec.find(':'), c2 = spec.find(':', c1 == std::string::npos ? 0 : c1 + 1);
            if (c1 == std::string::npos || c2 == std::string::npos) usage();
            Key k{spec.substr(0, c1), spec.substr(c1 + 1, c2 - c1 - 1), spec.substr(c2 + 1), {}, true};
            if (k.alg != "rsa-sha256" && k.alg != "ed25519-sha256") die("unknown algorithm " + k.alg);
            k.rsa = k.alg == "rsa-sha256";
            k.pem = read_file(k.path);
            keys.push_back(std::move(k));
        } else if (a == "--opendkim-lists") {
            // opendkim.conf takes comma-separated lists (dataset strings).
            auto join = [](auto names) {
                std::string out;
                for (const char* n : names) out += (out.empty() ? "" : ",") + std::string(n);
                return out;
            };
            std::printf("SignHeaders %s\n", join(sw::dkim::signed_header_names()).c_str());
            std::printf("OversignHeaders %s\n", join(sw::dkim::oversigned_header_names()).c_str());
            return 0;
        } else if (!a.empty() && a[0] == '-') usage();
        else files.push_back(a);
    }
    if (domain.empty() || keys.empty() || files.empty()) usage();

    auto lib = sw::dkim::DkimLib::create();
    if (!lib) die(lib.error());

    for (const auto& file : files) {
        Message m = parse_message(file);
        for (const auto& k : keys) {
            // (1) libopendkim, per message
            std::size_t siglen = 0;
            Loop lib_loop = run_loop(secs, min_iters, [&] { siglen = lib_sign_once((*lib)->get(), k, domain, m); });

            // (2) our signer, key parsed once
            sw::dkim::SigningKey key;
            key.domain = key.signing_domain = domain;
            key.selector = k.selector;
            key.algorithm = k.rsa ? sw::dkim::Algorithm::RsaSha256 : sw::dkim::Algorithm::Ed25519Sha256;
            auto parsed = sw::dkim::PrivateKey::parse(sw::SecretBytes(std::string(k.pem)));
            if (!parsed) die(k.path + ": " + parsed.error());
            key.parsed = *parsed;
            Loop builtin_loop = run_loop(secs, min_iters, [&] {
                sw::dkim::BuiltinSigner signer({&key}, 1795500000);
                for (const auto& f : m.fields) {
                    auto colon = f.find(':');
                    std::string_view v(f);
                    v.remove_prefix(std::min(f.size(), colon + 1));
                    if (!v.empty() && v[0] == ' ') v.remove_prefix(1);
                    (void)signer.header(std::string_view(f).substr(0, colon), v);
                }
                constexpr std::size_t kChunk = 65535;
                for (std::size_t off = 0; off < m.body.size(); off += kChunk)
                    (void)signer.body(reinterpret_cast<const unsigned char*>(m.body.data() + off),
                                      std::min(kChunk, m.body.size() - off));
                auto sigs = signer.finish();
                if (!sigs || sigs->size() != 1) die("builtin signer failed with " + k.path);
            });

            // (3) the bare signature, key parsed once
            std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(k.pem.data(), static_cast<int>(k.pem.size())),
                                                          &BIO_free);
            std::unique_ptr<EVP_PKEY, PkeyFree> pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
            if (!pkey) die(k.path + ": not a PEM private key");
            std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
            unsigned char hash[EVP_MAX_MD_SIZE];
            unsigned int hash_len = 0;
            EVP_Digest(m.header_block.data(), m.header_block.size(), hash, &hash_len, EVP_sha256(), nullptr);
            const unsigned char* tbs = k.rsa ? reinterpret_cast<const unsigned char*>(m.header_block.data()) : hash;
            std::size_t tbs_len = k.rsa ? m.header_block.size() : hash_len;
            std::vector<unsigned char> sig(1024);
            Loop ssl_loop = run_loop(secs, min_iters, [&] {
                EVP_MD_CTX_reset(ctx.get());
                std::size_t len = sig.size();
                if (EVP_DigestSignInit(ctx.get(), nullptr, k.rsa ? EVP_sha256() : nullptr, nullptr, pkey.get()) != 1 ||
                    EVP_DigestSign(ctx.get(), sig.data(), &len, tbs, tbs_len) != 1 || len == 0)
                    die("EVP_DigestSign failed with " + k.path);
            });
            // (4) the body hash alone
            Loop body_loop = run_loop(secs / 4, min_iters, [&] {
                EVP_Digest(m.body.data(), m.body.size(), hash, &hash_len, EVP_sha256(), nullptr);
            });
            std::printf("FLOOR msg=%s bytes=%zu alg=%s lib_ms=%.4f lib_iters=%ld builtin_ms=%.4f builtin_iters=%ld "
                        "openssl_sign_ms=%.4f openssl_iters=%ld sha256_body_ms=%.4f sig_bytes=%zu\n",
                        m.name.c_str(), m.bytes, k.alg.c_str(), lib_loop.ms, lib_loop.iters, builtin_loop.ms,
                        builtin_loop.iters, ssl_loop.ms, ssl_loop.iters, body_loop.ms, siglen);
            std::fflush(stdout);
        }
    }
    return 0;
}
