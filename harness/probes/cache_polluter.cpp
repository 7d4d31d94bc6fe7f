#include "harness/probes/cache_polluter.hpp"

#include <cstring>

#include "harness/probes/machine.hpp"

namespace allocbench {

CachePolluter::CachePolluter() : CachePolluter(last_level_cache_bytes() / 2 * 5) {}

CachePolluter::CachePolluter(std::size_t bytes)
    : bytes_((bytes + kLineBytes - 1) / kLineBytes * kLineBytes),
      buffer_(new unsigned char[bytes_]) {
  std::memset(buffer_.get(), 1, bytes_);  // fault every page in now
}

std::uint64_t CachePolluter::pollute() noexcept {
  unsigned char* p = buffer_.get();
  // Lines are independent (no chain through the data), so the walk runs at memory bandwidth;
  // the asm barrier tells the compiler the buffer is observed, so the stores must happen.
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < bytes_; i += kLineBytes) {
    sum += p[i];
    p[i] = static_cast<unsigned char>(p[i] + 1);
  }
  asm volatile("" : : "r"(p), "r"(sum) : "memory");
  checksum_ += sum;
  return sum;
}

}  // namespace allocbench
