// Counts calls of the aligned global operator new / delete in a test executable (which
// replaces them in aligned_new_counter.cpp). The slabs get all their memory through these and
// nothing else in a test uses them, so the counts are the slabs' own allocations.
#pragma once

#include <cstddef>

namespace allocbench::test {

std::size_t aligned_news();
std::size_t aligned_deletes();

// False when something replaced these operators ahead of this executable (valgrind's memcheck
// does): then the counts see nothing, and tests relying on them skip.
bool aligned_new_is_counted();

}  // namespace allocbench::test
