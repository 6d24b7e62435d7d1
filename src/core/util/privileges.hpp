// Dropping root after the sockets and state are open (Postfix's order: parse
// config, open as root, drop, serve).
#pragma once

#include <string>

#include "core/util/result.hpp"

namespace sw {

struct RunAs {
    unsigned uid = 0;
    unsigned gid = 0;
};

// Looks a user up in the passwd database.
Result<RunAs> lookup_user(const std::string& name);

// Looks a group up in the group database.
Result<unsigned> lookup_group(const std::string& name);

// setgroups + setgid + setuid to `who`, then checks that root cannot be
// regained. Only meaningful when running as root.
Result<void> drop_privileges(const RunAs& who);

}  // namespace sw
