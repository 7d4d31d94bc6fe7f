#include "scenarios/service_heap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "allocators/backend.hpp"
#include "allocators/reserved_unknown.hpp"
#include "allocators/system.hpp"

namespace allocbench {
namespace {

// Size classes by share of the objects (per mille): small objects dominate the count, the
// classes above 4 KiB (4 % of objects) hold over half of the bytes. Shaped after the published
// fleet profiles (most allocations are small, most bytes are in large objects), not fitted.
struct SizeClass {
  std::size_t lo, hi;        // log-uniform in [lo, hi)
  std::uint32_t cumulative;  // per mille, cumulative
};
constexpr std::array<SizeClass, 6> kSizeClasses{{{8, 64, 500},
                                                 {64, 256, 750},
                                                 {256, 1024, 890},
                                                 {1024, 4096, 960},
                                                 {4096, 16384, 990},
                                                 {16384, 65536, 1000}}};

// Writes what makes the object resident (every page) without paying for initialising all of
// it: a fixed cost per object and per page, the same for every allocator.
void touch(unsigned char* p, std::size_t n) noexcept {
  std::memset(p, 0xa5, n < 64 ? n : 64);
  for (std::size_t off = 4096; off < n; off += 4096) p[off] = 1;
  p[n - 1] = 2;
}

}  // namespace

std::size_t ServiceHeap::draw_size(SplitMix64& rng, std::size_t max) noexcept {
  // Only the classes that start below max take part, in their relative shares.
  std::uint32_t limit = kSizeClasses.front().cumulative;
  for (const auto& k : kSizeClasses) {
    if (k.lo < max) limit = k.cumulative;
  }
  const auto pick = static_cast<std::uint32_t>(rng.next() % limit);
  const SizeClass* c = &kSizeClasses.back();
  for (const auto& k : kSizeClasses) {
    if (pick < k.cumulative) {
      c = &k;
      break;
    }
  }
  const double span = std::log2(static_cast<double>(c->hi) / static_cast<double>(c->lo));
  const auto n =
      static_cast<std::size_t>(static_cast<double>(c->lo) * std::exp2(rng.unit() * span));
  return std::min(std::max(n, c->lo), max);
}

ServiceHeap::ServiceHeap(std::size_t live_bytes, std::uint64_t seed)
    : rng_(seed),
      target_(live_bytes),
      churn_target_(live_bytes - static_cast<std::size_t>(kLongLivedShare * live_bytes)) {
  if (live_bytes < (std::size_t{1} << 20))
    throw std::invalid_argument("ServiceHeap: live size must be at least 1 MiB");
  // The object tables are sized once (mean object ~0.9 KiB; 4x headroom) so churn never
  // reallocates them mid-run.
  const std::size_t expect = live_bytes / 900 + 1024;
  long_lived_.reserve(expect);
  churning_.reserve(4 * expect);
  for (auto& t : transients_) {
    t = make(draw_size(rng_, kTransientMax));
    transient_bytes_ += t.size;
  }
  // Interleaved, so long-lived objects end up scattered between churning ones.
  const std::size_t long_target = target_ - churn_target_;
  while (long_bytes_ < long_target || churn_bytes_ < churn_target_) {
    const Object o = make(draw_size(rng_));
    const bool long_lived = long_bytes_ < long_target &&
                            (churn_bytes_ >= churn_target_ ||
                             static_cast<double>(long_bytes_) <
                                 kLongLivedShare * static_cast<double>(long_bytes_ + churn_bytes_));
    if (long_lived) {
      long_lived_.push_back(o);
      long_bytes_ += o.size;
    } else {
      churning_.push_back(o);
      churn_bytes_ += o.size;
    }
  }
  // To a steady state: every churning object replaced about once (63 % of them at least once).
  for (std::size_t i = 0, n = churning_.size(); i < n; ++i) step();
  steps_ = 0;
}

ServiceHeap::~ServiceHeap() {
  for (const auto& o : long_lived_) drop(o);
  for (const auto& o : churning_) drop(o);
  for (const auto& o : transients_) drop(o);
}

ServiceHeap::Object ServiceHeap::make(std::size_t size) {
  auto* p = static_cast<unsigned char*>(std::malloc(size));
  if (p == nullptr) throw std::bad_alloc();
  ++mallocs_;
  touch(p, size);
  return {p, size};
}

void ServiceHeap::drop(const Object& o) noexcept {
  std::free(o.p);
  ++frees_;
}

void ServiceHeap::step() {
  if (!churning_.empty()) {
    const std::size_t i = static_cast<std::size_t>(rng_.next() % churning_.size());
    const Object victim = churning_[i];
    sink_ += victim.p[0];
    churning_[i] = churning_.back();
    churning_.pop_back();
    churn_bytes_ -= victim.size;
    drop(victim);
  }
  while (churn_bytes_ < churn_target_) {
    const Object o = make(draw_size(rng_));
    churning_.push_back(o);
    churn_bytes_ += o.size;
  }
  Object& t = transients_[next_transient_];
  next_transient_ = (next_transient_ + 1) % kTransients;
  sink_ += t.p[0];
  transient_bytes_ -= t.size;
  drop(t);
  t = make(draw_size(rng_, kTransientMax));
  transient_bytes_ += t.size;
  ++steps_;
}

ServiceHeapStats ServiceHeap::stats() const noexcept {
  ServiceHeapStats s;
  s.target_bytes = target_;
  s.live_bytes = long_bytes_ + churn_bytes_ + transient_bytes_;
  s.live_objects = long_lived_.size() + churning_.size() + transients_.size();
  s.long_lived_bytes = long_bytes_;
  s.long_lived_objects = long_lived_.size();
  s.transient_bytes = transient_bytes_;
  auto count = [&s](const Object& o) {
    if (o.size <= 256) ++s.small_objects;
    if (o.size > s.largest_object) s.largest_object = o.size;
  };
  for (const auto& o : long_lived_) count(o);
  for (const auto& o : churning_) count(o);
  for (const auto& o : transients_) count(o);
  s.steps = steps_;
  s.mallocs = mallocs_;
  s.frees = frees_;
  return s;
}

namespace {

// On the malloc backends the backend is the process's malloc; the slabs run beside glibc's.
// (A template, so the requires-expression discards the branch a backend lacks.)
template <class Backend>
std::size_t malloc_reserved() noexcept {
  if constexpr (requires { Backend::reserved_bytes(); }) {
    return Backend::reserved_bytes();
  } else {
    return SystemAllocator::reserved_bytes();
  }
}

}  // namespace

std::optional<std::size_t> process_malloc_reserved(std::string* why) {
  const std::size_t v = malloc_reserved<TaskBackend>();
  if (v == kReservedUnknown) {
    if (why) *why = "the process's malloc gives no figure in this build (a sanitizer's malloc)";
    return std::nullopt;
  }
  return v;
}

}  // namespace allocbench
