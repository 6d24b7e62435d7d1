// The one Catch2 v2 main of every test binary (Debian 12 ships Catch2 2.13).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
