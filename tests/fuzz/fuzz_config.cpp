// libFuzzer target: the sendwarden.conf reader (src/core/config/config_file.cpp):
// the line-aware INI scan, then Program_options typing every value. Errors
// are expected, each "file:line: message"; a config comes back exactly when
// there is none. Its own target because each input costs ~10 ms under ASan
// (the option description and every default are built per call): sharing a
// target held the policy-table parsers to the same 120 inputs/s.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/config/config_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto r = sw::config::parse_config(text, "sendwarden.conf");
    if (static_cast<bool>(r.config) != r.errors.empty()) std::abort();
    for (const auto& e : r.errors)
        if (e.rfind("sendwarden.conf:", 0) != 0) std::abort();
    return 0;
}
