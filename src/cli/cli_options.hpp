// Parsing a command's own options (after the command words), the same way
// for every command: a bad option prints the error and the usage (exit 64),
// --help prints the usage (exit 0).
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

namespace sw::cli {

// An exit status when the command must end now, nullopt to go on with `vm`.
// `positional` names options that may be given without their --name.
std::optional<int> parse_command_options(const std::vector<std::string>& args,
                                         const boost::program_options::options_description& desc,
                                         const char* command, boost::program_options::variables_map& vm,
                                         const boost::program_options::positional_options_description* positional = nullptr);

}  // namespace sw::cli
