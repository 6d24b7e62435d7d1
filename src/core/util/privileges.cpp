// Privilege drop; see privileges.hpp.
#include "core/util/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sw {

Result<RunAs> lookup_user(const std::string& name) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    int rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc != 0 || found == nullptr) return fail("unknown user '" + name + "'");
    return RunAs{pw.pw_uid, pw.pw_gid};
}

Result<unsigned> lookup_group(const std::string& name) {
    std::vector<char> buf(16384);
    group gr{};
    group* found = nullptr;
    int rc = getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found);
    if (rc != 0 || found == nullptr) return fail("unknown group '" + name + "'");
    return static_cast<unsigned>(gr.gr_gid);
}

Result<void> drop_privileges(const RunAs& who) {
    gid_t gid = who.gid;
    if (setgroups(1, &gid) != 0) return fail(std::string("setgroups: ") + std::strerror(errno));
    if (setgid(who.gid) != 0) return fail(std::string("setgid: ") + std::strerror(errno));
    if (setuid(who.uid) != 0) return fail(std::string("setuid: ") + std::strerror(errno));
    if (who.uid != 0 && setuid(0) == 0) return fail("could regain root after setuid");
    return {};
}

}  // namespace sw
