// A seeded Poisson arrival process: exponential gaps with mean 1 / rate. open_loop draws the
// intended start of every request from it, so work arrives on its own schedule whether or not
// the runtime has kept up (what wrk2 and HdrHistogram do against coordinated omission).
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace allocbench {

// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same sequence from every standard
// library, unlike std::exponential_distribution whose algorithm is implementation-defined.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1p-53; }

 private:
  std::uint64_t state_;
};

class PoissonArrivals {
 public:
  // rate: arrivals per unit of time (the caller picks the unit: per tick, per ns, per second).
  PoissonArrivals(double rate, std::uint64_t seed) : rng_(seed), mean_gap_(1.0 / rate) {
    if (!(rate > 0) || !std::isfinite(mean_gap_))
      throw std::invalid_argument("PoissonArrivals: rate must be positive and finite");
  }
  // The next gap, by inversion: -ln(1 - U) / rate (1 - U is in (0, 1], so the log is finite).
  double next_gap() noexcept { return -std::log1p(-rng_.unit()) * mean_gap_; }
  double mean_gap() const noexcept { return mean_gap_; }

 private:
  SplitMix64 rng_;
  double mean_gap_;
};

}  // namespace allocbench
