// The reference model the stress test checks the executor against: a few vectors and a deque
// that mirror, in the plainest terms, what the runtime's contract promises. FIFO ready queue;
// a task runs from one suspension to the next; whoever finishes last (task or handle) frees the
// frame; a cancelled task's frame waits for its Wakers; remote wakes reach the ready queue only
// when the runtime polls (run_until_idle), in the order the wake thread performed them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

namespace allocbench::stress {

enum class Kind : unsigned char { kBox, kSlab, kClaim };
enum class StepOp : unsigned char { kYield, kPark, kParkSelfWake, kAwait };

struct Step {
  StepOp op = StepOp::kYield;
  int target = -1;  // kAwait: the task whose (model-held) handle is awaited
};

// What a task does: its steps in order, then it returns value or throws StressError{id}.
struct Program {
  std::vector<Step> steps;
  bool throws = false;
  int value = 0;
};

// A delivered result, as an awaiter or a join saw it.
struct Outcome {
  enum Type : unsigned char { kNone, kValue, kError, kCancelled, kGone } type = kNone;
  int value = 0;  // kValue: the value; kError: id of the task that threw
  bool operator==(const Outcome&) const = default;
};

// Where a parked task's one Waker is.
enum class WakerAt : unsigned char {
  kNone,        // no Waker: never parked, consumed, or dropped with nobody left to free
  kLocal,       // held on the owner thread
  kRemoteWake,  // sent to the wake thread, which will wake it
  kRemoteDrop,  // sent to the wake thread, which will drop it
  kQueued,      // woken remotely: the runtime's remote queue holds an entry (and the frame)
  kHandover,    // dropped remotely after cancel: the owner frees the frame at its next poll
};

enum class State : unsigned char { kQueued, kParked, kAwaiting, kFinished, kCancelled };

struct ModelTask {
  Kind kind = Kind::kBox;
  Program prog;
  State state = State::kQueued;
  std::size_t pc = 0;             // next step to run (or the await it is suspended in)
  bool in_await = false;          // suspended in the await at pc
  bool started = false;           // the body ran: its local Tracker exists
  bool body_done = false;         // the local Tracker is gone (body left, or frame destroyed)
  bool frame = true;              // the frame (and its parameter Tracker) exists
  bool block = true;              // its block (header + frame storage) is held
  bool live = true;               // counted by Runtime::live_tasks()
  bool zombie = false;            // the frame is gone; the block waits for a Waker
  bool handle = true;             // the model still holds its JoinHandle object
  bool handle_cancelled = false;  // that handle's status is "cancelled"
  bool orphaned = false;          // the runtime went away while the handle was live
  bool consumed = false;          // the result was taken (by an awaiter or a join)
  int join_waiter = -1;           // task suspended awaiting this one
  int awaiting = -1;              // task this one is suspended awaiting
  int awaited_by = -1;            // task whose program awaits this handle (reserved)
  WakerAt waker = WakerAt::kNone;
  std::vector<Outcome> seen;  // per step: what the await there saw
};

class Model {
 public:
  std::vector<ModelTask> tasks;
  std::deque<int> ready;
  std::vector<int> resumed;  // every resumption, in order
  std::size_t claims = 0;    // unused SlabClaims
  std::size_t unobserved = 0;
  std::size_t finished_detached = 0;

  // A spawned task is queued; one whose spawn failed (SlabFull, a throwing factory) has no
  // frame, and the ids stay aligned with the driver's records.
  int add(Kind kind, Program prog, bool spawned = true) {
    const int id = static_cast<int>(tasks.size());
    ModelTask t;
    t.kind = kind;
    t.seen.assign(prog.steps.size(), Outcome{});
    if (spawned) {
      for (const Step& s : prog.steps) {
        if (s.op == StepOp::kAwait) tasks[static_cast<std::size_t>(s.target)].awaited_by = id;
      }
    } else {
      t.state = State::kCancelled;
      t.frame = t.block = t.live = t.handle = false;
    }
    t.prog = std::move(prog);
    tasks.push_back(std::move(t));
    if (spawned) ready.push_back(id);
    return id;
  }

  // The outcome a handle delivers now (the task must be finished or cancelled).
  Outcome outcome_of(int id) const {
    const ModelTask& t = at(id);
    if (t.handle_cancelled) return {Outcome::kCancelled, 0};
    if (t.orphaned) return {Outcome::kGone, 0};
    if (t.prog.throws) return {Outcome::kError, id};
    return {Outcome::kValue, t.prog.value};
  }
  bool handle_finished(int id) const {
    const ModelTask& t = at(id);
    return t.handle_cancelled || t.orphaned || t.state == State::kFinished;
  }
  // A handle another task's program will still await: the model must keep it in place.
  bool reserved(int id) const {
    const ModelTask& t = at(id);
    if (t.awaited_by < 0) return false;
    const ModelTask& a = at(t.awaited_by);
    return a.frame && !a.body_done && !awaited_done(t.awaited_by);
  }

  bool run_one() {
    if (ready.empty()) return false;
    const int id = ready.front();
    ready.pop_front();
    resume(id);
    return true;
  }

  // Mirrors Runtime::run_until_idle: drain the ready queue, then poll the remote queue.
  void run_until_idle() {
    for (;;) {
      while (run_one()) {
      }
      if (poll() == 0 && ready.empty()) return;
    }
  }

  void cancel(int id) {
    ModelTask& t = at(id);
    if (!t.handle || t.handle_cancelled || t.orphaned) return;
    switch (t.state) {
      case State::kFinished:
      case State::kCancelled:
        return;
      case State::kQueued:
        ready.erase(std::find(ready.begin(), ready.end(), id));
        break;
      case State::kParked:
        break;
      case State::kAwaiting:
        at(t.awaiting).join_waiter = -1;
        t.awaiting = -1;
        break;
    }
    t.state = State::kCancelled;
    if (t.join_waiter >= 0) wake_waiter(std::exchange(t.join_waiter, -1));
    t.handle_cancelled = true;
    free_task(id);
  }

  // Dropping or detaching a handle: a finished task goes now, a running one when it finishes.
  // A finished task's exception that nobody took is unobserved.
  void drop_handle(int id) {
    ModelTask& t = at(id);
    t.handle = false;
    if (t.handle_cancelled || t.orphaned) return;
    if (t.state == State::kFinished) {
      if (t.prog.throws && !t.consumed) ++unobserved;
      free_task(id);
    }
  }

  Outcome join(int id) {
    at(id).consumed = true;
    return outcome_of(id);
  }

  void wake_local(int id) {
    ModelTask& t = at(id);
    t.waker = WakerAt::kNone;
    if (t.zombie) {
      release_block(id);
    } else if (t.state == State::kParked) {
      t.state = State::kQueued;
      ready.push_back(id);
    }
  }
  void drop_local(int id) {
    ModelTask& t = at(id);
    t.waker = WakerAt::kNone;
    if (t.zombie) release_block(id);
  }
  void send_remote(int id, bool wake) {
    at(id).waker = wake ? WakerAt::kRemoteWake : WakerAt::kRemoteDrop;
    in_flight_.push_back(id);
  }
  // The wake thread has handled everything sent to it, in order.
  void remote_done() {
    for (int id : in_flight_) {
      ModelTask& t = at(id);
      if (t.waker == WakerAt::kRemoteWake) {
        t.waker = WakerAt::kQueued;
        remote_queue_.push_back(id);
      } else if (t.waker == WakerAt::kRemoteDrop) {
        t.waker = t.zombie ? WakerAt::kHandover : WakerAt::kNone;
      }
    }
    in_flight_.clear();
  }
  std::size_t in_flight() const { return in_flight_.size(); }

  // Cancelling a task whose Waker the wake thread is dropping right now races with that drop:
  // the frame goes at once (the drop came first) or at the next poll. The caller observed which.
  void resolve_drop_race(int id, bool freed_now) {
    if (freed_now) {
      at(id).waker = WakerAt::kNone;
      release_block(id);
    }
  }

  // Destroying the runtime: every frame goes; live handles are orphaned.
  void destroy_runtime() {
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      ModelTask& t = tasks[i];
      if (t.frame) destroy_frame(static_cast<int>(i));
      t.block = t.zombie = false;
      t.live = false;
      if (t.handle && !t.handle_cancelled && t.state != State::kCancelled) t.orphaned = true;
      t.waker = WakerAt::kNone;
    }
    ready.clear();
    remote_queue_.clear();
    in_flight_.clear();
  }

  std::size_t live_tasks() const {
    return static_cast<std::size_t>(
        std::count_if(tasks.begin(), tasks.end(), [](const ModelTask& t) { return t.live; }));
  }
  std::size_t retained_blocks() const {
    return static_cast<std::size_t>(
        std::count_if(tasks.begin(), tasks.end(), [](const ModelTask& t) { return t.zombie; }));
  }
  std::size_t backend_blocks() const {
    std::size_t n = claims;
    for (const ModelTask& t : tasks) n += (t.kind != Kind::kBox && t.block) ? 1 : 0;
    return n;
  }
  std::size_t local_wakers() const {
    return static_cast<std::size_t>(std::count_if(
        tasks.begin(), tasks.end(), [](const ModelTask& t) { return t.waker == WakerAt::kLocal; }));
  }

  ModelTask& at(int id) { return tasks[static_cast<std::size_t>(id)]; }
  const ModelTask& at(int id) const { return tasks[static_cast<std::size_t>(id)]; }

 private:
  bool awaited_done(int awaiter) const {
    const ModelTask& a = at(awaiter);
    for (std::size_t i = 0; i < a.prog.steps.size(); ++i) {
      if (a.prog.steps[i].op == StepOp::kAwait) return a.pc > i;
    }
    return true;
  }

  void resume(int id) {
    ModelTask& t = at(id);
    resumed.push_back(id);
    t.started = true;
    if (t.in_await) {
      t.in_await = false;
      consume(id);
    }
    advance(id);
  }

  // Runs the task from pc to its next suspension, or to its end.
  void advance(int id) {
    ModelTask& t = at(id);
    while (t.pc < t.prog.steps.size()) {
      const Step s = t.prog.steps[t.pc];
      switch (s.op) {
        case StepOp::kYield:
        case StepOp::kParkSelfWake:  // the Waker wakes it before park() returns: back of queue
          ++t.pc;
          t.state = State::kQueued;
          ready.push_back(id);
          return;
        case StepOp::kPark:
          ++t.pc;
          t.state = State::kParked;
          t.waker = WakerAt::kLocal;
          return;
        case StepOp::kAwait:
          if (handle_finished(s.target)) {
            consume(id);
            continue;
          }
          t.state = State::kAwaiting;
          t.awaiting = s.target;
          t.in_await = true;
          at(s.target).join_waiter = id;
          return;
      }
    }
    t.body_done = true;
    t.state = State::kFinished;
    if (t.join_waiter >= 0) wake_waiter(std::exchange(t.join_waiter, -1));
    if (!t.handle) {
      ++finished_detached;
      if (t.prog.throws) ++unobserved;
      free_task(id);
    }
  }

  // The await at pc takes its target's result.
  void consume(int id) {
    ModelTask& t = at(id);
    const int target = t.prog.steps[t.pc].target;
    t.seen[t.pc] = join(target);
    ++t.pc;
  }

  void wake_waiter(int w) {
    ModelTask& a = at(w);
    a.awaiting = -1;
    a.state = State::kQueued;
    ready.push_back(w);
  }

  // Runtime::free_task: off the live list; the frame goes unless a Waker still refers to it.
  // The runtime is done with the task: the frame goes at once; the block waits for its Waker.
  void free_task(int id) {
    ModelTask& t = at(id);
    t.live = false;
    destroy_frame(id);
    if (t.waker == WakerAt::kNone) {
      release_block(id);
    } else {
      t.zombie = true;
    }
  }

  void destroy_frame(int id) {
    ModelTask& t = at(id);
    t.frame = false;
    if (t.started) t.body_done = true;
  }

  void release_block(int id) {
    ModelTask& t = at(id);
    t.block = false;
    t.zombie = false;
  }

  // Mirrors Runtime::poll_remote: every entry the wake thread queued, in order.
  std::size_t poll() {
    std::size_t n = 0;
    for (int id : remote_queue_) {
      ModelTask& t = at(id);
      ++n;
      t.waker = WakerAt::kNone;
      if (t.zombie) {
        release_block(id);
      } else if (t.state == State::kParked) {
        t.state = State::kQueued;
        ready.push_back(id);
      }
    }
    remote_queue_.clear();
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].waker == WakerAt::kHandover) {
        ++n;
        tasks[i].waker = WakerAt::kNone;
        release_block(static_cast<int>(i));
      }
    }
    return n;
  }

  std::vector<int> remote_queue_;  // acknowledged remote wakes, in the order they were pushed
  std::vector<int> in_flight_;     // sent to the wake thread, not yet acknowledged
};

}  // namespace allocbench::stress
