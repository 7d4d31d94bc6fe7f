// Errors the runtime raises. SlabFull and FrameTooLarge live with the allocators, which detect
// them.
#pragma once

#include <stdexcept>

#include "allocators/allocator.hpp"

namespace allocbench {

// What awaiting a cancelled task raises.
class TaskCancelled : public std::runtime_error {
 public:
  TaskCancelled() : std::runtime_error("task was cancelled") {}
};

// What awaiting a handle raises once its runtime has been destroyed.
class RuntimeGone : public std::logic_error {
 public:
  RuntimeGone() : std::logic_error("the task's runtime has been destroyed") {}
};

}  // namespace allocbench
