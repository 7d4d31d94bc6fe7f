// The stress driver: draws operations, applies each to the Runtime and to the Model, compares.
#include "tests/stress/stress_run.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>

#include "tests/stress/seed_reporter.hpp"

namespace allocbench::stress {

BackendConfig stress_config() {
  BackendConfig c;
  c.slot_size = 1024;
  c.capacity = 16;
  c.slots_per_chunk = 4;
  return c;
}

namespace {

using test::Counts;
using test::Tracker;

constexpr bool kSlab = TaskBackend::kIsSlab;
// Whether spawn_slab can find the slab full (the bounded slab), from the backend trait.
constexpr bool kHasCapacity = TaskBackend::kHasCapacity;
constexpr std::size_t kMaxLiveTasks = 40;

struct Mismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct StressError {
  int id;
};
struct FactoryError {};

// What a task's body can reach: its record, by id. A deque: records never move.
struct Rec {
  Counts param;  // a Tracker parameter: lives exactly as long as the frame
  Counts local;  // a Tracker local: from the body's first resumption to its end
  Program prog;
  std::vector<Outcome> seen;
  std::optional<Waker> waker;  // where a kPark step leaves its Waker
  std::optional<JoinHandle<int>> handle;
};
struct World {
  std::deque<Rec> recs;
  std::vector<int> resumed;
  Counts scratch;  // trackers of tasks that must never get a frame
};

Task<int> body(Tracker frame_tracker, World* w, int id) {
  (void)frame_tracker;
  Rec& r = w->recs[static_cast<std::size_t>(id)];
  w->resumed.push_back(id);
  Tracker local(r.local);
  for (std::size_t pc = 0; pc < r.prog.steps.size(); ++pc) {
    const Step s = r.prog.steps[pc];
    switch (s.op) {
      case StepOp::kYield:
        co_await yield_now();
        w->resumed.push_back(id);
        break;
      case StepOp::kPark:
        co_await Runtime::park([&r](Waker k) { r.waker.emplace(std::move(k)); });
        w->resumed.push_back(id);
        break;
      case StepOp::kParkSelfWake:
        co_await Runtime::park([](Waker k) { std::move(k).wake(); });
        w->resumed.push_back(id);
        break;
      case StepOp::kAwait: {
        JoinHandle<int>& target = *w->recs[static_cast<std::size_t>(s.target)].handle;
        const bool suspends = !target.is_finished();
        Outcome o;
        try {
          o = Outcome{Outcome::kValue, co_await target};
        } catch (const TaskCancelled&) {
          o = Outcome{Outcome::kCancelled, 0};
        } catch (const StressError& e) {
          o = Outcome{Outcome::kError, e.id};
        }
        if (suspends) w->resumed.push_back(id);
        r.seen[pc] = o;
        break;
      }
    }
  }
  if (r.prog.throws) throw StressError{id};
  co_return r.prog.value;
}

// A frame larger than any slot (it keeps the array across a suspension).
Task<int> oversized(Tracker t) {
  (void)t;
  std::array<char, 8192> big{};
  big[17] = 1;
  asm volatile("" : : "r"(big.data()) : "memory");  // else clang 14 keeps one byte of it
  co_await yield_now();
  co_return big[17];
}

enum Op : int {
  kSpawnBox,
  kSpawnSlab,
  kTrySpawnSlab,
  kClaim,
  kTryClaim,
  kClaimSpawn,
  kClaimDrop,
  kClaimTooLarge,
  kClaimFactoryThrowsAfter,
  kClaimFactoryThrowsBefore,
  kSpawnTooLarge,
  kDropHandle,
  kDetach,
  kCancel,
  kJoin,
  kJoinEarly,
  kWakeLocal,
  kDropLocal,
  kRemoteWake,
  kRemoteDrop,
  kRunOne,
  kRunUntilIdle,
  kSync,
  kOpCount
};
constexpr std::array<const char*, kOpCount> kOpNames = {"spawn_box",
                                                        "spawn_slab",
                                                        "try_spawn_slab",
                                                        "claim_slab",
                                                        "try_claim",
                                                        "claim_spawn",
                                                        "claim_drop",
                                                        "claim_spawn_too_large",
                                                        "claim_factory_throws_after",
                                                        "claim_factory_throws_before",
                                                        "spawn_slab_too_large",
                                                        "drop_handle",
                                                        "detach",
                                                        "cancel",
                                                        "join",
                                                        "join_early",
                                                        "wake_local",
                                                        "drop_waker",
                                                        "remote_wake",
                                                        "remote_drop",
                                                        "run_one",
                                                        "run_until_idle",
                                                        "sync_remote"};

// How often each operation and each interesting outcome happened, over the process (printed
// with STRESS_VERBOSE=1: it shows the seeds reach the paths they are meant to).
std::array<std::uint64_t, kOpCount> g_op_counts{};
std::map<std::string, std::uint64_t> g_events;

using Weights = std::array<unsigned, kOpCount>;
constexpr Weights kMixedWeights = {8, 8, 5, 4, 3, 6, 2, 1, 1,  1, 1, 4,
                                   3, 5, 4, 1, 6, 2, 6, 2, 20, 6, 2};
constexpr Weights kCrossWeights = {4, 8, 3, 2, 1, 3, 1,  0, 0,  0, 0, 2,
                                   2, 8, 2, 0, 4, 1, 25, 5, 20, 8, 3};

class Run {
 public:
  Run(std::uint64_t seed, Profile profile)
      : seed_(seed),
        profile_(profile),
        rng_(seed),
        rt_(std::make_unique<Runtime>(stress_config())),
        thread_(std::make_unique<WakeThread>()) {}

  ~Run() { teardown(); }

  std::uint64_t ops() const { return step_; }

  void go() {
    const std::size_t steps = profile_ == Profile::kMixed ? 250 : 200;
    const Weights& wt = profile_ == Profile::kMixed ? kMixedWeights : kCrossWeights;
    unsigned total = 0;
    for (unsigned x : wt) total += x;
    for (std::size_t i = 0; i < steps; ++i) {
      unsigned r = static_cast<unsigned>(rng_() % total);
      int op = 0;
      while (r >= wt[static_cast<std::size_t>(op)]) r -= wt[static_cast<std::size_t>(op++)];
      apply(static_cast<Op>(op));
    }
    if (rng_() % 4 == 0) {
      destroy_runtime(/*wait_for_remote=*/rng_() % 2 == 0);
    } else {
      orderly_end();
    }
  }

  std::string history() const {
    std::ostringstream os;
    for (const std::string& h : history_) os << "\n    " << h;
    return os.str();
  }

 private:
  // ---- bookkeeping ------------------------------------------------------------------------

  [[noreturn]] void fail(const std::string& what) const { throw Mismatch(what); }

  void note(Op op, int id = -1) {
    ++g_op_counts[static_cast<std::size_t>(op)];
    std::string what = kOpNames[static_cast<std::size_t>(op)];
    if (id >= 0) what += " #" + std::to_string(id);
    note_text(what);
  }
  void note_text(const std::string& what) {
    ++step_;
    SeedReporter::at(seed_, step_);
    history_.push_back("step " + std::to_string(step_) + ": " + what);
    if (history_.size() > 25) history_.pop_front();
  }

  Rec& rec(int id) { return w_.recs[static_cast<std::size_t>(id)]; }

  int pick(const std::vector<int>& v) { return v[static_cast<std::size_t>(rng_() % v.size())]; }
  template <class Pred>
  std::vector<int> tasks_where(Pred p) const {
    std::vector<int> v;
    for (std::size_t i = 0; i < m_.tasks.size(); ++i) {
      if (p(m_.tasks[i], static_cast<int>(i))) v.push_back(static_cast<int>(i));
    }
    return v;
  }

  // A new record and its program; the caller spawns it (or fails to) and tells the model.
  int new_task() {
    const int id = static_cast<int>(w_.recs.size());
    Program p;
    const int n = static_cast<int>(rng_() % 5);
    const unsigned park_pct = profile_ == Profile::kMixed ? 25 : 55;
    bool has_await = false;
    for (int i = 0; i < n; ++i) {
      const unsigned r = static_cast<unsigned>(rng_() % 100);
      if (r < park_pct) {
        p.steps.push_back({StepOp::kPark, -1});
      } else if (r < park_pct + 10) {
        p.steps.push_back({StepOp::kParkSelfWake, -1});
      } else if (r < park_pct + 25 && !has_await) {
        auto targets = tasks_where(
            [](const ModelTask& t, int) { return t.handle && t.awaited_by < 0 && !t.consumed; });
        if (targets.empty()) {
          p.steps.push_back({StepOp::kYield, -1});
        } else {
          p.steps.push_back({StepOp::kAwait, pick(targets)});
          has_await = true;
        }
      } else {
        p.steps.push_back({StepOp::kYield, -1});
      }
    }
    p.throws = rng_() % 5 == 0;
    p.value = id * 7 + 1;
    Rec& r = w_.recs.emplace_back();
    r.prog = p;
    r.seen.assign(p.steps.size(), Outcome{});
    return id;
  }
  Task<int> make(int id) { return body(Tracker(rec(id).param), &w_, id); }

  bool slab_full() const { return kHasCapacity && m_.backend_blocks() >= stress_config().capacity; }

  // ---- operations -------------------------------------------------------------------------

  void apply(Op op) {
    const bool room = m_.live_tasks() < kMaxLiveTasks;
    switch (op) {
      case kSpawnBox:
        if (!room) return apply(kRunOne);
        return spawn_box();
      case kSpawnSlab:
        if (!room) return apply(kRunOne);
        return spawn_slab(false);
      case kTrySpawnSlab:
        if (!room) return apply(kRunOne);
        return spawn_slab(true);
      case kClaim:
        return claim(false);
      case kTryClaim:
        return claim(true);
      case kClaimSpawn:
      case kClaimDrop:
      case kClaimTooLarge:
      case kClaimFactoryThrowsAfter:
      case kClaimFactoryThrowsBefore:
        if (claims_.empty() || (op == kClaimSpawn && !room)) return apply(kRunOne);
        return use_claim(op);
      case kSpawnTooLarge:
        if (!kSlab) return apply(kRunOne);  // malloc backends take any frame size
        return spawn_too_large();
      case kDropHandle:
      case kDetach:
      case kJoin: {
        auto c = tasks_where([&](const ModelTask& t, int id) {
          return t.handle && !m_.reserved(id) &&
                 (op != kJoin || (m_.handle_finished(id) && !t.consumed));
        });
        if (c.empty()) return apply(kRunOne);
        return op == kJoin ? join(pick(c)) : drop_handle(pick(c), op == kDetach);
      }
      case kJoinEarly: {
        auto c = tasks_where(
            [&](const ModelTask& t, int id) { return t.handle && !m_.handle_finished(id); });
        if (c.empty()) return apply(kRunOne);
        return join_early(pick(c));
      }
      case kCancel: {
        auto c = tasks_where([](const ModelTask& t, int) { return t.handle; });
        if (c.empty()) return apply(kRunOne);
        return cancel(pick(c));
      }
      case kWakeLocal:
      case kDropLocal:
      case kRemoteWake:
      case kRemoteDrop: {
        auto c = tasks_where([](const ModelTask& t, int) { return t.waker == WakerAt::kLocal; });
        if (c.empty()) return apply(kRunOne);
        return use_waker(op, pick(c));
      }
      case kRunOne:
        return run_one();
      case kRunUntilIdle:
        return run_until_idle();
      case kSync:
        note(kSync);
        sync_remote();
        return check();
      case kOpCount:
        break;
    }
  }

  void spawn_box() {
    const int id = new_task();
    note(kSpawnBox, id);
    rec(id).handle.emplace(rt_->spawn(make(id)));
    m_.add(Kind::kBox, rec(id).prog);
    check();
  }

  void spawn_slab(bool try_variant) {
    const int id = new_task();
    note(try_variant ? kTrySpawnSlab : kSpawnSlab, id);
    const bool full = slab_full();
    bool spawned = false;
    if (try_variant) {
      auto h = rt_->try_spawn_slab([&] { return make(id); });
      if (h.has_value()) {
        rec(id).handle.emplace(std::move(*h));
        spawned = true;
      }
    } else {
      try {
        rec(id).handle.emplace(rt_->spawn_slab([&] { return make(id); }));
        spawned = true;
      } catch (const SlabFull&) {
      }
    }
    if (spawned == full) fail(full ? "spawn succeeded on a full slab" : "SlabFull with room left");
    if (full) ++g_events["spawn refused: slab full"];
    m_.add(Kind::kSlab, rec(id).prog, spawned);
    check();
  }

  void claim(bool try_variant) {
    note(try_variant ? kTryClaim : kClaim);
    const bool full = slab_full();
    bool got = false;
    if (try_variant) {
      auto c = rt_->try_claim_slab();
      if (c.has_value()) {
        claims_.push_back(std::move(*c));
        got = true;
      }
    } else {
      try {
        claims_.push_back(rt_->claim_slab());
        got = true;
      } catch (const SlabFull&) {
      }
    }
    if (got == full) fail(full ? "claim succeeded on a full slab" : "claim failed with room left");
    if (full) ++g_events["claim refused: slab full"];
    if (got) {
      ++m_.claims;
      if (!claims_.back().valid() || claims_.back().size() < 1024)
        fail("a fresh claim is unusable");
    }
    check();
  }

  void use_claim(Op op) {
    const std::size_t i = static_cast<std::size_t>(rng_() % claims_.size());
    SlabClaim& c = claims_[i];
    switch (op) {
      case kClaimSpawn: {
        const int id = new_task();
        note(op, id);
        void* where = c.address();
        rec(id).handle.emplace(c.spawn([&] { return make(id); }));
        if (c.valid()) fail("a used claim is still valid");
        if (rec(id).param.alive() != 1) fail("the claimed frame has no Tracker");
        (void)where;
        claims_.erase(claims_.begin() + static_cast<std::ptrdiff_t>(i));
        --m_.claims;
        m_.add(Kind::kClaim, rec(id).prog);
        break;
      }
      case kClaimDrop:
        note(op);
        claims_.erase(claims_.begin() + static_cast<std::ptrdiff_t>(i));
        --m_.claims;
        break;
      case kClaimTooLarge: {
        note(op);
        bool threw = false;
        try {
          (void)c.spawn([&] { return oversized(Tracker(w_.scratch)); });
        } catch (const FrameTooLarge&) {
          threw = true;
        }
        if (!threw) fail("an oversized frame was placed in a claim");
        if (!c.valid()) fail("FrameTooLarge used up the claim");
        break;
      }
      case kClaimFactoryThrowsAfter: {
        // The frame lands in the block and is destroyed as the factory unwinds: the block
        // returns with it, and the claim is used up (not freed twice).
        const int id = new_task();
        note(op, id);
        bool threw = false;
        try {
          // A volatile condition: a factory that always throws lets clang 14 elide the frame.
          static volatile bool fail = true;
          (void)c.spawn([&]() -> Task<int> {
            Task<int> t = make(id);
            if (fail) throw FactoryError{};
            return t;
          });
        } catch (const FactoryError&) {
          threw = true;
        }
        if (!threw || c.valid()) fail("a factory that threw after creating its task");
        claims_.erase(claims_.begin() + static_cast<std::ptrdiff_t>(i));
        --m_.claims;
        m_.add(Kind::kClaim, rec(id).prog, /*spawned=*/false);
        break;
      }
      case kClaimFactoryThrowsBefore: {
        note(op);
        bool threw = false;
        try {
          (void)c.spawn([&]() -> Task<int> {
            if (c.valid()) throw FactoryError{};
            return oversized(Tracker(w_.scratch));
          });
        } catch (const FactoryError&) {
          threw = true;
        }
        if (!threw || !c.valid()) fail("a factory that threw before creating a task");
        break;
      }
      default:
        break;
    }
    check();
  }

  void spawn_too_large() {
    note(kSpawnTooLarge);
    bool threw = false;
    try {
      (void)rt_->spawn_slab([&] { return oversized(Tracker(w_.scratch)); });
    } catch (const FrameTooLarge&) {
      threw = true;
    }
    if (!threw) fail("an oversized frame was spawned into the slab");
    check();
  }

  void drop_handle(int id, bool detach) {
    note(detach ? kDetach : kDropHandle, id);
    if (detach) {
      rec(id).handle->detach();
      if (rec(id).handle->valid()) fail("a detached handle is still valid");
    } else {
      rec(id).handle.reset();
    }
    m_.drop_handle(id);
    check();
  }

  static Outcome take_result(JoinHandle<int>& h) {
    try {
      return Outcome{Outcome::kValue, h.result()};
    } catch (const TaskCancelled&) {
      return Outcome{Outcome::kCancelled, 0};
    } catch (const RuntimeGone&) {
      return Outcome{Outcome::kGone, 0};
    } catch (const StressError& e) {
      return Outcome{Outcome::kError, e.id};
    }
  }

  void join(int id) {
    note(kJoin, id);
    const Outcome got = take_result(*rec(id).handle);
    const Outcome want = m_.join(id);
    if (!(got == want)) {
      fail("join #" + std::to_string(id) + " delivered " + describe(got) + ", model says " +
           describe(want));
    }
    check();
  }

  void join_early(int id) {
    note(kJoinEarly, id);
    bool threw = false;
    try {
      (void)rec(id).handle->result();
    } catch (const std::logic_error&) {
      threw = true;
    }
    if (!threw) fail("result() of an unfinished task did not throw logic_error");
    check();
  }

  void cancel(int id) {
    note(kCancel, id);
    const bool racing_drop = m_.at(id).waker == WakerAt::kRemoteDrop;
    const State before = m_.at(id).state;
    rec(id).handle->cancel();
    m_.cancel(id);
    if (m_.at(id).state == State::kCancelled && before != State::kCancelled) {
      static const char* const kStates[] = {"queued", "parked", "awaiting", "finished", "?"};
      ++g_events[std::string("cancel ") + kStates[static_cast<int>(before)]];
    } else {
      ++g_events["cancel without effect"];
    }
    if (m_.at(id).zombie) ++g_events["cancel left a zombie (Waker alive)"];
    if (racing_drop && m_.at(id).zombie) {
      const bool freed_now = rt_->retained_blocks() + 1 == m_.retained_blocks();
      ++g_events[freed_now ? "cancel raced a remote drop: freed at once"
                           : "cancel raced a remote drop: freed at next poll"];
      m_.resolve_drop_race(id, freed_now);
    }
    check();
  }

  void use_waker(Op op, int id) {
    note(op, id);
    Waker k = std::move(*rec(id).waker);
    rec(id).waker.reset();
    switch (op) {
      case kWakeLocal:
        std::move(k).wake();
        m_.wake_local(id);
        break;
      case kDropLocal:
        k = Waker();
        m_.drop_local(id);
        break;
      case kRemoteWake:
      case kRemoteDrop:
        thread_->send(std::move(k), op == kRemoteWake);
        m_.send_remote(id, op == kRemoteWake);
        break;
      default:
        break;
    }
    check();
  }

  void run_one() {
    note(kRunOne);
    const bool ran = rt_->run_one();
    if (ran != m_.run_one())
      fail(ran ? "run_one ran a task the model has not queued" : "run_one idle");
    check();
  }

  void sync_remote() {
    thread_->wait_idle();
    m_.remote_done();
  }

  void run_until_idle() {
    note(kRunUntilIdle);
    sync_remote();
    rt_->run_until_idle();
    m_.run_until_idle();
    check();
  }

  // ---- the end of a run -------------------------------------------------------------------

  // Wake what can be woken, cancel what can be cancelled, drop every handle and claim: the
  // runtime must then hold exactly what the model says is stranded (tasks parked with no Waker
  // and no handle), and nothing at all when nothing is.
  void orderly_end() {
    run_until_idle();
    for (int round = 0; round < 8; ++round) {
      bool acted = false;
      for (int id :
           tasks_where([](const ModelTask&t, int) { return t.waker == WakerAt::kLocal; })) {
        use_waker(kWakeLocal, id);
        acted = true;
      }
      for (int id : tasks_where(
               [&](const ModelTask&t, int i) { return t.handle && !m_.handle_finished(i); })) {
        cancel(id);
        acted = true;
      }
      run_until_idle();
      if (!acted) break;
    }
    for (int id :
         tasks_where([&](const ModelTask&t, int i) { return t.handle && !m_.reserved(i); })) {
      if (m_.handle_finished(id) && !m_.at(id).consumed && rng_() % 2 == 0) join(id);
      drop_handle(id, rng_() % 2 == 0);
    }
    while (!claims_.empty()) {
      note(kClaimDrop);
      claims_.pop_back();
      --m_.claims;
      check();
    }
    if (m_.live_tasks() == 0) {
      ++g_events["end: everything dropped, zero blocks and bytes checked"];
      const AllocatorStats s = rt_->backend().stats();
      if (rt_->live_tasks() != 0 || s.live_blocks != 0 || s.bytes_requested != 0) {
        fail("after dropping everything: " + std::to_string(rt_->live_tasks()) + " tasks, " +
             std::to_string(s.live_blocks) + " blocks, " + std::to_string(s.bytes_requested) +
             " bytes still held");
      }
    }
    destroy_runtime(true);
  }

  void destroy_runtime(bool wait_for_remote) {
    // The contract: local Wakers and claims go before their runtime. Remote Wakers may still be
    // in the wake thread's hands (the destructor waits for them) unless wait_for_remote.
    for (int id : tasks_where([](const ModelTask&t, int) { return t.waker == WakerAt::kLocal; })) {
      use_waker(kDropLocal, id);
    }
    while (!claims_.empty()) {
      note(kClaimDrop);
      claims_.pop_back();
      --m_.claims;
      check();
    }
    if (wait_for_remote) sync_remote();
    note_text(wait_for_remote ? "destroy_runtime" : "destroy_runtime (remote Wakers in flight)");
    ++g_events[wait_for_remote ? "runtime destroyed"
                               : "runtime destroyed, remote Wakers in flight"];
    if (m_.live_tasks() != 0) ++g_events["runtime destroyed with live tasks"];
    rt_.reset();
    thread_->wait_idle();
    m_.destroy_runtime();
    check_after_runtime();
  }

  // ---- checks -----------------------------------------------------------------------------

  static std::string describe(const Outcome& o) {
    switch (o.type) {
      case Outcome::kNone:
        return "nothing";
      case Outcome::kValue:
        return "value " + std::to_string(o.value);
      case Outcome::kError:
        return "StressError from #" + std::to_string(o.value);
      case Outcome::kCancelled:
        return "TaskCancelled";
      case Outcome::kGone:
        return "RuntimeGone";
    }
    return "?";
  }

  void check_task(int id) {
    const ModelTask& t = m_.at(id);
    Rec& r = rec(id);
    const std::string who = "task #" + std::to_string(id) + ": ";
    if (r.param.alive() != (t.frame ? 1 : 0)) {
      fail(who + "frame Tracker alive " + std::to_string(r.param.alive()) + ", model says frame " +
           (t.frame ? "exists" : "is gone"));
    }
    const int local = t.started && !t.body_done ? 1 : 0;
    if (r.local.alive() != local) {
      fail(who + "local Tracker alive " + std::to_string(r.local.alive()) + ", model says " +
           std::to_string(local));
    }
    if (r.local.made > 1) fail(who + "body entered " + std::to_string(r.local.made) + " times");
    for (std::size_t pc = 0; pc < t.seen.size(); ++pc) {
      if (!(r.seen[pc] == t.seen[pc])) {
        fail(who + "await at step " + std::to_string(pc) + " saw " + describe(r.seen[pc]) +
             ", model says " + describe(t.seen[pc]));
      }
    }
    if (t.handle) {
      if (!r.handle || !r.handle->valid()) fail(who + "handle lost");
      if (r.handle->is_finished() != m_.handle_finished(id)) {
        fail(who + "is_finished() " + (r.handle->is_finished() ? "true" : "false") +
             ", model disagrees");
      }
      if (r.handle->is_cancelled() != t.handle_cancelled) fail(who + "is_cancelled() disagrees");
    }
  }

  void check_trace() {
    if (w_.resumed.size() != m_.resumed.size() ||
        !std::equal(w_.resumed.begin() + static_cast<std::ptrdiff_t>(trace_checked_),
                    w_.resumed.end(),
                    m_.resumed.begin() + static_cast<std::ptrdiff_t>(trace_checked_))) {
      std::ostringstream os;
      os << "resumption order differs; runtime:";
      for (std::size_t i = trace_checked_; i < w_.resumed.size(); ++i) os << ' ' << w_.resumed[i];
      os << "; model:";
      for (std::size_t i = trace_checked_; i < m_.resumed.size(); ++i) os << ' ' << m_.resumed[i];
      fail(os.str());
    }
    trace_checked_ = w_.resumed.size();
  }

  void check() {
    check_trace();
    for (std::size_t i = 0; i < m_.tasks.size(); ++i) check_task(static_cast<int>(i));
    if (w_.scratch.alive() != 0) fail("a frame that must never exist is alive");
    auto eq = [&](const char* what, std::size_t got, std::size_t want) {
      if (got != want) {
        fail(std::string(what) + " is " + std::to_string(got) + ", model says " +
             std::to_string(want));
      }
    };
    eq("live_tasks()", rt_->live_tasks(), m_.live_tasks());
    eq("ready_tasks()", rt_->ready_tasks(), m_.ready.size());
    eq("unobserved_exceptions()", rt_->unobserved_exceptions(), m_.unobserved);
    eq("retained_blocks()", rt_->retained_blocks(), m_.retained_blocks());
    const AllocatorStats s = rt_->backend().stats();
    eq("backend live_blocks", s.live_blocks, m_.backend_blocks());
    if ((s.live_blocks == 0) != (s.bytes_requested == 0)) {
      fail("bytes_requested " + std::to_string(s.bytes_requested) + " with " +
           std::to_string(s.live_blocks) + " live blocks");
    }
    // Wakers in the wake thread's hands go at their own pace: only bounds hold.
    const std::size_t wakers = rt_->outstanding_wakers();
    const std::size_t local = m_.local_wakers();
    if (wakers < local || wakers > local + m_.in_flight()) {
      fail("outstanding_wakers() " + std::to_string(wakers) + " outside [" + std::to_string(local) +
           ", " + std::to_string(local + m_.in_flight()) + "]");
    }
  }

  void check_after_runtime() {
    check_trace();
    for (std::size_t i = 0; i < m_.tasks.size(); ++i) {
      const int id = static_cast<int>(i);
      Rec& r = rec(id);
      const std::string who = "after the runtime, task #" + std::to_string(id) + ": ";
      if (r.param.alive() != 0 || r.local.alive() != 0) fail(who + "a Tracker is still alive");
      if (r.param.made != r.param.destroyed || r.local.made != r.local.destroyed) {
        fail(who + "constructions and destructions differ");
      }
      if (m_.at(id).handle) {
        if (!r.handle->is_finished()) fail(who + "an orphaned handle is not finished");
        const Outcome got = take_result(*r.handle);
        const Outcome want = m_.outcome_of(id);
        if (!(got == want))
          fail(who + "handle says " + describe(got) + ", model " + describe(want));
      }
      r.handle.reset();  // outliving the runtime must be harmless
    }
  }

  // On failure (or after a normal end) nothing may hang or abort here: local Wakers and claims
  // go before the runtime, whatever state the run was left in.
  void teardown() noexcept {
    if (rt_ == nullptr) return;
    for (Rec& r : w_.recs) r.waker.reset();
    claims_.clear();
    thread_->wait_idle();
    rt_.reset();
  }

  std::uint64_t seed_;
  Profile profile_;
  std::mt19937_64 rng_;
  Model m_;
  World w_;  // before the runtime: frames refer to it until the runtime is gone
  std::unique_ptr<Runtime> rt_;
  std::deque<SlabClaim> claims_;        // after the runtime: destroyed before it
  std::unique_ptr<WakeThread> thread_;  // joined before the runtime goes
  std::uint64_t step_ = 0;
  std::size_t trace_checked_ = 0;
  std::deque<std::string> history_;
};

}  // namespace

std::string op_histogram() {
  std::ostringstream os;
  for (std::size_t i = 0; i < kOpCount; ++i)
    os << "  " << kOpNames[i] << ": " << g_op_counts[i] << "\n";
  for (const auto& [k, v] : g_events) os << "  event " << k << ": " << v << "\n";
  return os.str();
}

RunResult run_seed(std::uint64_t seed, Profile profile) {
  SeedReporter::install();
  Run run(seed, profile);
  RunResult res;
  try {
    run.go();
  } catch (const std::exception& e) {
    std::ostringstream os;
    os << "seed " << seed << " (" << (profile == Profile::kMixed ? "mixed" : "cross-thread")
       << ") failed at step " << run.ops() << ": " << e.what() << "\n  replay: STRESS_SEED=" << seed
       << "\n  last steps:" << run.history();
    res.failure = os.str();
  }
  res.ops = run.ops();
  return res;
}

}  // namespace allocbench::stress
