#include "harness/driver/cli.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "harness/driver/build_info.hpp"
#include "harness/run_limits.hpp"

namespace allocbench {

std::uint64_t parse_positive(const std::string& flag, const std::string& text) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || v == 0) {
    throw std::invalid_argument(flag + ": expected a positive integer, got '" + text + "'");
  }
  return v;
}

double parse_percent(const std::string& flag, const std::string& text, bool zero_ok) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || !std::isfinite(v) || v < 0 ||
      (v == 0 && !zero_ok) || v >= 100) {
    throw std::invalid_argument(flag + ": expected a percentage " +
                                (zero_ok ? "from 0" : "above 0") + " and below 100, got '" + text +
                                "'");
  }
  return v / 100;
}

std::vector<std::string> split_list(const std::string& flag, const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (item.empty()) {
      throw std::invalid_argument(flag + ": expected a comma-separated list of names, got '" +
                                  text + "'");
    }
    items.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

namespace {

// A positive integer no larger than max (harness/run_limits.hpp, shared with the workers).
std::uint64_t parse_bounded(const std::string& flag, const std::string& text, std::uint64_t max) {
  if (auto v = parse_in_range(text, max)) return *v;
  throw std::invalid_argument(range_error(flag, text, max));
}

// A name given twice would run twice into one report (and --param twice, with the last value
// winning in one place and not in another): refused.
void reject_duplicates(const std::string& flag, const std::vector<std::string>& items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (items[i] == items[j]) {
        throw std::invalid_argument(flag + ": '" + items[i] + "' is given more than once");
      }
    }
  }
}

struct RunText {
  std::string backends, scenarios, repetitions, threads, seed, timeout, out, micro_filter;
  std::string noise_threshold, target_ci, max_repetitions, max_time, pin;
  std::vector<std::string> params;
  bool quick = false, full = false, micro = false, no_micro = false, micro_only = false,
       cache_sim = false, quiet = false, verbose = false;
};

RunOptions validate_run(const RunText& t, const CLI::App& run) {
  RunOptions o;
  o.mode = t.full ? "full" : "quick";
  o.repetitions = t.full ? 5 : 3;
  if (run.count("--backends")) o.backends = split_list("--backends", t.backends);
  if (run.count("--scenarios")) o.scenarios = split_list("--scenarios", t.scenarios);
  reject_duplicates("--backends", o.backends);
  reject_duplicates("--scenarios", o.scenarios);
  if (run.count("--repetitions")) {
    if (t.repetitions == "auto") {
      o.auto_repetitions = true;
    } else {
      o.repetitions = parse_positive("--repetitions", t.repetitions);
    }
  }
  if (run.count("--noise-threshold")) {
    o.noise_threshold = parse_percent("--noise-threshold", t.noise_threshold);
  }
  for (const char* flag : {"--target-ci", "--max-repetitions", "--max-time"}) {
    if (run.count(flag) && !o.auto_repetitions) {
      throw std::invalid_argument(std::string(flag) + " needs --repetitions auto");
    }
  }
  if (run.count("--target-ci")) o.target_ci = parse_percent("--target-ci", t.target_ci);
  if (run.count("--max-repetitions")) {
    o.max_repetitions = parse_positive("--max-repetitions", t.max_repetitions);
  }
  if (run.count("--max-time")) o.max_time_s = parse_positive("--max-time", t.max_time);
  if (o.auto_repetitions) o.repetitions = o.max_repetitions;
  if (run.count("--pin")) {
    std::uint64_t cpu = 0;
    const char* end = t.pin.data() + t.pin.size();
    auto [p, ec] = std::from_chars(t.pin.data(), end, cpu);
    if (t.pin.empty() || ec != std::errc() || p != end || cpu >= 1024) {
      throw std::invalid_argument("--pin: expected a CPU number (0, 1, ...), got '" + t.pin + "'");
    }
    o.pin_cpu = static_cast<int>(cpu);
  }
  if (run.count("--threads")) o.threads = parse_bounded("--threads", t.threads, kMaxThreads);
  if (run.count("--seed")) o.seed = parse_bounded("--seed", t.seed, kMaxSeed);
  if (run.count("--timeout")) o.timeout_s = parse_positive("--timeout", t.timeout);
  // Keeps the deadline arithmetic (milliseconds in a 64-bit count) far from overflow.
  if (o.timeout_s > 100u * 365 * 24 * 3600) {
    throw std::invalid_argument("--timeout: " + t.timeout + " s is more than a century");
  }
  for (const auto& p : t.params) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("--param: expected name=value or name=a,b,c, got '" + p + "'");
    }
    const std::string name = p.substr(0, eq), flag = "--param " + name;
    std::vector<std::uint64_t> values;
    std::vector<std::string> texts;
    for (const auto& v : split_list(flag, p.substr(eq + 1))) {
      values.push_back(parse_bounded(flag, v, kMaxParamValue));
      texts.push_back(std::to_string(values.back()));
    }
    reject_duplicates(flag, texts);  // the same point twice would be two rows of one workload
    o.params.emplace_back(name, std::move(values));
  }
  std::vector<std::string> param_names;
  for (const auto& [name, value] : o.params) param_names.push_back(name);
  reject_duplicates("--param", param_names);
  if (run.count("--out")) {
    if (t.out.empty()) throw std::invalid_argument("--out: empty file name");
    o.out = t.out;
  }
  o.scenarios_given = run.count("--scenarios") > 0;
  o.quiet = t.quiet;
  o.verbose = t.verbose;
  o.micro_only = t.micro_only;
  o.cache_sim = t.cache_sim;
  if (o.micro_only && o.scenarios_given) {
    throw std::invalid_argument("--micro-only runs no scenarios; drop --scenarios or --micro-only");
  }
  if (o.cache_sim) {
    // Timing under valgrind means nothing, and Google Benchmark is all timing.
    if (t.micro || t.micro_only) {
      throw std::invalid_argument("--cache-sim runs no micro benchmarks; drop --micro");
    }
    // callgrind's counts are deterministic: a second repetition would repeat the first.
    if (o.auto_repetitions)
      throw std::invalid_argument("--cache-sim runs one repetition, not auto");
    if (run.count("--repetitions") && o.repetitions != 1) {
      throw std::invalid_argument("--cache-sim runs one repetition; got --repetitions " +
                                  t.repetitions);
    }
    o.repetitions = 1;
    if (!run.count("--timeout")) o.timeout_s = kCacheSimTimeoutS;
  }
  o.micro = t.micro || t.micro_only || (t.full && !t.no_micro && !o.cache_sim);
  if (run.count("--micro-filter")) {
    if (!o.micro) throw std::invalid_argument("--micro-filter needs --micro");
    if (t.micro_filter.empty()) throw std::invalid_argument("--micro-filter: empty pattern");
    o.micro_filter = t.micro_filter;
  }
  return o;
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv, std::string& out,
                                std::string& err) {
  CLI::App app{"allocbench: benchmarks task-frame allocators through per-backend workers",
               "allocbench"};
  app.require_subcommand(1);
  app.fallthrough(false);

  CLI::App* list = app.add_subcommand("list", "List the backends found and their scenarios");

  RunText rt;
  CLI::App* run = app.add_subcommand("run", "Run scenarios on backends and write a report");
  run->add_option("--backends", rt.backends, "Comma-separated backends (default: all found)");
  run->add_option("--scenarios", rt.scenarios, "Comma-separated scenarios (default: all)");
  auto* quick = run->add_flag("--quick", rt.quick, "Quick parameter set, 3 repetitions (default)");
  auto* full =
      run->add_flag("--full", rt.full, "Full parameter set, 5 repetitions, micro benchmarks");
  quick->excludes(full);
  run->add_option("--repetitions", rt.repetitions,
                  "Runs of every worker (positive integer), or auto (see --target-ci)");
  run->add_option("--noise-threshold", rt.noise_threshold,
                  "Flag a result noisy when its CV exceeds PCT percent (default 5)");
  run->add_option("--target-ci", rt.target_ci,
                  "With --repetitions auto: stop when every median's 95% CI half-width is within "
                  "PCT percent of it (default 3)");
  run->add_option("--max-repetitions", rt.max_repetitions,
                  "With --repetitions auto: at most N repetitions (default 30)");
  run->add_option("--max-time", rt.max_time,
                  "With --repetitions auto: start no repetition that would end after S seconds "
                  "(default 3600)");
  run->add_option("--pin", rt.pin, "Pin every worker to CPU N (sched_setaffinity)");
  run->add_option("--threads", rt.threads,
                  "Threads per worker (1 to " + std::to_string(kMaxThreads) + ", default 1)");
  run->add_option("--seed", rt.seed, "Seed passed to every worker (1 to 2^64-1, default 1)");
  run->add_option("--timeout", rt.timeout, "Seconds a worker may run (default 600)");
  run->add_option("--param", rt.params,
                  "Set a scenario parameter: name=value, or name=a,b,c to sweep it; values 1 to "
                  "2^32-1; one --param per name (several names: repeat --param)")
      ->allow_extra_args(false);
  run->add_option("--out", rt.out, "Write the report only to FILE");
  auto* micro = run->add_flag("--micro", rt.micro,
                              "Also run the Google Benchmark suite (allocbench-micro-<backend>)");
  auto* no_micro = run->add_flag("--no-micro", rt.no_micro, "No micro benchmarks with --full");
  auto* micro_only =
      run->add_flag("--micro-only", rt.micro_only, "Only the micro benchmarks, no scenarios");
  micro->excludes(no_micro);
  micro_only->excludes(no_micro);
  auto* quiet = run->add_flag("--quiet,-q", rt.quiet,
                              "Print only the summary (and failures): no progress, no report path");
  auto* verbose = run->add_flag("--verbose,-v", rt.verbose,
                                "Print every worker's progress lines, one line each");
  quiet->excludes(verbose);
  run->add_flag("--cache-sim", rt.cache_sim,
                "Run the workers under callgrind's cache simulation (one repetition; no timing)");
  // Hidden: keeps tests and quick checks short (passed as --benchmark_filter).
  run->add_option("--micro-filter", rt.micro_filter, "")->group("");

  CompareOptions co;
  std::string baseline;
  CLI::App* compare =
      app.add_subcommand("compare", "Compare two reports, or backends within one report");
  compare->add_option("reports", co.files, "A.json [B.json]")->required()->expected(1, 2);
  compare->add_option("--baseline", baseline, "Compare every backend of one report to this one");
  std::string min_effect, compare_noise, fail_if_slower, json_out;
  compare->add_option("--min-effect", min_effect,
                      "A significant change smaller than PCT percent is 'no change' (default 2)");
  compare->add_option("--noise-threshold", compare_noise,
                      "A side whose CV exceeds PCT percent is noisy (default 5)");
  compare->add_option("--fail-if-slower", fail_if_slower,
                      "Exit 1 when a row is significantly slower by more than PCT percent");
  compare->add_option("--json", json_out, "Also write the comparison as JSON to FILE");

  app.set_version_flag("--version", version_line(),
                       "Print the version, git commit (dirty or not) and build, then exit");

  ParseOutcome outcome;
  // CLI11 would call a mistyped subcommand "not expected"; say what it is.
  if (argc > 1 && argv[1][0] != '-' && std::string(argv[1]) != "list" &&
      std::string(argv[1]) != "run" && std::string(argv[1]) != "compare") {
    err = "allocbench: unknown subcommand '" + std::string(argv[1]) +
          "'; valid subcommands: list, run, compare\n\n" + app.help();
    outcome.exit_code = kExitUsage;
    return outcome;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion&) {
    out = version_line();
    return outcome;
  } catch (const CLI::CallForHelp&) {
    out = (app.get_subcommands().empty() ? &app : app.get_subcommands().front())->help();
    return outcome;
  } catch (const CLI::ParseError& e) {
    const CLI::App* where = app.get_subcommands().empty() ? &app : app.get_subcommands().front();
    err = "allocbench: " + std::string(e.what()) + "\n\n" + where->help();
    outcome.exit_code = kExitUsage;
    return outcome;
  }

  try {
    if (list->parsed()) {
      outcome.command = ListOptions{};
    } else if (run->parsed()) {
      RunOptions o = validate_run(rt, *run);
      o.command_line.assign(argv, argv + argc);
      outcome.command = std::move(o);
    } else if (compare->parsed()) {
      if (compare->count("--baseline")) {
        if (baseline.empty()) throw std::invalid_argument("--baseline: empty backend name");
        co.baseline = baseline;
        if (co.files.size() != 1) {
          throw std::invalid_argument("compare --baseline takes exactly one report, got " +
                                      std::to_string(co.files.size()));
        }
      } else if (co.files.size() != 2) {
        throw std::invalid_argument(
            "compare needs two reports (A.json B.json), or one with --baseline NAME");
      }
      if (compare->count("--min-effect")) {
        co.min_effect = parse_percent("--min-effect", min_effect, true);
      }
      if (compare->count("--noise-threshold")) {
        co.noise_threshold = parse_percent("--noise-threshold", compare_noise);
      }
      if (compare->count("--fail-if-slower")) {
        co.fail_if_slower = parse_percent("--fail-if-slower", fail_if_slower, true);
      }
      if (compare->count("--json")) {
        if (json_out.empty()) throw std::invalid_argument("--json: empty file name");
        co.json_out = json_out;
      }
      outcome.command = co;
    }
  } catch (const std::invalid_argument& e) {
    err = std::string("allocbench: ") + e.what() + "\n";
    outcome.exit_code = kExitUsage;
  }
  return outcome;
}

}  // namespace allocbench
