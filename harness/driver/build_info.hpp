// What this allocbench was built from, captured at build time by cmake/BuildInfo.cmake: the
// project version, the git commit and whether tracked files differed from it, the build type
// and compiler flags. `allocbench --version` prints it and every report records it
// (report.provenance), so a figure in a write-up can be traced to the code that measured it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace allocbench {

struct BuildInfo {
  std::string version;      // project(VERSION) in CMakeLists.txt
  std::string commit;       // full hash, or "unknown"
  std::string dirty;        // "true", "false" or "unknown"
  std::string unknown_why;  // why commit / dirty are unknown ("" when known)
  std::string build_type;   // CMAKE_BUILD_TYPE
  std::string flags;        // the C++ flags every target compiles with
  std::string compiler;     // compiler id and version
};

const BuildInfo& build_info();

// "allocbench 0.14.0 (commit 1234abcd..., dirty)".
std::string version_line();

// The report's "provenance" object: build_info() plus the exact command line (argv, and as one
// shell-quoted string) and the working directory.
nlohmann::json provenance_json(const std::vector<std::string>& argv);

}  // namespace allocbench
