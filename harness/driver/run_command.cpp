#include "harness/driver/run_command.hpp"

#include <chrono>
#include <cstdio>
#include <ostream>

#include <nlohmann/json.hpp>

#include "harness/driver/interrupt.hpp"
#include "harness/driver/micro_runner.hpp"
#include "harness/driver/progress.hpp"
#include "harness/driver/repetitions.hpp"
#include "harness/driver/run_plan.hpp"
#include "harness/driver/run_report.hpp"
#include "harness/driver/workers.hpp"
#include "harness/report/atomic_file.hpp"
#include "harness/report/schema.hpp"
#include "harness/report/summary_reporter.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

constexpr std::chrono::seconds kInfoTimeout{60};

// Step 3: each backend's Google Benchmark suite, repeated as the scenarios were (5 when auto
// ran no scenarios).
MicroSuite run_micro_suite(const RunPlan& plan, const RunOptions& o,
                           const std::vector<BackendState>& states, std::uint64_t completed,
                           Progress& progress) {
  MicroSuite suite;
  suite.repetitions = o.auto_repetitions ? (completed ? completed : 5) : o.repetitions;
  if (!o.micro) return suite;
  const std::size_t n = states.size();
  for (std::size_t i = 0; i < n && !interrupt_requested(); ++i) {
    const std::string& b = states[i].name;
    const std::string tag =
        "[micro] " + b + " (" + std::to_string(i + 1) + "/" + std::to_string(n) + "): ";
    progress.line(tag + "starting");
    const auto started = std::chrono::steady_clock::now();
    MicroReply m = run_micro({plan.dir, b, suite.repetitions, o.micro_filter,
                              std::chrono::seconds(o.timeout_s), [&](std::string_view line) {
                                if (o.verbose) progress.line(tag + std::string(line));
                              }});
    if (m.interrupted) break;
    if (!m.ok) {
      progress.error(tag + "FAILED: " + m.entry["error"].get<std::string>());
      suite.failed = true;
    } else {
      char took[32];
      std::snprintf(
          took, sizeof took, "%.1f",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      progress.line(tag + "done in " + took + " s, " +
                    std::to_string(m.entry["benchmarks"].size()) + " rows");
    }
    suite.entries[b] = std::move(m.entry);
  }
  return suite;
}

json describe_machine(const RunPlan& plan) {
  const WorkerReply m = call_worker(
      {worker_path(plan.dir, plan.reference), {"machine"}, kInfoTimeout, nullptr, nullptr});
  return m.ok
             ? m.output
             : json{{"source", "unavailable"}, {"reason", plan.reference + " machine: " + m.error}};
}

}  // namespace

int run_command(const RunOptions& o, std::ostream& out, std::ostream& err) {
  PlanOutcome planned;
  try {
    planned = plan_run(o, err);
  } catch (const UsageError& e) {
    err << "allocbench run: " << e.what() << "\n";
    return kExitUsage;
  }
  if (!planned.plan) return planned.exit_code;
  const RunPlan& plan = *planned.plan;

  install_interrupt_handlers();
  std::vector<BackendState> states = start_backends(plan);
  const json machine = describe_machine(plan);
  const std::uint64_t scenario_reps = plan.scenarios.empty() ? 0 : o.repetitions;
  Progress progress(err, choose_progress_style(err, o.quiet, o.verbose), plan.grid,
                    plan.backends.size(), scenario_reps);
  const Repetitions reps = run_repetitions(plan, o, states, progress);
  MicroSuite micro = run_micro_suite(plan, o, states, reps.completed, progress);
  progress.finish();

  const bool interrupted = interrupt_requested();
  if (interrupted && reps.completed == 0 && micro.entries.empty()) {
    err << "allocbench run: interrupted before any repetition finished; no report written\n";
    return kExitInterrupted;
  }
  bool any_failed = false;
  for (const auto& s : states) any_failed = any_failed || s.failed;
  const bool micro_failed = micro.failed;
  json report;
  try {
    report = assemble_report(plan, o, machine, reps, states, std::move(micro), interrupted);
  } catch (const std::exception& e) {
    err << "allocbench run: cannot merge the workers' results: " << e.what() << "\n";
    return kExitSomeFailed;
  }

  std::filesystem::path primary = plan.primary;
  try {
    const std::string text = dump_report(report);
    if (plan.latest) {
      // Another run may have taken this second's name since the plan: claim a free one.
      primary = write_new_file(primary.parent_path(), plan.stamp, ".json", text);
      write_file_atomically(*plan.latest, text);
    } else {
      write_file_atomically(primary, text);
    }
  } catch (const std::exception& e) {
    err << "allocbench run: cannot write the report: " << e.what() << "\n";
    return kExitSomeFailed;
  }
  out << format_summary(report);
  if (!o.quiet) {
    err << "report: " << primary.string()
        << (plan.latest ? " (also " + plan.latest->string() + ")" : std::string()) << "\n";
  }
  if (interrupted) {
    err << "allocbench run: interrupted; the report holds the " << reps.completed
        << " complete repetition" << (reps.completed == 1 ? "" : "s") << "\n";
    return kExitInterrupted;
  }
  return any_failed || micro_failed ? kExitSomeFailed : kExitOk;
}

}  // namespace allocbench
