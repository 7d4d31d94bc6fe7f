// Evicts the caches between operations for the cold_churn scenario: a walk over a buffer of more
// than twice the last-level cache, one read-modify-write per 64-byte line. Writing (not just
// reading) leaves the lines dirty, so the evicted working set is replaced by our lines in every
// level, including non-inclusive and victim caches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace allocbench {

class CachePolluter {
 public:
  static constexpr std::size_t kLineBytes = 64;

  // Default size: 2.5 x last_level_cache_bytes(), rounded up to whole lines. The buffer is
  // allocated and touched here, so pollute() never page-faults.
  CachePolluter();
  explicit CachePolluter(std::size_t bytes);

  std::size_t bytes() const noexcept { return bytes_; }
  std::size_t lines() const noexcept { return bytes_ / kLineBytes; }

  // Touches every line once; returns a checksum of what it read, which is also kept so the loads
  // cannot be optimised away.
  std::uint64_t pollute() noexcept;

 private:
  std::size_t bytes_;
  std::unique_ptr<unsigned char[]> buffer_;
  std::uint64_t checksum_ = 0;
};

}  // namespace allocbench
