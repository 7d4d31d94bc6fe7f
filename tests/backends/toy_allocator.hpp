// A toy backend, registered by its one allocbench_add_backend() call in CMakeLists.txt alone:
// test_toy_backend.py proves that call is all a new backend needs to reach `allocbench list`,
// `run`, the report and the charts. Frames come from global new/delete, as with system.
#pragma once

#include <string>
#include <string_view>

#include "allocators/system.hpp"
#include "allocators/tuning_env.hpp"

namespace allocbench::test {

class ToyAllocator : public SystemAllocator {
 public:
  using SystemAllocator::SystemAllocator;

  static std::string_view name() noexcept { return "toy"; }
  static std::string library() { return "allocbench-toy"; }
  static std::string version() { return "0.1"; }
  static Tuning tuning(const BackendConfig& = {}) {
    Tuning t;
    add_env(t, "ALLOCBENCH_TOY_TUNING");
    return t;
  }
};

static_assert(TaskAllocator<ToyAllocator>);

}  // namespace allocbench::test
