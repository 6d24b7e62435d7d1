// ZipArchive: a zip file read from memory with libzip
// (zip_source_buffer_create + zip_open_from_source), member by member,
// under the report limits. A member's declared sizes are checked first but
// not trusted: the actual read stops at the limit too. Does not look
// inside the members.
#pragma once

#include <zip.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/dmarc/report_limits.hpp"
#include "core/util/result.hpp"

namespace sw::dmarc {

bool is_zip(std::string_view bytes) noexcept;

// Directories and the macOS resource-fork junk ("__MACOSX/", "._name",
// ".DS_Store") that archivers add next to the real members.
bool is_zip_junk(std::string_view member_name) noexcept;

class ZipArchive {
public:
    // `bytes` must outlive the archive (libzip reads it in place).
    static Result<ZipArchive> open(std::string_view bytes);

    std::size_t size() const noexcept { return entries_; }
    std::string name(std::size_t i) const;  // "" when libzip has none
    // Refused (one-line error): more than max_out bytes (declared or read),
    // a ratio over the limit, encryption, an unsupported method, corruption.
    Result<std::string> read(std::size_t i, std::size_t max_out, const Limits& limits) const;

private:
    struct Discard {
        void operator()(zip_t* z) const noexcept { zip_discard(z); }
    };
    ZipArchive(zip_t* z, std::size_t entries, std::size_t input_size)
        : zip_(z), entries_(entries), input_size_(input_size) {}

    std::unique_ptr<zip_t, Discard> zip_;
    std::size_t entries_ = 0;
    std::size_t input_size_ = 0;
};

}  // namespace sw::dmarc
