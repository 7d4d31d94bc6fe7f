#include "harness/report/report_diff.hpp"

#include <cstdio>
#include <functional>
#include <set>

#include "harness/report/json_access.hpp"
#include "harness/report/text_table.hpp"

namespace allocbench {

namespace {

using nlohmann::json;

constexpr const char* kNotRecorded = "not recorded";

std::string text_of(const json* v) {
  if (!v || v->is_null()) return kNotRecorded;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v->get<double>());
    return buf;
  }
  return v->dump();
}

std::string at(const json& r, std::initializer_list<const char*> path) {
  return text_of(json_at(r, path));
}

std::string ns(const json& r, std::initializer_list<const char*> path) {
  const auto v = number_at(r, path);
  if (!v) return kNotRecorded;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ns", *v);
  return buf;
}

std::string commit(const json& r) {
  const json* c = json_at(r, {"provenance", "commit"});
  if (!c || !c->is_string()) return kNotRecorded;
  std::string s = c->get<std::string>().substr(0, 12);
  const json* d = json_at(r, {"provenance", "dirty"});
  if (d && d->is_boolean()) s += d->get<bool>() ? " (dirty)" : " (clean)";
  if (d && d->is_string()) s += " (dirty: " + d->get<std::string>() + ")";
  return s;
}

std::string flags(const json& r) {
  const std::string p = at(r, {"provenance", "compiler_flags"});
  return p != kNotRecorded ? p : at(r, {"machine", "flags"});
}

std::string mode(const json& r) {
  const std::string m = at(r, {"config", "mode"});
  const std::string reps = at(r, {"config", "repetitions"});
  if (m == kNotRecorded) return m;
  return m + ", " + reps + " repetitions" +
         (at(r, {"config", "cache_sim"}) == "true" ? ", cache simulation" : "");
}

const json* backend_entry(const json& r, const std::string& name) {
  const json* bs = json_at(r, {"backends"});
  if (!bs || !bs->is_array()) return nullptr;
  for (const json& b : *bs) {
    if (b.is_object() && b.value("name", "") == name) return &b;
  }
  return nullptr;
}

std::set<std::string> backend_names(const json& r) {
  std::set<std::string> out;
  const json* bs = json_at(r, {"backends"});
  if (!bs || !bs->is_array()) return out;
  for (const json& b : *bs) {
    if (b.is_object() && b.contains("name") && b["name"].is_string()) {
      out.insert(b["name"].get<std::string>());
    }
  }
  return out;
}

}  // namespace

ReportDiff report_differences(const json& a, const json& b) {
  ReportDiff d;
  auto field = [&](const std::string& what, const std::function<std::string(const json&)>& get) {
    const std::string va = get(a), vb = get(b);
    if (va == kNotRecorded && vb == kNotRecorded) {
      d.unrecorded.push_back(what);
    } else if (va != vb) {
      d.differ.push_back({what, va, vb});
    }
  };
  auto path = [](std::initializer_list<const char*> p) {
    std::vector<const char*> keys(p);
    return [keys](const json& r) {
      const json* cur = &r;
      for (const char* k : keys) {
        if (!cur->is_object() || !cur->contains(k)) return std::string(kNotRecorded);
        cur = &(*cur)[k];
      }
      return text_of(cur);
    };
  };
  field("allocbench version", path({"provenance", "version"}));
  field("commit", commit);
  field("build type", path({"provenance", "build_type"}));
  field("compiler", path({"machine", "compiler"}));
  field("compiler flags", flags);
  field("CPU", path({"machine", "cpu_model"}));
  field("cores", path({"machine", "cores"}));
  field("kernel", path({"machine", "kernel"}));
  field("TSC GHz", path({"machine", "tsc_ghz"}));
  field("timer overhead", [](const json& r) { return ns(r, {"machine", "timer", "overhead_ns"}); });
  field("timer step", [](const json& r) { return ns(r, {"machine", "timer", "resolution_ns"}); });
  field("mode", mode);
  field("threads", path({"config", "threads"}));
  field("pin", path({"config", "pin", "cpu"}));
  field("--param", path({"config", "params"}));
  std::set<std::string> names = backend_names(a);
  const std::set<std::string> nb = backend_names(b);
  names.insert(nb.begin(), nb.end());
  for (const auto& n : names) {
    const json* ea = backend_entry(a, n);
    const json* eb = backend_entry(b, n);
    if (!ea || !eb) {
      d.differ.push_back({"backend " + n, ea ? "present" : "absent", eb ? "present" : "absent"});
      continue;
    }
    for (const char* k : {"version", "malloc_provider", "tuning", "status"}) {
      const std::string va = text_of(json_at(*ea, {k})), vb = text_of(json_at(*eb, {k}));
      if (va != vb) d.differ.push_back({"backend " + n + " " + k, va, vb});
    }
  }
  return d;
}

std::string format_differences(const ReportDiff& d) {
  std::string out;
  if (d.differ.empty()) {
    out = "A and B agree on build, machine, kernel, timer, backends and mode\n";
  } else {
    TextTable t({"differs", "A", "B"});
    for (const auto& x : d.differ) t.add({x.what, x.a, x.b});
    out = "what differs between A and B (besides the results):\n" + t.render();
  }
  if (!d.unrecorded.empty()) {
    out += "not recorded in either report: ";
    for (std::size_t i = 0; i < d.unrecorded.size(); ++i) {
      out += (i ? ", " : "") + d.unrecorded[i];
    }
    out += "\n";
  }
  return out + "\n";
}

json differences_json(const ReportDiff& d) {
  json rows = json::array();
  for (const auto& x : d.differ) rows.push_back({{"what", x.what}, {"a", x.a}, {"b", x.b}});
  return {{"differ", rows}, {"not_recorded_in_either", d.unrecorded}};
}

}  // namespace allocbench
