// Reading a secret file safely (the idea of OpenDKIM's dkimf_securefile()):
// opened with O_NOFOLLOW and checked on the open descriptor, so what is
// checked is what is read. A secret must be a regular file owned by root or
// by the reading user, with no group write and no access at all for others
// (0600 or 0640); every directory above it must be owned by root or the
// reading user and be writable by nobody else, unless it is sticky (/tmp).
#pragma once

#include <string>

#include "core/util/result.hpp"
#include "core/util/secret_bytes.hpp"

namespace sw {

// The file's bytes, or an error naming the file, the problem and the fix.
Result<SecretBytes> read_secret_file(const std::string& path, std::size_t max_size = 64 * 1024);

// Only the checks of read_secret_file on an already opened descriptor
// (exposed for tests and `keys status`).
Result<void> check_secret_fd(int fd, const std::string& path);

}  // namespace sw
