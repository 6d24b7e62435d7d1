// The file-system side of a listening unix socket, shared by both daemons:
// make its directory when missing, remove a stale socket of an earlier run
// (never anything that is not a socket), and give the socket its mode and
// owner once bound.
#pragma once

#include <string>

#include "core/util/result.hpp"

namespace sw {

// Before bind: creates the parent directory (mode 0755, owned by uid/gid
// when given) and unlinks an existing socket at `path`; refuses a path that
// exists and is not a socket. `what` starts the error messages.
Result<void> prepare_unix_socket_path(const std::string& what, const std::string& path, int uid, int gid);

// After bind: chmod and (uid/gid >= 0) chown.
Result<void> set_unix_socket_access(const std::string& what, const std::string& path, unsigned mode, int uid, int gid);

}  // namespace sw
