// Where the unpacked fixture data lives (KRDB_TEST_DATA_DIR, set by tests/CMakeLists.txt) and
// reading a whole file of it.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace krdb::test {

inline const std::string kData = KRDB_TEST_DATA_DIR;
inline const std::string kFp = kData + "/kernel-fp/";
inline const std::string kOrc = kData + "/kernel-orc/";

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace krdb::test
