// allocbench: the driver CLI. It measures nothing itself: it runs one worker process per backend
// (allocbench-worker-<backend>, next to this executable) and merges what they print.
#include <iostream>
#include <string>
#include <variant>

#include "harness/driver/cli.hpp"
#include "harness/driver/compare_command.hpp"
#include "harness/driver/list_command.hpp"
#include "harness/driver/run_command.hpp"

int main(int argc, char** argv) {
  using namespace allocbench;
  std::string out, err;
  const ParseOutcome parsed = parse_command_line(argc, argv, out, err);
  std::cout << out;
  std::cerr << err;
  if (!parsed.command) return parsed.exit_code;
  try {
    return std::visit(
        [](const auto& cmd) -> int {
          using T = std::decay_t<decltype(cmd)>;
          if constexpr (std::is_same_v<T, ListOptions>) {
            return list_command(std::cout, std::cerr);
          } else if constexpr (std::is_same_v<T, RunOptions>) {
            return run_command(cmd, std::cout, std::cerr);
          } else {
            return compare_command(cmd, std::cout, std::cerr);
          }
        },
        *parsed.command);
  } catch (const std::exception& e) {
    std::cerr << "allocbench: " << e.what() << "\n";
    return kExitSomeFailed;
  }
}
