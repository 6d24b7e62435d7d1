// dkim_check: the DKIM part of `sendwarden dns-check` for one domain (RFC
// 6376 §3.6, RFC 8463): every selector the signing table lists for it has
// its private key and publishes the same key (same k=, same public key) at
// SELECTOR._domainkey.DOMAIN; and selectors we sign with no more (given with
// --selector, or key files in key_dir the table does not list) are flagged
// while DNS still publishes a key for them. DNS only through the Resolver.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/signing_table.hpp"
#include "core/dns/resolver.hpp"
#include "core/dnscheck/finding.hpp"

namespace sw::dnscheck {

struct DkimSelectorCheck {
    std::string selector;
    std::string source;     // "table", "key_dir" (a key file the table does not list), "option" (--selector)
    std::string state;      // table: "active" or "standby"; else ""
    std::string algorithm;  // "rsa-sha256", "ed25519-sha256"; "" when no key was read
    std::string keyfile;    // "" when there is none
    bool have_key = false;  // the private key was read
    // What DNS publishes: "match" (our key), "mismatch" (another key, or
    // another k=), "missing", "revoked" (p= empty), "key" (a key, and we
    // hold no private key to compare), "invalid" (not a key record),
    // "unknown" (DNS failed).
    std::string published;
    std::string expected_record;  // the TXT value our key needs, when have_key
};

struct DkimCheck {
    std::vector<DkimSelectorCheck> selectors;
    std::vector<Finding> findings;
};

struct DkimSources {
    const dkim::SigningTable* table = nullptr;  // null: no signing table
    std::vector<std::string> extra_selectors;   // --selector
    std::string key_dir;                        // scan KEY_DIR/DOMAIN/*.private; "" no scan
    std::time_t now = 0;
};

DkimCheck check_dkim(std::string_view domain, const DkimSources& sources, dns::Resolver& resolver);

}  // namespace sw::dnscheck
