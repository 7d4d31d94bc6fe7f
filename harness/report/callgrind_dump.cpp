#include "harness/report/callgrind_dump.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace allocbench {

namespace {

constexpr std::string_view kClientRequest = "Client Request: ";

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::uint64_t number(std::string_view w, std::size_t line_no) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
  if (w.empty() || ec != std::errc() || p != w.data() + w.size()) {
    throw DumpError("line " + std::to_string(line_no) + ": '" + std::string(w) +
                    "' is not a count");
  }
  return v;
}

// "32768 B, 64 B, 8-way associative" (also "direct-mapped", "fully associative").
std::optional<CacheLevel> parse_level(std::string_view s) {
  CacheLevel c;
  auto take = [&](std::uint64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc()) return false;
    s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    return true;
  };
  auto skip = [&](std::string_view lit) {
    if (!starts_with(s, lit)) return false;
    s.remove_prefix(lit.size());
    return true;
  };
  if (!take(c.size_bytes) || !skip(" B, ") || !take(c.line_bytes) || !skip(" B, ")) {
    return std::nullopt;
  }
  if (starts_with(s, "direct-mapped")) {
    c.ways = 1;
  } else if (starts_with(s, "fully associative")) {
    c.ways = c.line_bytes ? c.size_bytes / c.line_bytes : 0;
  } else if (!take(c.ways) || !skip("-way")) {
    return std::nullopt;
  }
  return c;
}

}  // namespace

CallgrindPart parse_callgrind_dump(std::string_view text) {
  CallgrindPart part;
  std::vector<std::string_view> names;
  std::optional<std::vector<std::string_view>> summary, totals;
  std::size_t summary_line = 0, totals_line = 0, line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (starts_with(line, "desc: Trigger: ")) {
      part.trigger = std::string(line.substr(15));
      if (starts_with(part.trigger, kClientRequest)) {
        part.label = part.trigger.substr(kClientRequest.size());
      }
    } else if (starts_with(line, "desc: ")) {
      // "desc: D1 cache: 32768 B, 64 B, 8-way associative"
      const std::string_view rest = line.substr(6);
      const std::size_t colon = rest.find(" cache: ");
      if (colon != std::string_view::npos) {
        if (auto level = parse_level(rest.substr(colon + 8))) {
          part.geometry[std::string(rest.substr(0, colon))] = *level;
        }
      }
    } else if (starts_with(line, "events:")) {
      names = words(line.substr(7));
    } else if (starts_with(line, "summary:")) {
      summary = words(line.substr(8));
      summary_line = line_no;
    } else if (starts_with(line, "totals:")) {
      totals = words(line.substr(7));
      totals_line = line_no;
    }
  }
  if (names.empty()) throw DumpError("no 'events:' line");
  // summary: is the part's own aggregate; totals: (the sum of the cost lines) is the fallback.
  const auto& counts = summary ? summary : totals;
  const std::size_t counts_line = summary ? summary_line : totals_line;
  if (!counts) throw DumpError("neither a 'summary:' nor a 'totals:' line");
  if (counts->size() > names.size()) {
    throw DumpError("line " + std::to_string(counts_line) + ": " + std::to_string(counts->size()) +
                    " counts for " + std::to_string(names.size()) + " events");
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    part.events[std::string(names[i])] = i < counts->size() ? number((*counts)[i], counts_line) : 0;
  }
  return part;
}

std::map<std::string, LabelTotals> sum_callgrind_dumps(const std::filesystem::path& dir,
                                                       const std::string& prefix) {
  std::map<std::string, LabelTotals> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !starts_with(name, prefix)) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in.is_open()) throw DumpError(entry.path().string() + ": cannot open");
    std::ostringstream buf;
    buf << in.rdbuf();
    CallgrindPart part;
    try {
      part = parse_callgrind_dump(buf.str());
    } catch (const DumpError& e) {
      throw DumpError(entry.path().string() + ": " + e.what());
    }
    if (part.label.empty()) continue;
    LabelTotals& t = out[part.label];
    if (t.parts == 0) t.geometry = part.geometry;
    ++t.parts;
    for (const auto& [event, count] : part.events) t.events[event] += count;
  }
  return out;
}

}  // namespace allocbench
