// Key management operations behind `sendwarden keygen` and `sendwarden keys`
// (DESIGN "Operations are core functions"): writing a new key file, the
// status of every key of the signing table, checking a selector's published
// record through the resolver, and switching the active key of a domain by
// rewriting the signing table (the milter picks it up on reload).
// Rotation: keygen -> publish the TXT record -> add the line as standby ->
// reload -> keys activate (refused until DNS serves the matching record) ->
// reload -> retire the old line when no mail signed with it is in flight.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "core/dkim/dkim_key.hpp"
#include "core/dkim/signing_table.hpp"
#include "core/dns/resolver.hpp"
#include "core/util/result.hpp"

namespace sw::dkim {

struct NewKey {
    std::string path;
    unsigned mode = 0600;
    std::string group;    // "" when the file kept the caller's group
    KeyInfo info;
};

// Writes DIR/SELECTOR.private (created 0700 if missing) with O_EXCL: an
// existing key is never overwritten. Mode 0600; when running as root and the
// group `group_name` exists, 0640 with that group so the milter can read it.
Result<NewKey> write_new_key(const std::string& dir, const std::string& selector, Algorithm algorithm, int rsa_bits,
                             const std::string& group_name = "sendwarden");

struct KeyStatus {
    const SigningKey* key = nullptr;
    bool readable = false;
    std::optional<KeyInfo> info;      // when readable: what the key is
    std::string problem;              // why the key cannot be used
    std::optional<long> age_days;     // from the key file's modification time
    bool signs = false;               // active and usable
};

std::vector<KeyStatus> keys_status(const SigningTable& table, std::time_t now);

struct Published {
    bool found = false;      // a TXT record exists at the selector's name
    bool matches = false;    // ... and holds our public key
    bool temporary = false;  // DNS failed; try again
    std::string detail;      // what is wrong, for the operator
};

Published check_published(const SigningKey& key, const KeyInfo& ours, dns::Resolver& resolver);

struct Activation {
    std::string domain, selector, algorithm;
    std::vector<std::string> now_standby;  // selectors switched off
    bool forced = false;
    Published dns;
};

// Makes SELECTOR the active key of DOMAIN (for its algorithm) in
// POLICY_DIR/signing, the previous active one of that algorithm standby.
// Refused when the record is not published and matching, unless `force`.
Result<Activation> activate_key(const std::string& policy_dir, const std::string& domain,
                                const std::string& selector, bool force, dns::Resolver& resolver);

}  // namespace sw::dkim
