// Catch2 (v2) entry point of krdb_unit_tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
