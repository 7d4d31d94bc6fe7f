// Running a worker under callgrind for the cache-simulation mode: finding valgrind, the fixed
// command line, a private directory for the dump files, and turning the dumps into each result's
// `cache` figures (harness/report/cache_sim.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/driver/grid.hpp"
#include "harness/driver/workers.hpp"
#include "harness/report/callgrind_dump.hpp"

namespace allocbench {

// The first executable `valgrind` on PATH, or nullopt.
std::optional<std::filesystem::path> find_valgrind();

// Where the dumps' temporary directories go (TMPDIR, else /tmp): "" when it is a writable
// directory, else why not. Checked before a --cache-sim run starts anything.
std::string check_temp_directory();

// valgrind --tool=callgrind --cache-sim=yes --collect-atstart=no --D1=... --I1=... --LL=...
//          --callgrind-out-file=<dump_dir>/cg.%p <worker> <args...> --cache-sim
std::vector<std::string> callgrind_argv(const std::filesystem::path& valgrind,
                                        const std::filesystem::path& dump_dir,
                                        const CacheGeometry& geometry, const WorkerCall& call);

// Runs call under callgrind with its dumps in a fresh temporary directory (removed afterwards),
// then replaces every result's `cache` with the callgrind figures. Fails like call_worker, and
// also when a dump file cannot be read.
WorkerReply call_worker_under_callgrind(const WorkerCall& call,
                                        const std::filesystem::path& valgrind,
                                        const CacheGeometry& geometry);

}  // namespace allocbench
