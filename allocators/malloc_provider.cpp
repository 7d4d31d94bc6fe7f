#include "allocators/malloc_provider.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <array>

namespace allocbench {

std::string malloc_provider() {
  // RTLD_DEFAULT walks the global scope in link order: exactly the lookup every malloc call in
  // this process was bound by.
  void* symbol = dlsym(RTLD_DEFAULT, "malloc");
  if (symbol == nullptr) {
    const char* err = dlerror();
    return std::string("unavailable (dlsym(malloc): ") + (err != nullptr ? err : "not found") + ")";
  }
  Dl_info info{};
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) {
    return "unavailable (dladdr found no object for malloc)";
  }
  std::string path = info.dli_fname;
  if (path.empty()) {
    // glibc names the main executable "" in its link map: malloc is defined in the executable
    // itself (static linking or a sanitizer runtime linked in statically).
    std::array<char, 4096> exe{};
    const ssize_t len = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
    path = len > 0 ? std::string(exe.data(), static_cast<std::size_t>(len))
                   : std::string("(main executable)");
  }
  return path;
}

}  // namespace allocbench
