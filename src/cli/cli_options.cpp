// parse_command_options; see cli_options.hpp.
#include "cli/cli_options.hpp"

#include <sysexits.h>

#include <iostream>

namespace po = boost::program_options;

namespace sw::cli {

std::optional<int> parse_command_options(const std::vector<std::string>& args, const po::options_description& desc,
                                         const char* command, po::variables_map& vm,
                                         const po::positional_options_description* positional) {
    try {
        po::command_line_parser parser(args);
        parser.options(desc);
        if (positional) parser.positional(*positional);
        po::store(parser.run(), vm);
        if (vm.count("help")) {  // before notify(): --help needs no required option
            std::cout << desc;
            return 0;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "sendwarden " << command << ": " << e.what() << "\n" << desc;
        return EX_USAGE;
    }
    return std::nullopt;
}

}  // namespace sw::cli
