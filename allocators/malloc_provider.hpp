// Which object really serves malloc in this process: linking jemalloc, mimalloc or tcmalloc
// replaces glibc's malloc process-wide, and the report proves which one won.
#pragma once

#include <string>

namespace allocbench {

// Path of the shared object (or the executable) that defines the `malloc` the dynamic linker
// resolved, from dladdr(dlsym(RTLD_DEFAULT, "malloc")); "unavailable (...)" if that fails.
std::string malloc_provider();

}  // namespace allocbench
