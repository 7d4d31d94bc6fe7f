// The micro benchmarks' entry point: quick defaults that the command line can override, the
// backend's identity in the JSON context so a row never stands apart from what produced it, and
// JSON output that is always valid JSON (see finite_json_reporter.hpp).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "allocators/backend.hpp"
#include "allocators/malloc_provider.hpp"
#include "harness/micro/finite_json_reporter.hpp"
#include "harness/micro/micro_support.hpp"
#include "harness/probes/alloc_counter.hpp"

namespace {

// Prepended to the user's arguments: a later flag wins, so any of these can be overridden.
// The repetitions come from the flag rather than ->Repetitions(n) on each benchmark because a
// per-benchmark count would silently override --benchmark_repetitions.
constexpr const char* kDefaultFlags[] = {
    "--benchmark_min_time=0.05",
    "--benchmark_repetitions=3",
};

// The value of the last --name=value in args, or `fallback`; read before Initialize() removes
// the flags it knows.
std::string last_flag(const std::vector<char*>& args, std::string_view name, std::string fallback) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (char* a : args) {
    const std::string_view arg(a);
    if (arg.starts_with(prefix)) fallback = std::string(arg.substr(prefix.size()));
  }
  return fallback;
}

void add_context() {
  using allocbench::TaskBackend;
  benchmark::AddCustomContext("backend", std::string(TaskBackend::name()));
  benchmark::AddCustomContext("backend_library", TaskBackend::library());
  benchmark::AddCustomContext("backend_version", TaskBackend::version());
  benchmark::AddCustomContext("malloc_provider", allocbench::malloc_provider());
  benchmark::AddCustomContext("backend_is_slab", TaskBackend::kIsSlab ? "true" : "false");
  // An arena whose frees are no-ops takes new memory from global new as it grows.
  benchmark::AddCustomContext("backend_reclaims_frees",
                              TaskBackend::kReclaimsFrees ? "true" : "false");
  benchmark::AddCustomContext("global_alloc_counter",
                              allocbench::alloc_counter::enabled()
                                  ? "enabled"
                                  : "unavailable (sanitizer build: the counting operator new is "
                                    "not linked)");
  benchmark::AddCustomContext("slab_max_slot_bytes",
                              std::to_string(allocbench::micro::kSlabMaxSlot));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> defaults(std::begin(kDefaultFlags), std::end(kDefaultFlags));
  std::vector<char*> args;
  args.push_back(argv[0]);
  for (auto& s : defaults) args.push_back(s.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);

  // Only the JSON reporters are replaced; console and CSV output keep Google Benchmark's own.
  const bool json_display = last_flag(args, "benchmark_format", "console") == "json";
  const bool json_file = !last_flag(args, "benchmark_out", "").empty() &&
                         last_flag(args, "benchmark_out_format", "json") == "json";

  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  add_context();

  std::unique_ptr<benchmark::BenchmarkReporter> display;
  std::unique_ptr<benchmark::BenchmarkReporter> file;
  if (json_display) display = std::make_unique<allocbench::micro::FiniteJsonReporter>();
  if (json_file) file = std::make_unique<allocbench::micro::FiniteJsonReporter>();
  benchmark::RunSpecifiedBenchmarks(display.get(), file.get());
  benchmark::Shutdown();
  return 0;
}
