// Quarantine files; see quarantine.hpp.
#include "core/ingest/quarantine.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sw::ingest {

std::string content_digest(std::string_view raw) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(raw.data(), raw.size(), md, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(md), len);
}

std::string to_hex(std::string_view bytes) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
    return out;
}

Result<void> sync_dir(const std::string& dir) {
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail("quarantine " + dir + ": " + std::strerror(errno));
    int rc = syncfs(fd);
    int err = errno;
    close(fd);
    if (rc != 0) return fail("quarantine " + dir + ": syncfs: " + std::strerror(err));
    return {};
}

Result<std::string> quarantine_message(const std::string& dir, std::string_view raw, std::string_view hex_digest,
                                       bool sync) {
    if (mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) return fail("quarantine " + dir + ": " + std::strerror(errno));
    std::string path = dir + "/" + std::string(hex_digest.substr(0, 16)) + ".eml";
    struct stat st{};
    if (stat(path.c_str(), &st) == 0) return path;  // a retry: its first copy stays
    std::string tmp = path + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return fail("quarantine " + tmp + ": " + std::strerror(errno));
    std::size_t off = 0;
    while (off < raw.size()) {
        ssize_t w = write(fd, raw.data() + off, raw.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int err = errno;
            close(fd);
            unlink(tmp.c_str());
            return fail("quarantine " + tmp + ": " + std::strerror(err));
        }
        off += static_cast<std::size_t>(w);
    }
    if ((sync && fsync(fd) != 0) || close(fd) != 0) {
        unlink(tmp.c_str());
        return fail("quarantine " + tmp + ": " + std::strerror(errno));
    }
    if (rename(tmp.c_str(), path.c_str()) != 0) {
        unlink(tmp.c_str());
        return fail("quarantine " + path + ": " + std::strerror(errno));
    }
    return path;
}

}  // namespace sw::ingest
