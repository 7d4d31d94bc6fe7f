#include "harness/driver/workers.hpp"

#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "harness/driver/interrupt.hpp"
#include "harness/driver/process.hpp"
#include "harness/report/json_limits.hpp"
#include "harness/report/sanitize.hpp"

namespace allocbench {

namespace fs = std::filesystem;

fs::path own_directory() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

const std::vector<std::string>& registered_backends() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    std::string_view all = ALLOCBENCH_REGISTERED_BACKENDS;
    while (!all.empty()) {
      const std::size_t comma = std::min(all.find(','), all.size());
      v.emplace_back(all.substr(0, comma));
      all.remove_prefix(std::min(comma + 1, all.size()));
    }
    return v;
  }();
  return names;
}

fs::path worker_path(const fs::path& dir, const std::string& backend) {
  return dir / (kWorkerPrefix + backend);
}

std::vector<std::string> discover_backends(const fs::path& dir) {
  std::vector<std::string> found, extra;
  for (const auto& name : registered_backends()) {
    if (::access(worker_path(dir, name).c_str(), X_OK) == 0) found.push_back(name);
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(kWorkerPrefix, 0) != 0) continue;
    const std::string name = file.substr(std::string(kWorkerPrefix).size());
    if (name.empty() || name.find('.') != std::string::npos) continue;  // skip *.tmp and alike
    if (std::find(found.begin(), found.end(), name) != found.end()) continue;
    if (::access(entry.path().c_str(), X_OK) == 0) extra.push_back(name);
  }
  std::sort(extra.begin(), extra.end());
  found.insert(found.end(), extra.begin(), extra.end());
  return found;
}

namespace {

std::string with_tail(std::string cause, const ProcessResult& r) {
  if (r.stderr_tail.empty()) return cause + " (stderr was empty)";
  cause += "; last " + std::to_string(r.stderr_tail.size()) + " lines of stderr:";
  for (const auto& line : r.stderr_tail) cause += "\n  " + line;
  return cause;
}

std::string excerpt(const std::string& s) {
  std::string e = s.substr(0, 80);
  for (char& c : e) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return "\"" + e + (s.size() > 80 ? "...\"" : "\"");
}

}  // namespace

namespace {

WorkerReply call_worker_raw(const WorkerCall& call) {
  ProcessSpec spec;
  spec.argv.push_back(call.path.string());
  spec.argv.insert(spec.argv.end(), call.args.begin(), call.args.end());
  spec.timeout = call.timeout;
  spec.on_stderr_line = call.on_stderr_line;
  spec.should_stop = interrupt_requested;
  const ProcessResult r = run_process(spec);

  WorkerReply reply;
  if (r.end == ProcessResult::End::kStopped) {
    reply.interrupted = true;
    reply.error = "interrupted";
    return reply;
  }
  if (!r.succeeded()) {
    reply.error = with_tail(describe_end(r), r);
    return reply;
  }
  if (!json_depth_within(r.out, kMaxJsonDepth)) {
    reply.error = with_tail("malformed output: arrays or objects nested more than " +
                                std::to_string(kMaxJsonDepth) + " deep",
                            r);
    return reply;
  }
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    reply.error = with_tail("malformed output: not valid JSON: " + excerpt(r.out), r);
    return reply;
  }
  if (call.check) {
    if (std::string why = call.check(j); !why.empty()) {
      reply.error = with_tail("malformed output: " + why, r);
      return reply;
    }
  } else if (!j.is_object()) {
    reply.error = with_tail("malformed output: not a JSON object", r);
    return reply;
  }
  reply.ok = true;
  reply.output = std::move(j);
  return reply;
}

}  // namespace

WorkerReply call_worker(const WorkerCall& call) {
  WorkerReply reply = call_worker_raw(call);
  // The error quotes the child's stderr and paths: any bytes at all, but it goes into JSON.
  reply.error = sanitize_utf8(reply.error);
  return reply;
}

}  // namespace allocbench
