// The `signing` policy table: which keys sign mail of which From: domain.
//   domain  selector  algorithm  keyfile  [active|standby]
// `domain` is a domain (exact match) or `*.parent` (any subdomain of parent,
// signed as d=parent). Every active key of the matching entry signs, so one
// RSA and one Ed25519 key give two signatures (RFC 8463 §3). At most one
// active key per domain and algorithm; a `standby` key is loaded and
// checked but does not sign (rotation: publish, verify, switch, retire).
// Parsing and key loading collect every error as "file:line: message".
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/dkim_algorithm.hpp"
#include "core/dkim/dkim_key.hpp"
#include "core/util/secret_bytes.hpp"

namespace sw::dkim {

struct SigningKey {
    std::string domain;          // as written: "acme.example" or "*.acme.example"
    std::string signing_domain;  // the d= value: the domain, or the parent of a wildcard
    std::string selector;
    Algorithm algorithm = Algorithm::RsaSha256;
    std::string keyfile;         // absolute
    bool active = true;
    int line = 0;
    std::shared_ptr<const SecretBytes> key;  // PEM; null until load_keys()
    std::shared_ptr<const PrivateKey> parsed;  // the same key, parsed once; null until load_keys()
};

struct KeyChoice {
    std::vector<const SigningKey*> keys;  // active keys of the matching entry (may be empty)
    const std::string* matched = nullptr; // the table domain that matched, null if none
};

class SigningTable {
public:
    // Relative key paths are taken from `base_dir` (the table's directory).
    static SigningTable parse(std::istream& in, const std::string& name, const std::string& base_dir,
                              std::vector<std::string>& errors);

    // Reads every key file (secure_file checks; PEM that OpenSSL can read,
    // algorithm as declared). Errors are "table:line: keyfile: problem".
    void load_keys(std::vector<std::string>& errors);

    // Keys for mail whose From: domain is `from_domain` (case-insensitive):
    // the exact entry, else the nearest `*.parent` entry.
    KeyChoice choose(std::string_view from_domain) const;

    const std::vector<SigningKey>& entries() const noexcept { return entries_; }
    const std::string& name() const noexcept { return name_; }

private:
    std::string name_;
    std::vector<SigningKey> entries_;
};

struct SigningLoad {
    std::shared_ptr<const SigningTable> table;  // null when errors is not empty
    std::vector<std::string> errors;
    bool missing = false;                       // no `signing` file: an empty table
};

// Reads POLICY_DIR/signing and, when `with_keys`, every key it names.
SigningLoad load_signing_table(const std::string& policy_dir, bool with_keys);

}  // namespace sw::dkim
