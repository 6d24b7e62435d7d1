// read_secret_file / check_secret_fd; see secure_file.hpp.
#include "core/util/secure_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sw {
namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string octal(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
    return buf;
}

// The directories above `path` (absolute or relative to the cwd).
Result<void> check_parents(const std::string& path, uid_t me) {
    std::string dir = path;
    if (dir.empty() || dir[0] != '/') {
        char cwd[4096];
        if (!::getcwd(cwd, sizeof cwd)) return fail(path + ": cannot resolve the current directory");
        dir = std::string(cwd) + "/" + dir;
    }
    while (true) {
        auto slash = dir.rfind('/');
        if (slash == std::string::npos) break;
        dir.resize(slash);
        const std::string d = dir.empty() ? "/" : dir;
        struct stat st {};
        if (::stat(d.c_str(), &st) != 0) return fail(path + ": cannot check directory " + d + ": " + std::strerror(errno));
        if (st.st_uid != 0 && st.st_uid != me)
            return fail(path + ": directory " + d + " is owned by uid " + std::to_string(st.st_uid) +
                        ", neither root nor us (fix: chown root " + d + ")");
        bool sticky = (st.st_mode & S_ISVTX) != 0;
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !sticky)
            return fail(path + ": directory " + d + " is writable by group or others (mode " + octal(st.st_mode) +
                        "; fix: chmod go-w " + d + ")");
        if (d == "/") break;
    }
    return {};
}

}  // namespace

Result<void> check_secret_fd(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(path + ": fstat: " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail(path + ": not a regular file");
    uid_t me = ::geteuid();
    if (st.st_uid != 0 && st.st_uid != me)
        return fail(path + ": owned by uid " + std::to_string(st.st_uid) + ", neither root nor the user reading it (uid " +
                    std::to_string(me) + "); fix: chown " + std::to_string(me) + " " + path);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return fail(path + ": group- or world-writable (mode " + octal(st.st_mode) + "); fix: chmod 0600 " + path +
                    " (or 0640 with group sendwarden)");
    if ((st.st_mode & (S_IROTH | S_IXOTH)) != 0)
        return fail(path + ": world-readable (mode " + octal(st.st_mode) + "); fix: chmod 0600 " + path +
                    " (or 0640 with group sendwarden)");
    return check_parents(path, me);
}

Result<SecretBytes> read_secret_file(const std::string& path, std::size_t max_size) {
    Fd f;
    f.fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (f.fd < 0) {
        if (errno == ELOOP) return fail(path + ": is a symbolic link; refusing to follow it for a secret");
        return fail(path + ": cannot open: " + std::strerror(errno));
    }
    if (auto ok = check_secret_fd(f.fd, path); !ok) return fail(ok.error());
    std::string bytes;
    bytes.reserve(16 * 1024);  // no reallocation (and no stray copy) for any key size we make
    char buf[4096];
    while (true) {
        ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            explicit_bzero(buf, sizeof buf);
            SecretBytes wipe(std::move(bytes));
            return fail(path + ": read: " + std::strerror(errno));
        }
        if (n == 0) break;
        if (bytes.size() + static_cast<std::size_t>(n) > max_size) {
            explicit_bzero(buf, sizeof buf);
            SecretBytes wipe(std::move(bytes));
            return fail(path + ": larger than " + std::to_string(max_size) + " bytes; not a key file");
        }
        bytes.append(buf, static_cast<std::size_t>(n));
    }
    explicit_bzero(buf, sizeof buf);
    return SecretBytes(std::move(bytes));
}

}  // namespace sw
