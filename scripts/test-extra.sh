#!/usr/bin/env bash
# The checks one ctest build cannot make, run by `make test` after ctest:
#   asan      ASan+UBSan Debug build (preset asan, build-asan): conformance, stress and slab suites for the
#             system, bounded and unbounded backends, the slab poisoning death tests, and the
#             slab invariant (debug) death tests, which skip in release builds, the
#             open_loop engine tests (arrivals, service heap, stall, overload), and the reactor
#             (sockets, timers, cancel, shutdown with I/O pending) and tcp_echo tests.
#   tsan      TSan build (preset tsan, build-tsan): the cross-thread wake and misuse tests (conformance Wake.*
#             and Misuse.*, the stress test's cross-thread profile) for system and bounded, and
#             the reactor's cross-thread tests (a client runtime on another thread, remote wakes
#             into epoll_wait) and tcp_echo with its client on another thread.
#   memcheck  valgrind memcheck over the slab binaries of the memcheck preset (build-memcheck:
#             RelWithDebInfo with the slabs' pool annotations, which release builds compile
#             out): the stress and conformance suites, the quick spawn_churn / mixed_lifetime
#             scenarios in the workers, and deliberate misuse that memcheck must report (a read
#             of a freed slot; the slab probe's three errors).
#
# jemalloc, mimalloc and tcmalloc are not built in the sanitizer trees (see CMakeLists.txt):
# each replaces malloc/free for the whole process, and ASan/TSan work by intercepting exactly
# those symbols with their own allocator; linking both makes one of them silently lose (or
# crash at start-up), so neither the sanitizer's reports nor the allocator under test would
# be real. Those three run under ctest and memcheck-free only.
#
# Usage: scripts/test-extra.sh BUILD_DIR    (idempotent; rebuilds incrementally)
# Env: EXTRA_STAGES="asan tsan memcheck" to pick stages; JOBS; STRESS_* (see tests/stress).
# Prints every command it runs, keeps logs in BUILD_DIR/test-extra/, ends with
# "N passed, N failed", and exits non-zero if anything failed.
set -u -o pipefail

BUILD=${1:?usage: scripts/test-extra.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=$(realpath -m "$BUILD")
JOBS=${JOBS:-$(nproc)}
STAGES=${EXTRA_STAGES:-asan tsan memcheck}
LOGS="$BUILD/test-extra"
mkdir -p "$LOGS"

PASSED=0
FAILED=0
FAILED_NAMES=()
T0=$(date +%s)

# check NAME CMD...: runs CMD with its output in LOGS/NAME.log; passes on exit status 0.
check() {
  local name=$1
  shift
  local log="$LOGS/$name.log" start rc
  start=$(date +%s)
  printf '  %-44s ' "$name"
  "$@" >"$log" 2>&1
  rc=$?
  finish "$name" "$log" "$rc" "$start" "$*"
}

# finish NAME LOG RC START WHAT: records the verdict of a check (RC 0 passes).
finish() {
  local name=$1 log=$2 rc=$3 start=$4 what=$5
  local secs=$(($(date +%s) - start))
  if [ "$rc" -eq 0 ]; then
    PASSED=$((PASSED + 1))
    echo "ok   (${secs}s)"
    return 0
  else
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("$name")
    echo "FAIL (${secs}s, exit $rc)"
    echo "    ran: $what"
    echo "    log: $log (last lines below)"
    tail -n 25 "$log" | sed 's/^/    | /'
    return 1
  fi
}

# configure_and_build PRESET NAME TARGETS...: one check for the whole build, configured by
# CMakePresets.json's PRESET (its binaryDir is build-PRESET).
configure_and_build() {
  local preset=$1 name=$2
  shift 2
  local targets=("$@") dir="$ROOT/build-$preset"
  echo "  \$ cmake --preset $preset"
  echo "  \$ cmake --build $dir -j $JOBS --target ${targets[*]}"
  check "$name" bash -c "cmake --preset $preset && cmake --build '$dir' -j $JOBS --target ${targets[*]}"
}

# gtest NAME BINARY [ARGS...]: a GoogleTest binary must exist, run, and report no failure.
gtest() {
  local name=$1 bin=$2
  shift 2
  check "$name" "$bin" "$@"
}

# memcheck NAME CMD...: valgrind memcheck must find nothing (exit 99 on any error or leak).
VALGRIND=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
          --errors-for-leak-kinds=definite,indirect -q)
memcheck() {
  local name=$1
  shift
  check "$name" "${VALGRIND[@]}" "$@"
}

# expect_memcheck_error NAME WANT CMD...: the misuse must make memcheck exit 99 and say WANT.
expect_memcheck_error() {
  local name=$1 want=$2
  shift 2
  local log="$LOGS/$name.log" start rc
  start=$(date +%s)
  printf '  %-44s ' "$name"
  "${VALGRIND[@]}" "$@" >"$log" 2>&1
  rc=$?
  if [ "$rc" -eq 99 ] && grep -q "$want" "$log"; then rc=0; else rc=1; fi
  finish "$name" "$log" "$rc" "$start" "valgrind ... $* (expecting exit 99 and '$want')"
}

# require_ran NAME LOG TESTS...: each named gtest must have run and passed (not skipped).
require_ran() {
  local name=$1 log=$2
  shift 2
  local start missing=() t
  start=$(date +%s)
  printf '  %-44s ' "$name"
  for t in "$@"; do
    grep -q "OK \] $t" "$log" 2>/dev/null || missing+=("$t")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    finish "$name" "$log" 0 "$start" ""
  else
    echo "not run or skipped: ${missing[*]}" >>"$LOGS/$name.log"
    finish "$name" "$LOGS/$name.log" 1 "$start" "looked in $log for: ${missing[*]}"
  fi
}

SAN_BACKENDS="system bounded unbounded"

# ---- ASan + UBSan (Debug: the slab invariant checks are compiled in too) -------------------
stage_asan() {
  echo "== asan: AddressSanitizer + UndefinedBehaviorSanitizer, Debug, backends: $SAN_BACKENDS"
  local dir="$ROOT/build-asan" targets=(test_slabs) b
  for b in $SAN_BACKENDS; do
    targets+=(test_conformance_$b test_stress_$b test_stress_poison_$b test_open_loop_$b
              test_reactor_$b test_tcp_echo_$b)
  done
  configure_and_build asan asan.build "${targets[@]}" || return
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_init_order=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  gtest asan.slabs "$dir/tests/allocators/test_slabs"
  # Debug builds are the only place the invariant death tests run: prove they did.
  require_ran debug.invariants.bounded "$LOGS/asan.slabs.log" \
    SlabDeathTest/BoundedSlab.DoubleFreeAborts BoundedSlabDeathTest.ForeignPointerAborts \
    SlabDeathTest/BoundedSlab.InteriorPointerAborts SlabAsan/BoundedSlab.UseAfterFreeIsReported
  require_ran debug.invariants.unbounded "$LOGS/asan.slabs.log" \
    SlabDeathTest/UnboundedSlab.DoubleFreeAborts UnboundedSlabDeathTest.PointerFromAnotherSlabAborts \
    UnboundedSlabDeathTest.StackPointerAborts SlabDeathTest/UnboundedSlab.InteriorPointerAborts \
    SlabAsan/UnboundedSlab.UseAfterFreeIsReported
  for b in $SAN_BACKENDS; do
    gtest asan.conformance.$b "$dir/tests/runtime/test_conformance_$b" --gtest_brief=1
    STRESS_SEEDS=${STRESS_SEEDS:-300} STRESS_SECONDS=${STRESS_SECONDS:-4} \
      gtest asan.stress.$b "$dir/tests/stress/test_stress_$b" --gtest_brief=1
    gtest asan.poison.$b "$dir/tests/stress/test_stress_poison_$b"
    require_ran asan.poison-ran.$b "$LOGS/asan.poison.$b.log" \
      SlabPoison.WritingAFreedTaskFrameIsReported SlabPoison.ReadingAFreedTaskFrameIsReported
    gtest asan.open_loop.$b "$dir/tests/scenarios/test_open_loop_$b" --gtest_brief=1
    gtest asan.reactor.$b "$dir/tests/runtime/test_reactor_$b" --gtest_brief=1
    gtest asan.tcp_echo.$b "$dir/tests/scenarios/test_tcp_echo_$b" --gtest_brief=1
  done
  unset ASAN_OPTIONS UBSAN_OPTIONS
}

# ---- TSan: the cross-thread wake paths ------------------------------------------------------
stage_tsan() {
  local backends="system bounded" b
  echo "== tsan: ThreadSanitizer, RelWithDebInfo, cross-thread wake tests, backends: $backends"
  local dir="$ROOT/build-tsan" targets=()
  for b in $backends; do targets+=(test_conformance_$b test_stress_$b test_reactor_$b test_tcp_echo_$b); done
  configure_and_build tsan tsan.build "${targets[@]}" || return
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
  for b in $backends; do
    gtest tsan.wake.$b "$dir/tests/runtime/test_conformance_$b" --gtest_filter='Wake.*:Misuse.*'
    require_ran tsan.wake-ran.$b "$LOGS/tsan.wake.$b.log" \
      Wake.ManyTasksWokenFromAnotherThreadAllFinishOnTheOwner \
      Wake.AWakerDroppedOnAnotherThreadAfterCancelFreesTheBlockOnTheOwner \
      Wake.FourThreadsWakingOneTaskAtOnceNeverLoseTheWake \
      Wake.BlockOnReportsWhenTheLastWakerIsDroppedOnAnotherThread
    gtest tsan.reactor.$b "$dir/tests/runtime/test_reactor_$b" \
      --gtest_filter='NetTest.Threads*:NetTest.ARemoteWake*'
    require_ran tsan.reactor-ran.$b "$LOGS/tsan.reactor.$b.log" \
      NetTest.ThreadsAClientRuntimeOnAnotherThreadEchoesThroughTheServerRuntime \
      NetTest.ThreadsWakersFromAnotherThreadReachAServerBusyWithSockets \
      NetTest.ARemoteWakeReachesAnOwnerAsleepInEpollWait
    gtest tsan.tcp_echo.$b "$dir/tests/scenarios/test_tcp_echo_$b" --gtest_filter='*other_thread*'
    STRESS_SEEDS=${STRESS_SEEDS:-500} \
      gtest tsan.stress-cross-thread.$b "$dir/tests/stress/test_stress_$b" \
      --gtest_filter='StressCrossThread.*:StressRegression.*'
  done
  unset TSAN_OPTIONS
}

# ---- valgrind memcheck over release binaries with the slabs' pool annotations ------------------
# Release builds compile the annotations out (a branch per allocate and free); the `memcheck`
# preset is the same RelWithDebInfo build with them in, so memcheck sees every slot's life.
stage_memcheck() {
  local dir="$ROOT/build-memcheck"
  echo "== memcheck: valgrind memcheck over $dir (slab backends, pool annotations compiled in)"
  if ! command -v valgrind >/dev/null; then
    FAILED=$((FAILED + 1)); FAILED_NAMES+=(memcheck.valgrind-missing)
    echo "  valgrind not found: FAIL"
    return
  fi
  local targets=(slab_memcheck_probe) b
  for b in bounded unbounded; do
    targets+=(test_stress_$b test_conformance_$b stress_misuse_freed_slot_$b allocbench-worker-$b)
  done
  configure_and_build memcheck memcheck.build "${targets[@]}" || return
  # Memcheck sees the slabs' frees only through the annotations: a use after free in either slab
  # and an overflow inside a slot are three errors, no more.
  local log="$LOGS/memcheck.slab-probe.log" start rc=1
  start=$(date +%s)
  printf '  %-44s ' memcheck.slab-probe
  valgrind --tool=memcheck "$dir/tests/allocators/slab_memcheck_probe" >"$log" 2>&1
  grep -q "ERROR SUMMARY: 3 errors from 3 contexts" "$log" && rc=0
  finish memcheck.slab-probe "$log" "$rc" "$start" "valgrind slab_memcheck_probe (want 3 errors)"
  for b in bounded unbounded; do
    STRESS_SEEDS=${STRESS_SEEDS:-100} STRESS_SECONDS=0 \
      memcheck memcheck.stress.$b "$dir/tests/stress/test_stress_$b" --gtest_brief=1
    # Death tests fork and re-exec outside valgrind; they run under ASan instead.
    memcheck memcheck.conformance.$b "$dir/tests/runtime/test_conformance_$b" --gtest_brief=1 \
      --gtest_filter='-*Death*:Shutdown.AClaimOutlivingItsRuntimeIsALoudError'
    expect_memcheck_error memcheck.misuse-detected.$b "Invalid read" \
      "$dir/tests/stress/stress_misuse_freed_slot_$b"
    memcheck memcheck.worker.$b "$dir/allocbench-worker-$b" run \
      --scenarios spawn_churn,mixed_lifetime --mode quick --seed 1 --threads 1 \
      --param ops=100000 --param samples=10000
  done
}

for s in $STAGES; do
  case $s in
    asan) stage_asan ;;
    tsan) stage_tsan ;;
    memcheck) stage_memcheck ;;
    *) echo "unknown stage '$s' (asan, tsan, memcheck)"; FAILED=$((FAILED + 1)) ;;
  esac
done

echo "test-extra: $(($(date +%s) - T0)) s; logs in $LOGS"
[ $FAILED -eq 0 ] || echo "failed: ${FAILED_NAMES[*]}"
echo "$PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ]
