// What `allocbench run` says while it runs, on stderr. On a terminal: one status line, redrawn in
// place (repetition, backend, scenario, elapsed, estimated time left); elsewhere (a log, a pipe):
// one plain line per backend run; --verbose: every worker's own lines too (the old output);
// --quiet: only failures. Lines that must stay (failures, --repetitions auto) go through line().
//
// The time left is estimated from the plan's operation counts (each grid point's "ops") and the
// time each scenario has taken per operation so far; a scenario not yet seen is counted at the
// mean time of the points run so far.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "harness/driver/grid.hpp"

namespace allocbench {

enum class ProgressStyle { kTerminal, kPlain, kVerbose, kQuiet };

// kTerminal when err is this process's stderr and that is a terminal, else kPlain (both
// overridden by --quiet / --verbose).
ProgressStyle choose_progress_style(const std::ostream& err, bool quiet, bool verbose);

class Progress {
 public:
  // Every repetition runs every grid point on every backend.
  Progress(std::ostream& err, ProgressStyle style, const std::vector<GridPoint>& grid,
           std::size_t backends, std::uint64_t repetitions);
  ~Progress();

  void begin_backend(const std::string& tag);  // "[rep 1/3] bounded (2/9)"
  void begin_point(const GridPoint& point, std::size_t at, std::size_t of);
  void worker_line(std::string_view line);  // a worker's stderr line
  void end_point(const GridPoint& point);
  void end_backend(bool ok, double seconds);
  void skip_backend(const std::vector<GridPoint>& grid);  // a failed backend's points: not run
  void line(const std::string& text);   // a line that stays, whatever the style (but quiet)
  void error(const std::string& text);  // a line that stays even with --quiet
  void finish();                        // clears the status line

  // "1:05" / "1:02:03"; estimated seconds left ("" when nothing has run yet).
  static std::string clock(double seconds);
  double estimate_left() const;
  static std::string left_text(double left);

 private:
  void draw();
  void clear();
  static std::uint64_t ops_of(const GridPoint& p);

  std::ostream& err_;
  ProgressStyle style_;
  std::chrono::steady_clock::time_point started_, point_started_;
  std::map<std::string, std::uint64_t> remaining_ops_;     // scenario -> ops not yet run
  std::map<std::string, std::uint64_t> remaining_points_;  // scenario -> points not yet run
  std::map<std::string, double> seconds_, ops_done_;       // scenario -> measured so far
  std::uint64_t points_total_ = 0, points_done_ = 0;
  double seconds_done_ = 0;
  std::size_t grid_size_ = 0;
  std::string tag_, point_;
  bool drawn_ = false;
};

}  // namespace allocbench
