// parse_command_options; see cli_options.hpp.
#include "cli/cli_options.hpp"

#include <sysexits.h>

#include <iostream>

namespace po = boost::program_options;

namespace sw::cli {

std::optional<int> parse_command_options(const std::vector<std::string>& args, const po::options_description& desc,
                                         const char* command, po::variables_map& vm) {
    try {
        po::store(po::command_line_parser(args).options(desc).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "sendwarden " << command << ": " << e.what() << "\n" << desc;
        return EX_USAGE;
    }
    if (vm.count("help")) {
        std::cout << desc;
        return 0;
    }
    return std::nullopt;
}

}  // namespace sw::cli
