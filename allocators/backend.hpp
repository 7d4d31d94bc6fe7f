// Selects this process's task-allocator backend at compile time. Each worker, test and micro
// benchmark executable is built once per backend, and allocbench_add_backend
// (cmake/AllocbenchBackend.cmake) gives it the backend's header and type, so the hot path never
// branches on the backend and never calls through a pointer.
#pragma once

#include "allocators/allocator.hpp"

#if !defined(ALLOCBENCH_BACKEND_HEADER) || !defined(ALLOCBENCH_BACKEND_TYPE)
#error "link an allocbench_backend_<name> target (see allocbench_add_backend)"
#endif

#include ALLOCBENCH_BACKEND_HEADER

namespace allocbench {
using TaskBackend = ALLOCBENCH_BACKEND_TYPE;
}

static_assert(allocbench::TaskAllocator<allocbench::TaskBackend>);
// The registry's REPLACES_MALLOC decides whether the backend is built in sanitizer trees; the
// type says the same thing to the code.
static_assert(
    allocbench::TaskBackend::kReplacesMalloc == ALLOCBENCH_BACKEND_REPLACES_MALLOC,
    "allocbench_add_backend(... REPLACES_MALLOC) must match TaskBackend::kReplacesMalloc");
