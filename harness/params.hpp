// Parameter sets, the vocabulary every layer shares: the worker expands a scenario's grid, the
// driver expands the catalog's (one worker process per set), and reporters label rows. One grid
// expansion and one label, so a set and its name cannot drift apart between them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace allocbench {

// One set: a value per parameter, in the order the grid or the caller gives.
template <class V>
using ParamSet = std::vector<std::pair<std::string, V>>;

// A parameter's values to sweep; an axis with none is left out (the worker's default stands).
template <class V>
struct ParamAxis {
  std::string name;
  std::vector<V> values;
};

// The cartesian product of the axes, the first axis outermost.
template <class V>
std::vector<ParamSet<V>> expand_param_grid(const std::vector<ParamAxis<V>>& axes) {
  std::vector<ParamSet<V>> sets{{}};
  for (const auto& axis : axes) {
    if (axis.values.empty()) continue;
    std::vector<ParamSet<V>> next;
    for (const auto& base : sets) {
      for (const auto& v : axis.values) {
        ParamSet<V> s = base;
        s.emplace_back(axis.name, v);
        next.push_back(std::move(s));
      }
    }
    sets = std::move(next);
  }
  return sets;
}

// "head k=v k=v" (or "k=v k=v" with an empty head) for the pairs not named in skip, in the order
// given. Values print as the catalog and reports write them.
template <class Pairs>
std::string param_label(std::string head, const Pairs& params,
                        std::initializer_list<std::string_view> skip = {}) {
  for (const auto& [name, value] : params) {
    bool skipped = false;
    for (std::string_view s : skip) skipped = skipped || name == s;
    if (skipped) continue;
    if (!head.empty()) head += ' ';
    head += name;
    head += '=';
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(value)>>) {
      head += std::to_string(value);
    } else {
      head += value;
    }
  }
  return head;
}

}  // namespace allocbench
