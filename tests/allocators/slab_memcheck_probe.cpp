// Run under valgrind by the slab.memcheck_* tests (CMakeLists.txt): makes exactly three
// invalid accesses that only the slabs' mempool annotations can reveal, since the slot memory
// itself is one live heap block as far as memcheck's malloc tracking knows.
#include "allocators/bounded_slab.hpp"
#include "allocators/unbounded_slab.hpp"

int main() {
  allocbench::BackendConfig config;
  config.slot_size = 256;
  config.capacity = 4;
  config.slots_per_chunk = 4;
  allocbench::BoundedSlab bounded(config);
  allocbench::UnboundedSlab unbounded(config);
  auto* b = static_cast<volatile char*>(bounded.allocate(100));
  auto* u = static_cast<volatile char*>(unbounded.allocate(100));
  b[0] = 1;
  u[0] = 1;    // fine: live bytes
  b[150] = 2;  // error 1: inside the slot, past the 100 bytes asked for
  bounded.deallocate(const_cast<char*>(b), 100);
  unbounded.deallocate(const_cast<char*>(u), 100);
  b[10] = 3;  // error 2: bounded use after free
  u[10] = 3;  // error 3: unbounded use after free
  return 0;
}
