// Reading the dump files callgrind writes in the cache-simulation mode. A worker run under
// `valgrind --tool=callgrind --callgrind-out-file=<dir>/cg.%p` writes one part file
// (cg.<pid>.<n>) per CALLGRIND_DUMP_STATS_AT(label) and a last one (cg.<pid>) at exit. Only the
// header of a part matters here: its trigger (which label), the cache geometry callgrind simulated,
// the event names and their totals for the part.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace allocbench {

class DumpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CacheLevel {
  std::uint64_t size_bytes = 0;
  std::uint64_t ways = 0;
  std::uint64_t line_bytes = 0;
  friend bool operator==(const CacheLevel&, const CacheLevel&) = default;
};

// The simulated caches, keyed "I1", "D1", "LL".
using CacheGeometry = std::map<std::string, CacheLevel>;

struct CallgrindPart {
  std::string trigger;     // the text after "desc: Trigger: ", e.g. "Program termination"
  std::string label;       // for "Client Request: <label>", the label; else empty
  CacheGeometry geometry;  // from "desc: D1 cache: ..." lines
  std::map<std::string, std::uint64_t> events;  // event name -> the part's total
};

// Parses one part file's text. The totals come from its "summary:" line, else its "totals:" line
// (trailing zero counts may be left out; they are 0). Throws DumpError, naming the line, when the
// "events:" line or both total lines are missing or a number does not parse.
CallgrindPart parse_callgrind_dump(std::string_view text);

// A label's events summed over every part that carried it (a scenario may time several batches).
struct LabelTotals {
  std::map<std::string, std::uint64_t> events;
  std::size_t parts = 0;
  CacheGeometry geometry;  // as the first part reported it
};

// Parses every regular file in dir whose name starts with prefix and sums the client-request
// parts per label; parts with another trigger (program termination) are skipped. A file that
// does not parse throws DumpError naming it.
std::map<std::string, LabelTotals> sum_callgrind_dumps(const std::filesystem::path& dir,
                                                       const std::string& prefix);

}  // namespace allocbench
