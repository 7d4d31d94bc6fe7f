// Limits on JSON read from outside (reports given to compare, a worker's stdout): nlohmann's dump
// and the reporters recurse once per level of nesting, so a file of 100,000 '[' would overflow
// the stack; and a report is held in memory several times its size once parsed. Both are checked
// before parsing, and refused with a message (exit 2), never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace allocbench {

// Deepest nesting of arrays and objects accepted. A report nests 7 deep; Google Benchmark's rows
// add 3 more.
inline constexpr std::size_t kMaxJsonDepth = 64;
// Largest report compare and plot.py read (a full run over six backends is under 1 MiB).
inline constexpr std::uintmax_t kMaxReportBytes = std::uintmax_t{64} << 20;

// Whether the arrays and objects in text nest at most max_depth deep (brackets inside strings
// do not count). Linear in the text; stops at the first level too deep.
inline bool json_depth_within(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

}  // namespace allocbench
