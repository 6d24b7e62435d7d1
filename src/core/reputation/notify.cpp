// Notification through sendmail; see notify.hpp.
#include "core/reputation/notify.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <vector>

extern char** environ;

namespace sw::reputation {
namespace {

std::string host_name() {
    char buf[256] = {0};
    if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
    return buf;
}

std::string rfc5322_date(std::int64_t now) {
    std::time_t t = now;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

// Header values come from our own config and rates, but an org name or a
// reason typed by an operator must not be able to add header lines.
std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\r' || c == '\n') c = ' ';
    return s;
}

}  // namespace

std::string notice_sender(const std::string& notify_from) {
    return notify_from.empty() ? "postmaster@" + host_name() : notify_from;
}

std::string compose_notice(const Notice& n, const std::string& from, std::int64_t now) {
    std::string to;
    for (const auto& c : n.contacts) to += (to.empty() ? "" : ", ") + one_line(c);
    std::string m;
    m += "From: sendwarden <" + one_line(from) + ">\n";
    m += "To: " + to + "\n";
    m += "Subject: [sendwarden] org " + one_line(n.org) + " " + one_line(n.what) + ": " + one_line(n.reason) + "\n";
    m += "Date: " + rfc5322_date(now) + "\n";
    m += "Auto-Submitted: auto-generated\n";
    m += "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n";
    if (n.what == "paused") {
        m += "sendwarden paused outgoing mail of org " + n.org + " on " + host_name() + ".\n\n";
        m += "Why: " + n.reason + "\n\n";
        m += n.action == "defer"
                 ? "New mail of this org is deferred (the sending client retries later).\n"
                 : "New mail of this org is accepted into Postfix's hold queue: nothing is lost.\n";
        m += "\nFind and fix the cause first (a bad list, a compromised account).\nThen resume with:\n\n";
        m += "    sendwarden org resume " + n.org + "\n\n";
        if (n.action != "defer")
            m += "and release the held mail with `postsuper -H ALL` (or delete it with `postsuper -d`).\n";
    } else {
        m += "sendwarden warns that org " + n.org + " is close to being paused on " + host_name() + ".\n\n";
        m += "Why: " + n.reason + "\n";
    }
    m += "\nStatus: sendwarden org status " + n.org + "\n";
    return m;
}

Result<void> send_notice(const Notice& n, const std::string& sendmail_path, const std::string& from,
                         std::int64_t now) {
    if (n.contacts.empty()) return fail("org " + n.org + " has no contacts");
    std::string msg = compose_notice(n, from, now);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
    std::vector<std::string> args = {sendmail_path, "-i", "-f", from, "--"};
    for (const auto& c : n.contacts) args.push_back(c);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, sendmail_path.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        return fail("cannot run " + sendmail_path + ": " + std::strerror(rc));
    }
    // Our own pipe: a sendmail that dies early must not kill us with SIGPIPE.
    auto old = std::signal(SIGPIPE, SIG_IGN);
    std::size_t off = 0;
    while (off < msg.size()) {
        ssize_t w = write(fds[1], msg.data() + off, msg.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += static_cast<std::size_t>(w);
    }
    close(fds[1]);
    std::signal(SIGPIPE, old);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (off < msg.size()) return fail(sendmail_path + " stopped reading the message");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail(sendmail_path + " failed (status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                    ")");
    return {};
}

}  // namespace sw::reputation
