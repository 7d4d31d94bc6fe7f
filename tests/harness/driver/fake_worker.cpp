// A stand-in for allocbench-worker-<name> in the driver's end-to-end tests. It speaks the worker
// protocol (info / machine / run) with made-up but well-formed numbers, and misbehaves on demand:
//   FAKE_WORKER_MODE="name=mode,..."  mode: ok (default), crash (abort), hang, garbage (non-JSON
//     stdout), badproto (JSON that breaks the protocol), exit3, noisy (1 MiB of stderr),
//     badutf8 (a stderr line that is not UTF-8, then exit 3), squat (first creates
//     results/<UTC>.json for this and the two previous seconds, as another run would), fds
//     (prints its open descriptors on stderr, then succeeds), deep (a result whose params nest
//     an array 200,000 deep)
//   FAKE_WORKER_LOG=file        every invocation appends "name arg arg ..." to file
//   FAKE_WORKER_INTERRUPT_AT=N  the N-th `run` logged sends SIGINT to its parent, then hangs
//   FAKE_WORKER_SIGNAL=S        ...sends signal number S instead of SIGINT
//   FAKE_WORKER_PIDFILE=file    a hanging run writes its pid there first
// Linked as allocbench-micro-<name> it stands in for a Google Benchmark executable instead: it
// prints --benchmark_repetitions=N iteration rows and the aggregates of two benchmarks as JSON,
// and misbehaves per FAKE_MICRO_MODE (same syntax and modes as FAKE_WORKER_MODE).
#include <dirent.h>
#include <signal.h>
#include <unistd.h>
#include "harness/report/probe_json.hpp"

#include <ctime>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/probes/histogram.hpp"

namespace {

using nlohmann::json;

std::string mode_for(const std::string& name, const char* var = "FAKE_WORKER_MODE") {
  const char* env = std::getenv(var);
  if (!env) return "ok";
  std::string s = env;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    const std::string item = s.substr(start, comma - start);
    if (item.rfind(name + "=", 0) == 0) return item.substr(name.size() + 1);
    start = comma + 1;
  }
  return "ok";
}

// Appends the call to the log and returns how many `run` calls the log now holds.
int log_call(const std::string& name, int argc, char** argv) {
  const char* path = std::getenv("FAKE_WORKER_LOG");
  if (!path) return 0;
  {
    std::ofstream log(path, std::ios::app);
    log << name;
    for (int i = 1; i < argc; ++i) log << ' ' << argv[i];
    log << '\n';
  }
  std::ifstream in(path);
  int runs = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find(" run ") != std::string::npos) ++runs;
  }
  return runs;
}

json info(const std::string& name) {
  return {{"name", name},
          {"library", "libfake-" + name + ".so"},
          {"version", "1.0"},
          {"malloc_provider", "/fake/" + name},
          {"tuning", json::object()},
          {"scenarios",
           {{{"name", "floor"}, {"description", "bare loop"}, {"params", json::array()}},
            {{"name", "spawn_burst"},
             {"description", "spawn k tasks, run them"},
             {"params",
              {{{"name", "k"},
                {"description", "tasks per burst"},
                {"quick", {64}},
                {"full", {64, 256}}}}}}}}};
}

json result(const std::string& name, const std::string& scenario, json params, double scale) {
  allocbench::Histogram h;
  for (std::uint64_t v = 100; v < 200; ++v) h.record_n(static_cast<std::uint64_t>(v * scale), 10);
  const double ops = 1e6 * scale * static_cast<double>(name.size());
  return {{"scenario", scenario},
          {"params", std::move(params)},
          {"ops", 1000},
          {"elapsed_ns", 1000.0 / ops * 1e9},
          {"ops_per_sec", ops},
          {"latency_histogram", to_json(h)},
          {"memory", {{"peak_rss_bytes", 1 << 20}, {"minor_faults", 3}}},
          {"allocations_per_op", 0.0},
          {"backend_allocations_per_op", 1.0},
          {"cache", {{"source", "unavailable"}, {"reason", "fake worker"}}},
          {"frame_size_bytes", 176}};
}

int run(const std::string& name, int argc, char** argv) {
  std::vector<std::string> scenarios;
  std::string mode = "quick";
  std::vector<long> k_override;
  long seed = 1;
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--scenarios") {
      std::string s = argv[++i];
      for (std::size_t p = 0; p <= s.size();) {
        std::size_t c = s.find(',', p);
        if (c == std::string::npos) c = s.size();
        scenarios.push_back(s.substr(p, c - p));
        p = c + 1;
      }
    } else if (a == "--mode") {
      mode = argv[++i];
    } else if (a == "--seed") {
      seed = std::atol(argv[++i]);
    } else if (a == "--param") {
      const std::string kv = argv[++i];
      if (kv.rfind("k=", 0) == 0) k_override.push_back(std::atol(kv.c_str() + 2));
    }
  }
  json results = json::array();
  for (const auto& s : scenarios) {
    std::cerr << "running " << s << " ..." << std::endl;
    if (s == "floor") {
      results.push_back(result(name, s, json::object(), 1.0 + 0.01 * static_cast<double>(seed)));
    } else if (s == "spawn_burst") {
      std::vector<long> ks = k_override;
      if (ks.empty()) ks = mode == "full" ? std::vector<long>{64, 256} : std::vector<long>{64};
      for (long k : ks) {
        results.push_back(result(name, s, {{"k", k}}, 2.0 + static_cast<double>(k) / 1000.0));
      }
    }
  }
  json backend = info(name);
  backend.erase("scenarios");
  std::cout << json{{"backend", backend}, {"results", results}}.dump() << std::endl;
  return 0;
}

// Google Benchmark's JSON layout, with made-up times.
int micro(const std::string& name, int argc, char** argv) {
  const std::string mode = mode_for(name, "FAKE_MICRO_MODE");
  std::cerr << "micro stderr of " << name << std::endl;
  if (mode == "crash") std::abort();
  if (mode == "hang") {
    for (;;) ::pause();
  }
  if (mode == "garbage") {
    std::cout << "Running benchmarks... {" << std::endl;
    return 0;
  }
  int reps = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--benchmark_repetitions=", 0) == 0) reps = std::atoi(a.c_str() + 24);
  }
  json rows = json::array();
  for (const std::string bench : {"alloc_free/size:64", "batch_free/n:16/manual_time"}) {
    for (int r = 0; r < reps; ++r) {
      rows.push_back({{"name", bench},
                      {"run_name", bench},
                      {"run_type", "iteration"},
                      {"repetitions", reps},
                      {"repetition_index", r},
                      {"real_time", 10.0 + r},
                      {"cpu_time", 10.0 + r},
                      {"time_unit", "ns"},
                      {"ns_per_item", 10.0 + r}});
    }
    for (const char* agg : {"mean", "median", "stddev", "cv"}) {
      rows.push_back({{"name", bench + "_" + agg},
                      {"run_name", bench},
                      {"run_type", "aggregate"},
                      {"aggregate_name", agg},
                      {"real_time", 10.5},
                      {"cpu_time", 10.5},
                      {"time_unit", "ns"}});
    }
  }
  std::cout << json{{"context", {{"backend", name}, {"num_cpus", 1}}}, {"benchmarks", rows}}.dump(2)
            << std::endl;
  return 0;
}

void write_pidfile() {
  if (const char* path = std::getenv("FAKE_WORKER_PIDFILE")) {
    std::ofstream(path) << ::getpid() << std::endl;
  }
}

[[noreturn]] void hang() {
  write_pidfile();
  for (;;) ::pause();
}

// The names a run started in this or the two previous seconds would give its report.
void squat_report_names() {
  const std::time_t now = std::time(nullptr);
  for (int back = 0; back < 3; ++back) {
    const std::time_t t = now - back;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char name[64];
    std::strftime(name, sizeof name, "results/%Y-%m-%dT%H-%M-%SZ.json", &tm);
    std::ofstream(name) << "squatter";
  }
}

void print_open_fds() {
  std::string fds;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(d);
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.' || std::atoi(e->d_name) == own) continue;
      fds += std::string(" ") + e->d_name;
    }
    ::closedir(d);
  }
  std::cerr << "open fds:" << fds << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  std::string self = argv[0];
  self = self.substr(self.find_last_of('/') + 1);
  const std::string prefix = "allocbench-worker-";
  const std::string micro_prefix = "allocbench-micro-";
  if (self.rfind(micro_prefix, 0) == 0) {
    const std::string name = self.substr(micro_prefix.size());
    log_call("micro-" + name, argc, argv);
    return micro(name, argc, argv);
  }
  const std::string name = self.rfind(prefix, 0) == 0 ? self.substr(prefix.size()) : self;
  const int runs = log_call(name, argc, argv);
  if (argc < 2) {
    std::cerr << "usage: " << self << " info|machine|run ...\n";
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "info") {
    std::cout << info(name).dump() << std::endl;
    return 0;
  }
  if (cmd == "machine") {
    std::cout << json{{"cpu_model", "fake cpu"},
                      {"cores", 1},
                      {"caches", json::array()},
                      {"kernel", "fake"},
                      {"compiler", "fake"},
                      {"flags", ""},
                      {"tsc_ghz", 2.0},
                      {"timer", {{"source", "fake"}, {"overhead_ns", 0.0}}},
                      {"hw_counters", {{"available", false}, {"reason", "fake worker"}}}}
                     .dump()
              << std::endl;
    return 0;
  }
  if (cmd != "run") return 2;
  if (const char* at = std::getenv("FAKE_WORKER_INTERRUPT_AT"); at && runs == std::atoi(at)) {
    const char* sig = std::getenv("FAKE_WORKER_SIGNAL");
    const int signo = sig ? std::atoi(sig) : SIGINT;
    std::cerr << "sending signal " << signo << " to the driver" << std::endl;
    write_pidfile();
    ::kill(::getppid(), signo);
    for (;;) ::pause();  // the pid file is written already; rewriting it could race the kill
  }
  const std::string mode = mode_for(name);
  for (int i = 0; i < 30; ++i) std::cerr << "stderr line " << i << " of " << name << "\n";
  std::cerr.flush();
  if (mode == "crash") std::abort();
  if (mode == "hang") hang();
  if (mode == "exit3") return 3;
  if (mode == "badutf8") {
    std::cerr << "caf\351 crashed" << std::endl;
    return 3;
  }
  if (mode == "squat") squat_report_names();
  if (mode == "deep") {
    std::cout << R"({"backend": {}, "results": [{"scenario": "floor", "ops_per_sec": 1, )"
              << R"("latency_histogram": {}, "params": {"x": )" << std::string(200000, '[')
              << std::string(200000, ']') << "}}]}" << std::endl;
    return 0;
  }
  if (mode == "fds") print_open_fds();
  if (mode == "garbage") {
    std::cout << "this is {not json" << std::endl;
    return 0;
  }
  if (mode == "badproto") {
    std::cout << R"({"backend": {}, "results": [{"scenario": "floor"}]})" << std::endl;
    return 0;
  }
  if (mode == "noisy") {
    const std::string line(1023, 'x');
    for (int i = 0; i < 1024; ++i) std::cerr << line << '\n';
  }
  return run(name, argc, argv);
}
