// AllocatorStats::bytes_reserved is a plain size_t; a backend that cannot read the figure from
// its allocator stores this sentinel instead of a made-up 0, and reporters print "unavailable".
#pragma once

#include <cstddef>
#include <cstdint>

#include "allocators/allocator.hpp"

namespace allocbench {

inline constexpr std::size_t kReservedUnknown = SIZE_MAX;

inline bool reserved_known(const AllocatorStats& stats) noexcept {
  return stats.bytes_reserved != kReservedUnknown;
}

}  // namespace allocbench
