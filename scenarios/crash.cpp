// crash: aborts, hangs or prints garbage on purpose. Only for the harness's own fault tests; it
// is listed only when ALLOCBENCH_TEST_SCENARIOS is set in the environment.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "scenarios/scenario.hpp"

namespace allocbench {

ScenarioSpec crash_scenario() {
  return {"crash",
          "test only: mode 0 aborts, 1 hangs, 2 prints garbage and exits 0",
          {{"mode", "0 abort, 1 hang, 2 garbage", {0}, {0}}},
          false,
          [](Session& s) {
            switch (s.param("mode")) {
              case 1:
                for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
              case 2:
                std::fputs("this is not json {", stdout);
                std::fflush(stdout);
                std::_Exit(0);
              default:
                std::abort();
            }
          },
          /*in_cache_sim_suite=*/false};
}

}  // namespace allocbench
