// Daemon start-up helpers; see daemon.hpp.
#include "core/util/daemon.hpp"

#include <fcntl.h>
#include <sysexits.h>
#include <unistd.h>

#include <boost/program_options.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "core/log/msg.hpp"

namespace po = boost::program_options;

namespace sw {

DaemonOptions parse_daemon_args(const char* program, const char* version, const char* default_config, int argc,
                                char** argv) {
    DaemonOptions o;
    po::options_description desc(std::string("usage: ") + program + " [-c FILE] [--foreground]");
    desc.add_options()("help,h", "show this help")("version", "show the version")(
        "config,c", po::value(&o.config_file)->default_value(default_config), "configuration file")(
        "foreground,f", po::bool_switch(&o.foreground), "stay in the foreground and log to stderr too");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << program << ": " << e.what() << "\n" << desc;
        std::exit(EX_USAGE);
    }
    if (vm.count("help")) {
        std::cout << desc;
        std::exit(0);
    }
    if (vm.count("version")) {
        std::cout << program << " " << version << "\n";
        std::exit(0);
    }
    return o;
}

void exit_with_config_errors(const std::vector<std::string>& errors) {
    for (const auto& e : errors) msg_error("%s", e.c_str());
    msg_error("configuration has %zu error(s); not starting", errors.size());
    std::exit(EX_CONFIG);
}

void daemonize() {
    pid_t pid = fork();
    if (pid < 0) msg_fatal("fork: %s", std::strerror(errno));
    if (pid > 0) _exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2) close(fd);
    }
}

}  // namespace sw
