// The stored form of one DMARC report record (a value of the "dmarc_records"
// database). Compact binary, not JSON: `dmarc sources` reads a million of
// them per question, and decoding is most of its time.
//
//   u8 version (1) | u8 family (4|6) | 4 or 16 address bytes | varint count |
//   u8 disposition | u8 flags (1: aligned DKIM pass, 2: aligned SPF pass) |
//   str header_from | str envelope_from | str envelope_to |
//   varint n, n x (str domain, str selector, str result)   DKIM results
//   varint n, n x (str domain, str scope, str result)      SPF results
//   varint n, n x (str type, str comment)                  policy overrides
// where str = varint length | bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/dmarc/aggregate_report.hpp"

namespace sw::dmarc {

enum class Disposition : std::uint8_t { none = 0, quarantine = 1, reject = 2, pass = 3, other = 255 };
Disposition disposition_from(std::string_view word);
std::string_view to_string(Disposition d);

std::string encode_record(const Record& r);

// A decoded record whose strings point into the stored value: valid while
// the value is (the LMDB transaction it came from). Vectors are reused
// between calls, so decoding a million records allocates almost nothing.
struct RecordView {
    struct Auth {
        std::string_view domain, detail, result;  // detail: DKIM selector or SPF scope
    };
    dns::Address ip;
    std::uint64_t count = 0;
    Disposition disposition = Disposition::none;
    bool dkim_pass = false;  // aligned (policy_evaluated)
    bool spf_pass = false;
    std::string_view header_from, envelope_from, envelope_to;
    std::vector<Auth> dkim, spf;
    std::vector<std::pair<std::string_view, std::string_view>> reasons;
};

// False when the value is not a record of a version this code knows.
bool decode_record(std::string_view value, RecordView& out);

// Back to a Record (for export and tests).
Record to_record(const RecordView& v);

}  // namespace sw::dmarc
