#include "aligned_new_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

#include <valgrind/valgrind.h>

namespace {
std::atomic<std::size_t> g_news{0};
std::atomic<std::size_t> g_deletes{0};

void* counted_new(std::size_t n, std::align_val_t al) noexcept {
  const auto align = static_cast<std::size_t>(al);
  // aligned_alloc wants a size that is a multiple of the alignment.
  void* p = std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p != nullptr) g_news.fetch_add(1, std::memory_order_relaxed);
  return p;
}
void counted_delete(void* p) noexcept {
  if (p == nullptr) return;
  g_deletes.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

namespace allocbench::test {
std::size_t aligned_news() {
  return g_news.load();
}
std::size_t aligned_deletes() {
  return g_deletes.load();
}
bool aligned_new_is_counted() {
  // Valgrind redirects the global operator new of every object, this executable's included.
  if (RUNNING_ON_VALGRIND) return false;
  const std::size_t before = aligned_news();
  ::operator delete (::operator new (1, std::align_val_t{64}), std::align_val_t{64});
  return aligned_news() == before + 1;
}
}  // namespace allocbench::test

void* operator new(std::size_t n, std::align_val_t al) {
  void* p = counted_new(n, al);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return counted_new(n, al);
}
void operator delete(void* p, std::align_val_t) noexcept {
  counted_delete(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  counted_delete(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  counted_delete(p);
}
