// Selects this process's task-allocator backend at compile time. Each worker, test and micro
// benchmark executable is built once per backend with exactly one ALLOCBENCH_BACKEND_* macro
// (see allocbench_add_backend in the top-level CMakeLists.txt), so the hot path never branches
// on the backend and never calls through a pointer.
#pragma once

#include "allocators/allocator.hpp"

#if defined(ALLOCBENCH_BACKEND_SYSTEM)
#include "allocators/system.hpp"
namespace allocbench {
using TaskBackend = SystemAllocator;
}
#elif defined(ALLOCBENCH_BACKEND_BOUNDED)
#include "allocators/bounded_slab.hpp"
namespace allocbench {
using TaskBackend = BoundedSlab;
}
#elif defined(ALLOCBENCH_BACKEND_UNBOUNDED)
#include "allocators/unbounded_slab.hpp"
namespace allocbench {
using TaskBackend = UnboundedSlab;
}
#elif defined(ALLOCBENCH_BACKEND_JEMALLOC)
#include "allocators/jemalloc.hpp"
namespace allocbench {
using TaskBackend = JemallocAllocator;
}
#elif defined(ALLOCBENCH_BACKEND_MIMALLOC)
#include "allocators/mimalloc.hpp"
namespace allocbench {
using TaskBackend = MimallocAllocator;
}
#elif defined(ALLOCBENCH_BACKEND_TCMALLOC)
#include "allocators/tcmalloc.hpp"
namespace allocbench {
using TaskBackend = TcmallocAllocator;
}
#else
#error "define exactly one ALLOCBENCH_BACKEND_* macro (see allocbench_add_backend)"
#endif

static_assert(allocbench::TaskAllocator<allocbench::TaskBackend>);
