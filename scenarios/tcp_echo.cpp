// tcp_echo: a loopback TCP echo service on the runtime's reactor (runtime/net.hpp), the one
// scenario with real system calls in it. The server runtime runs on the worker's thread; the
// client keeps C connections in a closed loop (send S bytes, wait for all S back, record the
// round trip with the calibrated timer, repeat), either as tasks on the same runtime
// (same_thread: no cross-thread wake-ups) or as a second runtime on a second thread
// (other_thread). The server spawns one slab task per accepted connection (per_connection), or
// also one per request that reads, echoes and finishes (per_request: a task allocation on every
// request's path). 127.0.0.1 only.
//
// A control connection brackets the measured window on the server thread (so the allocation
// counts, spawns and CPU time are the server's), the window is bounded by `max_ms` as well as by
// `requests`, and every socket operation has a deadline (`stall_ms`): a peer that stalls fails
// the run with the operation, the address and the timeout in the message.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/net.hpp"
#include "runtime/reactor.hpp"
#include "scenarios/frames.hpp"
#include "scenarios/scenario.hpp"

namespace allocbench {
namespace {

constexpr std::int64_t kPerConnection = 1;
constexpr std::int64_t kPerRequest = 2;
constexpr std::int64_t kSameThread = 1;
constexpr std::int64_t kOtherThread = 2;
constexpr std::int64_t kMaxConnections = 4096;
constexpr std::int64_t kMaxSize = 1 << 20;

using Ms = std::chrono::milliseconds;

struct CpuTime {
  double user_ns = 0;
  double sys_ns = 0;
};
CpuTime thread_cpu() noexcept {
  rusage u{};
  if (::getrusage(RUSAGE_THREAD, &u) != 0) return {};
  auto ns = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e9 + t.tv_usec * 1e3; };
  return {ns(u.ru_utime), ns(u.ru_stime)};
}

// ---- server ---------------------------------------------------------------------------------

struct Server {
  Runtime* rt = nullptr;
  Session* s = nullptr;
  std::size_t size = 0;
  std::int64_t mode = kPerConnection;
  Ms stall{0};
  Ms window_cap{0};
  std::vector<TcpStream> streams;  // one per data connection, owned here, closed by its task
  std::uint64_t stall_after = 0;   // tests: connection 0 stops answering after this many
  std::uint64_t spawns = 0;        // tasks the server spawned (connections and requests)
  std::uint64_t closed_mid_request = 0;
  // The measured window, as the server thread saw it.
  std::uint64_t requests = 0;
  std::uint64_t window_spawns = 0;
  CpuTime cpu;
  std::uint64_t reactor_polls = 0;
  std::uint64_t reactor_parks = 0;
};

// Reads one request of `size` bytes into buf and echoes it; false when the peer has closed.
// per_request spawns this as a task of its own for every request.
Task<bool> echo_request(Server* sv, TcpStream* s, std::byte* buf) {
  std::size_t got = 0;
  while (got < sv->size) {
    const std::size_t n =
        co_await with_timeout(s->read_some(std::span(buf + got, sv->size - got)), sv->stall);
    if (n == 0) {
      if (got != 0) ++sv->closed_mid_request;
      co_return false;
    }
    got += n;
  }
  co_await with_timeout(s->write_all(std::span<const std::byte>(buf, sv->size)), sv->stall);
  co_return true;
}

Task<void> serve_connection(Server* sv, std::size_t index) {
  TcpStream& s = sv->streams[index];
  std::vector<std::byte> buf(sv->size);
  for (std::uint64_t served = 0;; ++served) {
    if (index == 0 && served == sv->stall_after && served != 0) {
      co_await sleep_for(sv->stall * 100);  // the stalled peer the client must report
    }
    bool more;
    if (sv->mode == kPerRequest) {
      JoinHandle<bool> h = sv->rt->spawn_slab([&] { return echo_request(sv, &s, buf.data()); });
      ++sv->spawns;
      more = co_await h;
    } else {
      // The same steps inline: awaiting echo_request as a Task would allocate its frame.
      std::size_t got = 0;
      more = true;
      while (got < sv->size) {
        const std::size_t n = co_await with_timeout(
            s.read_some(std::span(buf.data() + got, sv->size - got)), sv->stall);
        if (n == 0) {
          if (got != 0) ++sv->closed_mid_request;
          more = false;
          break;
        }
        got += n;
      }
      if (more) co_await with_timeout(s.write_all(std::span<const std::byte>(buf)), sv->stall);
    }
    if (!more) break;
  }
  s.close();
}

// Reads exactly out.size() bytes; a peer that closes first is an error naming `what`.
Task<void> read_exact(TcpStream& s, std::span<std::byte> out, Ms stall, const char* what) {
  std::size_t got = 0;
  while (got < out.size()) {
    const std::size_t n = co_await with_timeout(s.read_some(out.subspan(got)), stall);
    if (n == 0) throw std::runtime_error(std::string("tcp_echo: the peer closed ") + what);
    got += n;
  }
}

// Accepts the control connection and the data connections, then runs the measured window when
// the client says so: begin() on 'W' (warm-up done), 'G' back; end() on the request count.
Task<void> server_main(Server* sv, TcpListener* l, std::size_t connections) {
  TcpStream ctl = co_await with_timeout(l->accept(), sv->stall);
  std::vector<JoinHandle<void>> conns;
  conns.reserve(connections);
  sv->streams.reserve(connections);
  for (std::size_t i = 0; i < connections; ++i) {
    sv->streams.push_back(co_await with_timeout(l->accept(), sv->stall));
    sv->streams.back().set_nodelay(true);
    conns.push_back(sv->rt->spawn_slab([&] { return serve_connection(sv, i); }));
    ++sv->spawns;
  }
  std::array<std::byte, 8> msg{};
  co_await read_exact(ctl, std::span(msg).first(1), sv->stall, "the control connection");
  detail::Reactor& r = sv->rt->reactor();
  const CpuTime cpu0 = thread_cpu();
  const std::uint64_t spawns0 = sv->spawns, polls0 = r.polls(), parks0 = r.parks();
  // Made before begin(): an awaited Task allocates its frame when it is called.
  Task<void> count = read_exact(ctl, msg, sv->window_cap + sv->stall, "the control connection");
  sv->s->begin();
  co_await with_timeout(ctl.write_all(std::span(msg).first(1)), sv->stall);
  co_await std::move(count);
  std::uint64_t completed = 0;
  std::memcpy(&completed, msg.data(), sizeof completed);
  sv->s->end(completed);
  const CpuTime cpu1 = thread_cpu();
  sv->requests = completed;
  sv->window_spawns = sv->spawns - spawns0;
  sv->cpu = {cpu1.user_ns - cpu0.user_ns, cpu1.sys_ns - cpu0.sys_ns};
  sv->reactor_polls = r.polls() - polls0;
  sv->reactor_parks = r.parks() - parks0;
  sv->s->note_backend(sv->rt->backend().stats());  // every connection task alive
  co_await with_timeout(ctl.write_all(std::span(msg).first(1)), sv->stall);
  for (auto& h : conns) co_await h;  // each ends when its client closes
}

// ---- client ---------------------------------------------------------------------------------

struct ClientConn {
  TcpStream s;
  std::vector<std::byte> out, back;
  std::vector<std::uint64_t> round_trips;  // raw ticks, measured phase only
  std::vector<std::uint64_t> batches;      // raw ticks of `batch` consecutive round trips
};

struct Client {
  Runtime* rt = nullptr;
  SocketAddr to;
  std::size_t size = 0;
  Ms stall{0};
  std::size_t batch = 16;
  std::uint64_t deadline_ticks = 0;  // no new request starts after it
  std::vector<ClientConn> conns;
  // Between the phases every loop parks on its gate; the last to finish its warm-up wakes main.
  std::vector<Waker> gates;
  std::size_t warmed = 0;
  Waker main;
  CpuTime cpu;  // the client thread's, over the measured phase
};

// One connection's closed loop: `warmup` round trips, the gate, then up to `requests` measured
// ones; none started after the deadline. Spawned before the window, so the window holds no
// client spawn.
Task<std::uint64_t> client_loop(Client* c, std::size_t index, std::size_t warmup,
                                std::size_t requests) {
  ClientConn& k = c->conns[index];
  std::uint64_t done = 0;
  for (int phase = 0; phase < 2; ++phase) {
    const bool measure = phase == 1;
    const std::size_t n = measure ? requests : warmup;
    if (measure) {
      if (++c->warmed == c->conns.size() && c->main.valid()) std::move(c->main).wake();
      co_await Runtime::park([&](Waker w) { c->gates[index] = std::move(w); });
    }
    std::uint64_t batch_start = ticks_now();
    std::size_t in_batch = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const std::uint64_t t0 = ticks_now();
      if (t0 > c->deadline_ticks) break;
      const std::uint64_t stamp =
          (static_cast<std::uint64_t>(index) << 40) ^ (static_cast<std::uint64_t>(phase) << 32) ^ r;
      std::memcpy(k.out.data(), &stamp, std::min(sizeof stamp, k.out.size()));
      co_await with_timeout(k.s.write_all(k.out), c->stall);
      std::size_t got = 0;
      while (got < k.back.size()) {
        const std::size_t m =
            co_await with_timeout(k.s.read_some(std::span(k.back).subspan(got)), c->stall);
        if (m == 0) {
          throw std::runtime_error("tcp_echo: the server closed connection " +
                                   std::to_string(index) + " in the middle of an echo");
        }
        got += m;
      }
      const std::uint64_t t1 = ticks_now();
      if (std::memcmp(k.out.data(), k.back.data(), k.out.size()) != 0) {
        throw std::runtime_error("tcp_echo: connection " + std::to_string(index) + ", request " +
                                 std::to_string(r) + ": the echo differs from what was sent");
      }
      if (!measure) continue;
      ++done;
      k.round_trips.push_back(t1 - t0);
      if (++in_batch == c->batch) {
        k.batches.push_back(t1 - batch_start);
        batch_start = t1;
        in_batch = 0;
      }
    }
  }
  co_return done;
}

Task<void> client_main(Client* c, std::size_t requests, std::size_t warmup, Ms window_cap) {
  const TimerCalibration& cal = calibrate_timer();
  auto ticks_in = [&](Ms d) {
    return ticks_now() +
           static_cast<std::uint64_t>(static_cast<double>(d.count()) * 1e6 * cal.ticks_per_ns);
  };
  TcpStream ctl = co_await with_timeout(TcpStream::connect(c->to), c->stall);
  for (auto& k : c->conns) {
    k.s = co_await with_timeout(TcpStream::connect(c->to), c->stall);
    k.s.set_nodelay(true);
    k.out.assign(c->size, std::byte{0x5a});
    k.back.assign(c->size, std::byte{0});
    k.round_trips.reserve(requests);
    k.batches.reserve(requests / c->batch + 1);
  }
  c->gates.resize(c->conns.size());
  std::vector<JoinHandle<std::uint64_t>> hs;
  hs.reserve(c->conns.size());
  // Warm-up: a tenth of the requests, at most a quarter of the window.
  c->deadline_ticks = ticks_in(window_cap / 4);
  for (std::size_t i = 0; i < c->conns.size(); ++i) {
    hs.push_back(c->rt->spawn_slab([&] { return client_loop(c, i, warmup, requests); }));
  }
  if (c->warmed < c->conns.size()) {
    co_await Runtime::park([&](Waker w) { c->main = std::move(w); });
  }
  // The server opens its window on 'W' and answers 'G'. Awaited Tasks allocate their frame
  // when called: made here, before the window.
  std::array<std::byte, 8> msg{};
  std::array<std::byte, 1> ack{};
  msg[0] = std::byte{'W'};
  Task<void> go = read_exact(ctl, std::span(msg).first(1), c->stall, "the control connection");
  Task<void> ended = read_exact(ctl, ack, c->stall, "the control connection");
  co_await with_timeout(ctl.write_all(std::span(msg).first(1)), c->stall);
  co_await std::move(go);
  const CpuTime cpu0 = thread_cpu();
  c->deadline_ticks = ticks_in(window_cap);
  for (auto& g : c->gates) std::move(g).wake();
  std::uint64_t completed = 0;
  for (auto& h : hs) completed += co_await h;
  const CpuTime cpu1 = thread_cpu();
  c->cpu = {cpu1.user_ns - cpu0.user_ns, cpu1.sys_ns - cpu0.sys_ns};
  std::memcpy(msg.data(), &completed, sizeof completed);
  co_await with_timeout(ctl.write_all(msg), c->stall);
  co_await std::move(ended);
  for (auto& k : c->conns) k.s.close();
}

Task<void> both_on_one_thread(Server* sv, TcpListener* l, Client* c, std::size_t requests,
                              std::size_t warmup) {
  JoinHandle<void> server = sv->rt->spawn(server_main(sv, l, c->conns.size()));
  co_await client_main(c, requests, warmup, sv->window_cap);
  co_await server;
}

// ---- the scenario ---------------------------------------------------------------------------

std::size_t max_block(std::size_t a, std::size_t b, std::size_t c) {
  return std::max({a, b, c});
}

void run(Session& s) {
  const std::int64_t connections = s.param("connections");
  const std::int64_t size = s.param("size");
  const std::int64_t mode = s.param("mode");
  const std::int64_t placement = s.param("client");
  if (mode != kPerConnection && mode != kPerRequest) {
    throw std::invalid_argument(
        "tcp_echo: mode must be 1 (per_connection) or 2 (per_request), got " +
        std::to_string(mode));
  }
  if (placement != kSameThread && placement != kOtherThread) {
    throw std::invalid_argument(
        "tcp_echo: client must be 1 (same_thread) or 2 (other_thread), got " +
        std::to_string(placement));
  }
  if (connections < 1 || connections > kMaxConnections) {
    throw std::invalid_argument("tcp_echo: connections must be 1 to " +
                                std::to_string(kMaxConnections) + ", got " +
                                std::to_string(connections));
  }
  if (size < 1 || size > kMaxSize) {
    throw std::invalid_argument("tcp_echo: size must be 1 to " + std::to_string(kMaxSize) +
                                " bytes, got " + std::to_string(size));
  }
  const auto conns = static_cast<std::size_t>(connections);
  std::size_t requests = s.count("requests");
  if (s.cache_sim()) requests = std::max<std::size_t>(10, requests / 100);
  const std::size_t warmup = std::max<std::size_t>(1, requests / 10);
  const Ms stall(s.param("stall_ms"));
  const Ms window_cap(s.param("max_ms"));

  // Both ends of every connection, the control connection and the listener, in this process.
  const rlim_t need = 2 * conns + 64;
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < need) {
    lim.rlim_cur = std::min<rlim_t>(need, lim.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < need) {
      throw std::runtime_error("tcp_echo: " + std::to_string(connections) + " connections need " +
                               std::to_string(need) + " descriptors; RLIMIT_NOFILE allows " +
                               std::to_string(lim.rlim_cur));
    }
  }

  // Slots sized from the real blocks (task header + frame), measured on the Box path.
  Server probe;
  const std::size_t conn_block = measured_block(&serve_connection, &probe, std::size_t{0});
  const std::size_t req_block = measured_block(
      &echo_request, &probe, static_cast<TcpStream*>(nullptr), static_cast<std::byte*>(nullptr));
  Client cprobe;
  const std::size_t client_block =
      measured_block(&client_loop, &cprobe, std::size_t{0}, std::size_t{0}, std::size_t{0});
  const bool same = placement == kSameThread;
  const BackendConfig server_cfg = config_for_frame(
      same ? max_block(conn_block, req_block, client_block) : std::max(conn_block, req_block),
      3 * conns + 16);

  auto server_rt = std::make_unique<Runtime>(server_cfg);
  TcpListener listener = TcpListener::bind(*server_rt, SocketAddr::loopback(0));
  Server sv;
  sv.rt = server_rt.get();
  sv.s = &s;
  sv.size = static_cast<std::size_t>(size);
  sv.mode = mode;
  sv.stall = stall;
  sv.window_cap = window_cap;
  if (s.params().count("stall_after") != 0) {
    sv.stall_after = static_cast<std::uint64_t>(s.param("stall_after"));
  }
  Client cl;
  cl.to = listener.local_addr();
  cl.size = sv.size;
  cl.stall = stall;
  cl.batch = std::max<std::size_t>(1, s.batch());
  cl.conns.resize(conns);

  if (same) {
    cl.rt = server_rt.get();
    server_rt->block_on(both_on_one_thread(&sv, &listener, &cl, requests, warmup));
  } else {
    std::exception_ptr client_error;
    std::thread client([&] {
      try {
        Runtime rt(config_for_frame(client_block, conns + 16));
        cl.rt = &rt;
        rt.block_on(client_main(&cl, requests, warmup, window_cap));
        for (auto& k : cl.conns) k.s = TcpStream();  // before their runtime goes
      } catch (...) {
        client_error = std::current_exception();
        for (auto& k : cl.conns) k.s = TcpStream();
      }
    });
    std::exception_ptr server_error;
    try {
      server_rt->block_on(server_main(&sv, &listener, conns));
    } catch (...) {
      server_error = std::current_exception();
      server_rt
          .reset();  // closes the server's sockets: the client fails at once, not at its deadline
    }
    client.join();
    if (client_error)
      std::rethrow_exception(client_error);  // the cause, if the client failed first
    if (server_error) std::rethrow_exception(server_error);
  }

  // Latencies were kept raw by the client (on its own thread in other_thread mode).
  for (const auto& k : cl.conns) {
    for (std::uint64_t t : k.round_trips) s.record_ticks(t);
    for (std::uint64_t t : k.batches) s.record_batch_ticks(t, cl.batch);
  }
  const double n = sv.requests ? static_cast<double>(sv.requests) : 1.0;
  nlohmann::json info;
  info["mode"] = mode == kPerConnection ? "per_connection" : "per_request";
  info["client"] = same ? "same_thread" : "other_thread";
  info["requests_completed"] = sv.requests;
  info["window_capped"] = sv.requests < requests * conns;
  info["server_spawns_per_request"] = static_cast<double>(sv.window_spawns) / n;
  info["server_cpu_ns_per_request"] = {{"user", sv.cpu.user_ns / n},
                                       {"sys", sv.cpu.sys_ns / n},
                                       {"total", (sv.cpu.user_ns + sv.cpu.sys_ns) / n}};
  info["server_cpu_of"] =
      same ? "the one thread running server and client tasks" : "the server thread alone";
  if (!same) {
    info["client_cpu_ns_per_request"] = {{"user", cl.cpu.user_ns / n},
                                         {"sys", cl.cpu.sys_ns / n},
                                         {"total", (cl.cpu.user_ns + cl.cpu.sys_ns) / n}};
  }
  info["allocations_counted_on"] =
      same ? "the one thread (server and client)" : "the server thread";
  info["epoll_waits_per_request"] = static_cast<double>(sv.reactor_polls) / n;
  info["parks_per_request"] = static_cast<double>(sv.reactor_parks) / n;
  info["peer_closed_mid_request"] = sv.closed_mid_request;
  info["blocks_bytes"] = {
      {"connection_task", conn_block}, {"request_task", req_block}, {"client_task", client_block}};
  s.set_extra("tcp_echo", info);
  s.set_frame_size(mode == kPerRequest ? req_block : conn_block);
  s.set_latency_of("one round trip on the client: write S bytes, read the S-byte echo back");
}

}  // namespace

ScenarioSpec tcp_echo_scenario() {
  return {
      "tcp_echo",
      "loopback TCP echo on the runtime's epoll reactor: C connections in a closed loop",
      {{"connections", "client connections, each in a closed loop", {16}, {1, 16, 256}},
       {"size", "request (and echo) bytes", {64}, {64, 4096}},
       {"mode",
        "1 = per_connection (one server task per connection), 2 = per_request (also one "
        "slab task per request); quick runs per_request only (the quick suite must stay "
        "under 2 minutes; --param mode=1 for the other)",
        {kPerRequest},
        {kPerConnection, kPerRequest}},
       {"client",
        "1 = same_thread (client tasks on the server's runtime), 2 = other_thread (a client "
        "runtime on a second thread)",
        {kSameThread},
        {kSameThread, kOtherThread}},
       run_size_param("requests", "round trips per connection in the measured window", {2000},
                      {2000}),
       run_size_param("max_ms", "the measured window ends after this many ms whatever the count",
                      {150}, {150}),
       run_size_param("stall_ms", "a socket operation waiting longer fails the run (peer stalled)",
                      {5000}, {5000}),
       {"stall_after",
        "tests only: connection 0's server stops answering after this many requests",
        {},
        {}},
       run_size_param("batch",
                      "round trips per batched latency sample (one connection's, back to back)",
                      {16}, {16})},
      false,
      run,
      // System calls and a second thread: callgrind's counts would be the kernel's absence.
      /*in_cache_sim_suite=*/false};
}

}  // namespace allocbench
