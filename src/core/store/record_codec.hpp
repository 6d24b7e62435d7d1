// Fixed-width field encoding for LMDB keys and values. Keys use big-endian
// integers so they sort numerically (Knot's knot_lmdb_make_key); every value
// starts with a format-version byte so an upgrade can migrate or refuse.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sw::store {

inline void append_be64(std::string& out, std::uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}

inline std::uint64_t read_be64(std::string_view in, std::size_t at) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
    return v;
}

// Values are read back by the same machine (LMDB files are not portable
// between architectures), so host order is fine there.
template <typename T>
void append_raw(std::string& out, const T& v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
T read_raw(std::string_view in, std::size_t at) {
    T v;
    std::memcpy(&v, in.data() + at, sizeof v);
    return v;
}

}  // namespace sw::store
