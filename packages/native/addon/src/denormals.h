// Subnormal floats (nonzero, below 2⁻¹²⁶ in magnitude) take a slow microcode path on Intel CPUs
// for every operation that reads or produces one, about 100 times the normal cost. Adam's moments
// of weights whose gradient has become zero (a pixel that is almost never lit, a dead ReLU) decay
// by β₁ = 0.9 per step and spend ~150 steps in that range before reaching zero, so from late in
// epoch 1 a share of every update ran slowly: measured on an Intel Xeon, epochs 2–7 of the
// reference run at half the speed of epoch 1. With flush-to-zero (results) and denormals-are-zero
// (operands) such a value is 0 instead, which changes no weight: its update, m/(√v + ε)·lr, is
// below a millionth of a weight's unit in the last place. PyTorch users meet this as
// torch.set_flush_denormal(True). AMD Zen handles subnormals at little cost, so it hid there.
//
// The control register is per thread: the trainer's pool threads set it once when they start, the
// calling (JavaScript) thread for the duration of each call (ScopedFlushDenormals restores it, so
// JavaScript arithmetic keeps IEEE semantics), and OpenBLAS' worker threads inherit it when they
// are created (see useBlasThreads in trainer.cc).
#pragma once
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace vae {

#if defined(__x86_64__) || defined(__i386__)
using FloatControl = unsigned;
// MXCSR: FTZ is bit 15, DAZ bit 6.
constexpr FloatControl kFlushBits = 0x8040;
inline FloatControl readFloatControl() { return _mm_getcsr(); }
inline void writeFloatControl(FloatControl c) { _mm_setcsr(c); }
#elif defined(__aarch64__)
using FloatControl = uint64_t;
// FPCR.FZ (bit 24) flushes both operands and results.
constexpr FloatControl kFlushBits = uint64_t{1} << 24;
inline FloatControl readFloatControl() {
  uint64_t c;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(c));
  return c;
}
inline void writeFloatControl(FloatControl c) { __asm__ __volatile__("msr fpcr, %0" : : "r"(c)); }
#else
// WebAssembly (the wasm build) has no floating-point control at all: subnormals are always computed
// (slowly on Intel CPUs); Adam flushes its moments itself instead (trainer.cc, adamElement).
using FloatControl = unsigned;
constexpr FloatControl kFlushBits = 0;
inline FloatControl readFloatControl() { return 0; }
inline void writeFloatControl(FloatControl) {}
#endif

/** Whether this CPU architecture has a flush-to-zero mode the addon sets. */
constexpr bool kCanFlushDenormals = kFlushBits != 0;

/** 2⁻¹²⁶, the smallest normal float. */
constexpr float kMinNormalFloat = 1.17549435e-38f;

/** Turns flush-to-zero (and denormals-are-zero) on for this thread, for good. */
inline void flushDenormals() {
  if (kCanFlushDenormals) writeFloatControl(readFloatControl() | kFlushBits);
}

/** Whether this thread flushes subnormals now. */
inline bool denormalsFlushed() { return kCanFlushDenormals && (readFloatControl() & kFlushBits) == kFlushBits; }

/** Flush-to-zero on this thread while in scope; the previous mode afterwards. */
class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals() : saved_(readFloatControl()) {
    if (kCanFlushDenormals && (saved_ & kFlushBits) != kFlushBits) writeFloatControl(saved_ | kFlushBits);
  }
  ~ScopedFlushDenormals() {
    if (kCanFlushDenormals && (saved_ & kFlushBits) != kFlushBits) writeFloatControl(saved_);
  }
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  FloatControl saved_;
};

}  // namespace vae
