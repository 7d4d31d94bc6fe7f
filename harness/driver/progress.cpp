#include "harness/driver/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace allocbench {

ProgressStyle choose_progress_style(const std::ostream& err, bool quiet, bool verbose) {
  if (quiet) return ProgressStyle::kQuiet;
  if (verbose) return ProgressStyle::kVerbose;
  // Only the real stderr can be a terminal (tests pass string streams).
  const bool tty = &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
  return tty ? ProgressStyle::kTerminal : ProgressStyle::kPlain;
}

Progress::Progress(std::ostream& err, ProgressStyle style, const std::vector<GridPoint>& grid,
                   std::size_t backends, std::uint64_t repetitions)
    : err_(err),
      style_(style),
      started_(std::chrono::steady_clock::now()),
      grid_size_(grid.size()) {
  const std::uint64_t times = backends * repetitions;
  for (const auto& p : grid) {
    remaining_ops_[p.scenario] += ops_of(p) * times;
    remaining_points_[p.scenario] += times;
  }
  points_total_ = grid.size() * times;
}

Progress::~Progress() {
  finish();
}

std::uint64_t Progress::ops_of(const GridPoint& p) {
  for (const auto& [k, v] : p.params) {
    if (k == "ops") {
      try {
        return std::max<std::uint64_t>(1, std::stoull(v));
      } catch (const std::exception&) {
        return 1;
      }
    }
  }
  return 1;
}

std::string Progress::clock(double seconds) {
  if (seconds < 0) seconds = 0;
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

// "~1:05", or "?" before anything has run.
std::string Progress::left_text(double left) {
  if (left < 0) return "?";
  std::string s(1, '~');
  s += clock(left);
  return s;
}

double Progress::estimate_left() const {
  if (points_done_ == 0) return -1;
  const double mean_point = seconds_done_ / static_cast<double>(points_done_);
  double left = 0;
  for (const auto& [scenario, ops] : remaining_ops_) {
    auto s = seconds_.find(scenario);
    auto o = ops_done_.find(scenario);
    if (s != seconds_.end() && o != ops_done_.end() && o->second > 0) {
      left += static_cast<double>(ops) * s->second / o->second;
    } else {
      left += static_cast<double>(remaining_points_.at(scenario)) * mean_point;
    }
  }
  return left;
}

void Progress::clear() {
  if (drawn_) {
    err_ << "\r\033[K" << std::flush;
    drawn_ = false;
  }
}

void Progress::draw() {
  if (style_ != ProgressStyle::kTerminal) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double left = estimate_left();
  // What matters most first: a narrow terminal cuts the scenario's label, not the time left.
  std::string text = tag_;
  text += ' ';
  text += std::to_string(points_done_);
  text += '/';
  text += std::to_string(points_total_);
  text += " runs, ";
  text += clock(elapsed);
  text += " elapsed, ";
  text += left_text(left);
  text += " left";
  if (!point_.empty()) {
    text += " | ";
    text += point_;
  }
  winsize ws{};
  std::size_t width = 100;
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) width = ws.ws_col;
  // One line, never wrapped: a wrapped line cannot be redrawn in place with \r.
  if (text.size() >= width) text = text.substr(0, width - 2) + "…";
  err_ << "\r\033[K" << text << std::flush;
  drawn_ = true;
}

void Progress::begin_backend(const std::string& tag) {
  tag_ = tag;
  point_.clear();
  if (style_ == ProgressStyle::kVerbose) {
    err_ << tag_ << ": starting " << grid_size_ << " worker process"
         << (grid_size_ == 1 ? "" : "es") << "\n";
  }
  draw();
}

void Progress::begin_point(const GridPoint& point, std::size_t at, std::size_t of) {
  point_ = point.label() + " (" + std::to_string(at) + "/" + std::to_string(of) + ")";
  point_started_ = std::chrono::steady_clock::now();
  draw();
}

void Progress::worker_line(std::string_view line) {
  if (style_ == ProgressStyle::kVerbose) err_ << tag_ << ": " << point_ << ": " << line << "\n";
}

void Progress::end_point(const GridPoint& point) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - point_started_).count();
  const std::uint64_t ops = ops_of(point);
  seconds_[point.scenario] += secs;
  ops_done_[point.scenario] += static_cast<double>(ops);
  auto& r = remaining_ops_[point.scenario];
  r -= std::min(r, ops);
  auto& n = remaining_points_[point.scenario];
  if (n) --n;
  ++points_done_;
  seconds_done_ += secs;
  draw();
}

void Progress::skip_backend(const std::vector<GridPoint>& grid) {
  // Its points will not run: out of the estimate and the count.
  for (const auto& p : grid) {
    auto& r = remaining_ops_[p.scenario];
    r -= std::min(r, ops_of(p));
    auto& n = remaining_points_[p.scenario];
    if (n) --n;
    if (points_total_) --points_total_;
  }
  line(tag_ + ": skipped (failed earlier)");
}

void Progress::end_backend(bool ok, double seconds) {
  if (!ok || style_ == ProgressStyle::kTerminal || style_ == ProgressStyle::kQuiet) {
    draw();
    return;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double left = estimate_left();
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", seconds);
  err_ << tag_ << ": done in " << took << " s; elapsed " << clock(elapsed) << ", left "
       << left_text(left) << "\n";
}

void Progress::line(const std::string& text) {
  if (style_ == ProgressStyle::kQuiet) return;
  clear();
  err_ << text << "\n";
  draw();
}

void Progress::error(const std::string& text) {
  clear();
  err_ << text << "\n";
  draw();
}

void Progress::finish() {
  clear();
}

}  // namespace allocbench
