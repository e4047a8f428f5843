// A tiny fork-join pool: the calling thread is worker 0, T−1 helper threads wait for jobs.
// Waiting spins briefly (steps follow each other within microseconds) and then sleeps on a
// C++20 atomic wait (a futex on Linux), so an idle trainer costs no CPU.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "denormals.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define VAE_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define VAE_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define VAE_CPU_RELAX() ((void)0)
#endif

#if defined(__EMSCRIPTEN_PTHREADS__)
#include <emscripten/threading.h>

#include <climits>
#include <cmath>
#endif

namespace vae {

// Polls per spin-wait are counted for a pause of ~25–40 ns (x86 `pause`); WebAssembly has no pause,
// and a bare poll takes ~1–2 ns there, so it polls 16 times as often for about the same time.
#if defined(__wasm__)
constexpr int kSpinScale = 16;
#else
constexpr int kSpinScale = 1;
#endif

/** Sleeps until `word` may differ from `old` (spurious returns allowed). */
inline void sleepOn(const std::atomic<uint32_t>& word, uint32_t old) {
#if defined(__EMSCRIPTEN_PTHREADS__)
  // Emscripten's libc++ implements atomic wait as polling with sleeps of up to 8 ms (its
  // timed-backoff fallback), which would leave a helper asleep long after the next step began:
  // wait on the futex (Atomics.wait) instead.
  emscripten_futex_wait(const_cast<std::atomic<uint32_t>*>(&word), old, INFINITY);
#else
  word.wait(old, std::memory_order_acquire);
#endif
}

/** Wakes every thread sleeping on `word`. */
inline void wakeAll(std::atomic<uint32_t>& word) {
#if defined(__EMSCRIPTEN_PTHREADS__)
  emscripten_futex_wake(&word, INT_MAX);
#else
  word.notify_all();
#endif
}

/** Spin for up to `spins` polls, then sleep until `word` differs from `old`. */
inline void awaitChange(const std::atomic<uint32_t>& word, uint32_t old, int spins) {
  for (int i = 0; i < spins * kSpinScale; i++) {
    if (word.load(std::memory_order_acquire) != old) return;
    VAE_CPU_RELAX();
  }
  while (word.load(std::memory_order_acquire) == old) sleepOn(word, old);
}

class Barrier {
 public:
  void reset(int n) { n_ = n; }
  void wait() {
    if (n_ <= 1) return;
    const uint32_t phase = phase_.load(std::memory_order_acquire);
    if (count_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
      count_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
      wakeAll(phase_);
    } else {
      awaitChange(phase_, phase, kSpins);
    }
  }

 private:
  // Polls before sleeping: a pause is ~25 ns on Zen 4 (~40 ns on recent Intel), so ~0.2 ms inside a
  // step (threads meet every layer; longer waits mean the other thread was descheduled), and ~0.8 ms
  // between steps (covers the JS work of preparing the next batch).
  static constexpr int kSpins = 1 << 13;
  int n_ = 1;
  alignas(64) std::atomic<int> count_{0};
  alignas(64) std::atomic<uint32_t> phase_{0};
};

class Pool {
 public:
  using Fn = void (*)(void* ctx, int thread, int threads);

  explicit Pool(int threads) : threads_(threads < 1 ? 1 : threads) { barrier_.reset(threads_); }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    if (!helpers_.empty()) {
      stop_.store(true, std::memory_order_release);
      job_.fetch_add(1, std::memory_order_acq_rel);
      wakeAll(job_);
      for (auto& h : helpers_) h.join();
    }
  }

  int threads() const { return threads_; }
  Barrier& barrier() { return barrier_; }

  /** Runs fn(ctx, t, T) on every thread t and returns when all are done. */
  void run(Fn fn, void* ctx) {
    if (threads_ == 1) {
      fn(ctx, 0, 1);
      return;
    }
    if (helpers_.empty()) start();
    fn_ = fn;
    ctx_ = ctx;
    job_.fetch_add(1, std::memory_order_acq_rel);
    wakeAll(job_);
    fn(ctx, 0, threads_);
    barrier_.wait();  // the helpers finish their share
  }

 private:
  void start() {
    helpers_.reserve(threads_ - 1);
    // Each helper waits for the job counter to move past its value now, before run() bumps it.
    const uint32_t seen = job_.load(std::memory_order_acquire);
    for (int t = 1; t < threads_; t++) helpers_.emplace_back([this, t, seen] { loop(t, seen); });
  }
  void loop(int t, uint32_t seen) {
    flushDenormals();  // this thread runs the trainer's kernels only (denormals.h)
    for (;;) {
      awaitChange(job_, seen, kIdleSpins);
      seen = job_.load(std::memory_order_acquire);
      if (stop_.load(std::memory_order_acquire)) return;
      fn_(ctx_, t, threads_);
      barrier_.wait();
    }
  }

  static constexpr int kIdleSpins = 1 << 15;
  int threads_;
  Barrier barrier_;
  std::vector<std::thread> helpers_;
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<uint32_t> job_{0};
};

}  // namespace vae
