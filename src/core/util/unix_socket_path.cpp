// The file-system side of a listening unix socket; see unix_socket_path.hpp.
#include "core/util/unix_socket_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/log/msg.hpp"

namespace sw {

Result<void> prepare_unix_socket_path(const std::string& what, const std::string& path, int uid, int gid) {
    auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!std::filesystem::exists(parent, ec)) {
        std::filesystem::create_directories(parent, ec);
        if (ec) return fail(what + ": cannot create " + parent.string() + ": " + ec.message());
        if (chmod(parent.c_str(), 0755) != 0 ||
            (uid >= 0 && chown(parent.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0))
            msg_warn("%s: cannot set mode or owner of %s: %s", what.c_str(), parent.c_str(), std::strerror(errno));
    }
    struct stat st{};
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return fail(what + ": " + path + " exists and is not a socket");
        unlink(path.c_str());  // stale socket of an earlier run
    }
    return {};
}

Result<void> set_unix_socket_access(const std::string& what, const std::string& path, unsigned mode, int uid, int gid) {
    if (chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) return fail(what + ": chmod: " + std::strerror(errno));
    if ((uid >= 0 || gid >= 0) && chown(path.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0)
        return fail(what + ": chown: " + std::strerror(errno));
    return {};
}

}  // namespace sw
