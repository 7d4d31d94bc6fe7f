// JoinHandle<T>: the spawner's side of a task. Await it (result or rethrown exception), ask
// is_finished(), detach() it, or cancel() the task. Whoever finishes last, task or handle, frees
// the frame. A handle outliving its runtime is orphaned, and safe to destroy.
#pragma once

#include <coroutine>
#include <stdexcept>
#include <utility>

#include "runtime/errors.hpp"
#include "runtime/task.hpp"

namespace allocbench {

class JoinHandleBase {
 public:
  enum class Status : unsigned char { kEmpty, kLive, kCancelled, kOrphaned };

  JoinHandleBase(const JoinHandleBase&) = delete;
  JoinHandleBase& operator=(const JoinHandleBase&) = delete;

  // True once the task can no longer run: finished, cancelled, or its runtime is gone.
  bool is_finished() const noexcept;
  bool is_cancelled() const noexcept { return status_ == Status::kCancelled; }
  bool valid() const noexcept { return status_ != Status::kEmpty; }
  // Lets the task run on; it frees itself when it finishes (or now, if it already has).
  void detach() noexcept;
  // Destroys the task at its suspension point; an awaiter sees TaskCancelled. No effect on a
  // task that has already finished (its result stays available).
  void cancel() noexcept;

 protected:
  JoinHandleBase() noexcept = default;
  explicit JoinHandleBase(detail::TaskHeader* t) noexcept : hdr_(t), status_(Status::kLive) {
    t->set_handle(this);
  }
  JoinHandleBase(JoinHandleBase&& o) noexcept : hdr_(o.hdr_), status_(o.status_) {
    if (hdr_) hdr_->set_handle(this);
    o.hdr_ = nullptr;
    o.status_ = Status::kEmpty;
  }
  void move_from(JoinHandleBase&& o) noexcept {
    detach();
    hdr_ = std::exchange(o.hdr_, nullptr);
    status_ = std::exchange(o.status_, Status::kEmpty);
    if (hdr_) hdr_->set_handle(this);
  }
  ~JoinHandleBase() { detach(); }

  // Throws unless the task finished, its frame is still here and its result was not taken yet;
  // marks the result taken.
  detail::TaskHeader& take_finished();
  struct JoinAwaiterBase {
    JoinHandleBase& h;
    // logic_error inside a task of another runtime (its task lists are not ours to link).
    bool await_ready() const;
    void await_suspend(std::coroutine_handle<> awaiting);
  };

 private:
  friend class Runtime;
  detail::TaskHeader* hdr_ = nullptr;
  Status status_ = Status::kEmpty;
};

template <class T>
class [[nodiscard]] JoinHandle : public JoinHandleBase {
 public:
  JoinHandle() noexcept = default;
  JoinHandle(JoinHandle&& o) noexcept : JoinHandleBase(std::move(o)) {}
  JoinHandle& operator=(JoinHandle&& o) noexcept {
    if (this != &o) move_from(std::move(o));
    return *this;
  }

  // The result of a finished task (moved out), or its exception rethrown; TaskCancelled if it
  // was cancelled, RuntimeGone if its runtime was destroyed, logic_error if it is still running
  // or its result was already taken (by result() or co_await).
  T result() { return detail::promise_of<T>(take_finished()).take(); }

  struct Awaiter : JoinAwaiterBase {
    T await_resume() { return static_cast<JoinHandle&>(this->h).result(); }
  };
  Awaiter operator co_await() & noexcept { return Awaiter{{*this}}; }
  Awaiter operator co_await() && noexcept { return Awaiter{{*this}}; }

 private:
  friend class Runtime;
  explicit JoinHandle(detail::TaskHeader* t) noexcept : JoinHandleBase(t) {}
};

}  // namespace allocbench
