// SecretBytes: key material in memory. Move-only, never printed, wiped with
// explicit_bzero when destroyed, so a freed key does not linger in the heap
// (or in a core dump of a later crash).
#pragma once

#include <string.h>

#include <string>
#include <string_view>
#include <utility>

namespace sw {

class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(std::string bytes) : bytes_(std::move(bytes)) {}
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
    SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.wipe(); }
    SecretBytes& operator=(SecretBytes&& other) noexcept {
        if (this != &other) {
            wipe();
            bytes_ = std::move(other.bytes_);
            other.wipe();
        }
        return *this;
    }
    ~SecretBytes() { wipe(); }

    // The bytes, NUL-terminated (c_str) for C libraries that want a string.
    const char* c_str() const noexcept { return bytes_.c_str(); }
    std::string_view view() const noexcept { return bytes_; }
    std::size_t size() const noexcept { return bytes_.size(); }
    bool empty() const noexcept { return bytes_.empty(); }

private:
    void wipe() noexcept {
        if (!bytes_.empty()) explicit_bzero(bytes_.data(), bytes_.size());
        bytes_.clear();
    }
    std::string bytes_;
};

}  // namespace sw
