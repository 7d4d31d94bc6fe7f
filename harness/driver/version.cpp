#include "harness/driver/build_info.hpp"

#include <unistd.h>

#include <filesystem>

namespace allocbench {

namespace {

// One argument as a POSIX shell would need it quoted to give it back unchanged.
std::string shell_quote(const std::string& a) {
  if (!a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_-+=/.,:@%") == std::string::npos) {
    return a;
  }
  std::string q = "'";
  for (char c : a) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  q += "'";
  return q;
}

}  // namespace

nlohmann::json provenance_json(const std::vector<std::string>& argv) {
  const BuildInfo& b = build_info();
  std::string command;
  for (const auto& a : argv) {
    if (!command.empty()) command += ' ';
    command += shell_quote(a);
  }
  std::error_code ec;
  const auto cwd = std::filesystem::current_path(ec);
  nlohmann::json p = {{"version", b.version},
                      {"commit", b.commit},
                      {"dirty", b.dirty == "true"    ? nlohmann::json(true)
                                : b.dirty == "false" ? nlohmann::json(false)
                                                     : nlohmann::json("unknown")},
                      {"command_line", argv},
                      {"command", command},
                      {"cwd", ec ? nlohmann::json("unknown") : nlohmann::json(cwd.string())},
                      {"build_type", b.build_type},
                      {"compiler", b.compiler},
                      {"compiler_flags", b.flags},
                      {"captured",
                       "version, commit and dirty (tracked files only) at build time by "
                       "cmake/BuildInfo.cmake; command_line as this run was invoked"}};
  if (!b.unknown_why.empty()) p["unknown_reason"] = b.unknown_why;
  return p;
}

std::string version_line() {
  const BuildInfo& b = build_info();
  std::string s = "allocbench ";
  s += b.version;
  s += "\ncommit ";
  s += b.commit;
  if (b.dirty == "true") s += " (dirty: tracked files differed from the commit at build time)";
  if (b.dirty == "unknown") {
    s += " (dirty: unknown";
    if (!b.unknown_why.empty()) {
      s += ", ";
      s += b.unknown_why;
    }
    s += ")";
  }
  s += "\nbuild ";
  s += b.build_type;
  s += ", ";
  s += b.compiler;
  s += ", flags ";
  s += b.flags;
  s += "\n";
  return s;
}

}  // namespace allocbench
