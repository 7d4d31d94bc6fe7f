// Replaces every form of the global operator new / operator delete with a counting forwarder to
// malloc / aligned_alloc / free (whichever malloc the process links: glibc, jemalloc, mimalloc or
// tcmalloc serves the memory). Built only into the allocbench_alloc_counter library; see
// alloc_counter.hpp for what is and is not counted.
#include <cstdlib>
#include <new>

#include "harness/probes/alloc_counter.hpp"

extern "C" {
// Its presence is what alloc_counter::enabled() checks.
extern const int allocbench_alloc_counter_installed;
const int allocbench_alloc_counter_installed = 1;
}

namespace {

using allocbench::alloc_counter::detail::t_deletes;
using allocbench::alloc_counter::detail::t_news;

void* counted_malloc(std::size_t size) noexcept {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p != nullptr) ++t_news;
  return p;
}

void* counted_aligned(std::size_t size, std::align_val_t align) noexcept {
  const auto a = static_cast<std::size_t>(align);
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t rounded = size == 0 ? a : (size + a - 1) / a * a;
  void* p = std::aligned_alloc(a, rounded);
  if (p != nullptr) ++t_news;
  return p;
}

// The throwing forms: call the new_handler until it gives up, as the standard library does.
template <typename Alloc>
void* new_or_throw(Alloc alloc) {
  for (;;) {
    if (void* p = alloc()) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  ++t_deletes;
  std::free(p);
}

}  // namespace

void* operator new(std::size_t size) {
  return new_or_throw([size] { return counted_malloc(size); });
}
void* operator new[](std::size_t size) {
  return new_or_throw([size] { return counted_malloc(size); });
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return new_or_throw([size] { return counted_malloc(size); });
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return new_or_throw([size] { return counted_malloc(size); });
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t align) {
  return new_or_throw([size, align] { return counted_aligned(size, align); });
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return new_or_throw([size, align] { return counted_aligned(size, align); });
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  try {
    return new_or_throw([size, align] { return counted_aligned(size, align); });
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  try {
    return new_or_throw([size, align] { return counted_aligned(size, align); });
  } catch (...) {
    return nullptr;
  }
}

void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete[](void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  counted_free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  counted_free(p);
}
