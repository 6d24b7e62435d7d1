// Config: the immutable, typed snapshot of sendwarden.conf. Built only by
// load_config() (config_file.cpp); programs share it as
// std::shared_ptr<const Config> and replace it whole on reload.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/clock.hpp"

namespace sw::config {

#define SW_TYPE_String std::string
#define SW_TYPE_StringList std::vector<std::string>
#define SW_TYPE_Count std::uint64_t
#define SW_TYPE_Size std::uint64_t
#define SW_TYPE_Duration sw::Micros
#define SW_TYPE_Fraction double
#define SW_TYPE_Flag bool
#define SW_TYPE_FileMode unsigned

struct Config {
    std::string path;  // the file it was read from
#define SW_SETTING(section, name, type, def, help) SW_TYPE_##type section##_##name{};
#include "core/config/settings.def"
#undef SW_SETTING
};

// One row of settings.def, for docs, --defaults and tests.
struct SettingInfo {
    const char* section;
    const char* name;
    const char* type;
    const char* default_value;
    const char* help;
};
const std::vector<SettingInfo>& all_settings();

}  // namespace sw::config
