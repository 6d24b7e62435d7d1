// OrgMap: which organisation a user belongs to, from the `orgs` table
// (DESIGN "Identities"): the exact user first, then its @domain, then
// default_org. Lines: `member org`, member `alice@acme.example` or
// `@acme.example` (or a bare SASL name). Lookups are case-insensitive.
#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/util/strings.hpp"

namespace sw::orgs {

class OrgMap {
public:
    // Parses the table; errors ("name:line: ...") are appended to `errors`.
    static OrgMap parse(std::istream& in, const std::string& name, std::vector<std::string>& errors);

    // The org of `user` (already lower-cased), or `fallback` when none.
    const std::string& org_of(std::string_view user, const std::string& fallback) const;

    bool has_org(std::string_view org) const;
    std::size_t size() const { return users_.size() + domains_.size(); }

private:
    std::unordered_map<std::string, std::string, StringHash, StringEq> users_;
    std::unordered_map<std::string, std::string, StringHash, StringEq> domains_;  // key without '@'
    std::unordered_map<std::string, int> org_names_;
};

// Org names: letters, digits, '.', '-', '_'; at most 64 bytes.
bool valid_org_name(std::string_view name);

}  // namespace sw::orgs
