// gunzip: gzip data (RFC 1952) inflated with zlib under the report limits.
// Concatenated members are read as one stream (RFC 1952 §2.2); bytes after
// the last member that do not start another one are ignored with a note:
// Mimecast pads its .xml.gz attachment with a CRLF, which strict readers
// (Python's gzip) refuse. Does not look inside the result.
#pragma once

#include <string>
#include <string_view>

#include "core/dmarc/report_limits.hpp"
#include "core/util/result.hpp"

namespace sw::dmarc {

bool is_gzip(std::string_view bytes) noexcept;

struct Inflated {
    std::string data;
    std::string note;  // "" or what was ignored, one line
};

// Refused (one-line error): corrupt or truncated data, more than max_out
// bytes of output, or a ratio over limits.max_compression_ratio past
// ratio_floor. Output stops at the limit: a bomb costs at most max_out bytes.
Result<Inflated> gunzip(std::string_view gz, std::size_t max_out, const Limits& limits);

}  // namespace sw::dmarc
