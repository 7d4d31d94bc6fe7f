// The ranges of the numbers a run takes (--threads, --seed, --param values), shared by the driver
// and the workers so that a value the driver accepts is one every worker runs as given: the
// driver refuses anything else as a usage error (exit 2) before a worker starts, and a worker
// refuses it too rather than truncating it.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace allocbench {

// Threads per worker: each is a runtime of its own on a std::thread.
inline constexpr std::uint64_t kMaxThreads = 1024;
// The seed: any positive 64-bit value.
inline constexpr std::uint64_t kMaxSeed = std::numeric_limits<std::uint64_t>::max();
// A scenario parameter (a count or a size; the worker keeps it in a signed 64-bit integer and
// sizes buffers by it): up to 2^32 - 1.
inline constexpr std::uint64_t kMaxParamValue = (std::uint64_t{1} << 32) - 1;

// text as a decimal integer in [1, max], or nothing (no sign, no spaces, no other characters).
inline std::optional<std::uint64_t> parse_in_range(std::string_view text, std::uint64_t max) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || v == 0 || v > max) return std::nullopt;
  return v;
}

// "--threads: expected an integer from 1 to 1024, got '0'"
inline std::string range_error(std::string_view flag, std::string_view text, std::uint64_t max) {
  return std::string(flag) + ": expected an integer from 1 to " + std::to_string(max) + ", got '" +
         std::string(text) + "'";
}

}  // namespace allocbench
