#include "harness/driver/micro_runner.hpp"

#include "harness/driver/workers.hpp"
#include "harness/report/protocol.hpp"

namespace allocbench {

std::vector<std::string> micro_args(const MicroCall& call) {
  std::vector<std::string> args = {"--benchmark_format=json",
                                   "--benchmark_repetitions=" + std::to_string(call.repetitions)};
  if (call.filter) args.push_back("--benchmark_filter=" + *call.filter);
  return args;
}

MicroReply run_micro(const MicroCall& call) {
  const WorkerReply r = call_worker({call.dir / (kMicroPrefix + call.backend), micro_args(call),
                                     call.timeout, call.on_stderr_line, check_micro_output});
  MicroReply out;
  out.interrupted = r.interrupted;
  if (!r.ok) {
    out.entry = {{"status", "failed"}, {"error", r.error}};
    return out;
  }
  out.ok = true;
  out.entry = {
      {"status", "ok"}, {"context", r.output["context"]}, {"benchmarks", r.output["benchmarks"]}};
  return out;
}

}  // namespace allocbench
