// Test helpers: fresh DKIM keys written to a TempDir with a given mode.
#pragma once

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "core/dkim/dkim_key.hpp"
#include "support/temp_dir.hpp"

namespace sw::test {

inline std::string write_key(const TempDir& dir, const std::string& name, dkim::Algorithm alg, mode_t mode = 0600,
                             int bits = 1024) {
    auto pem = dkim::generate_private_key(alg, bits);
    if (!pem) throw std::runtime_error(pem.error());
    std::string path = dir.file(name);
    std::ofstream(path) << pem->view();
    ::chmod(path.c_str(), mode);
    return path;
}

}  // namespace sw::test
