// Run-time choice of instruction set for the addon's own loops (the prebuilt addon; see README.md,
// "Prebuilt addon").
//
// The source build (addon/binding.gyp) compiles everything with -march=native: VAE_KERNEL is empty.
// The prebuilt (addon/prebuilt/binding.gyp) is compiled for baseline x86-64 and defines
// VAE_DISPATCH: each function marked VAE_KERNEL is then compiled three times by GCC's target_clones,
// for baseline x86-64 (SSE2), x86-64-v3 (AVX2 + FMA + BMI2: Haswell, Zen 1 and later) and
// x86-64-v4 (AVX-512 F/BW/CD/DQ/VL: Skylake-X, Zen 4 and later), and an ifunc resolver picks the
// best one the CPU (and OS) supports when the addon is loaded. Levels, not single extensions
// ("avx2"): the sparse kernels need FMA next to AVX2 to compute what the -march=native build computes.
// OpenBLAS (linked statically, built with DYNAMIC_ARCH) dispatches its own kernels the same way.
#pragma once

#if defined(VAE_DISPATCH)
#if !defined(__x86_64__) || !defined(__ELF__) || defined(__clang__) || !defined(__GNUC__) || __GNUC__ < 12
#error "VAE_DISPATCH (the prebuilt addon) needs GCC >= 12 on x86-64 ELF (target_clones with arch=x86-64-v3/v4)"
#endif
#define VAE_KERNEL __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define VAE_KERNEL
#endif

namespace vae {

/**
 * The instruction set the VAE_KERNEL functions run with: "x86-64-v4", "x86-64-v3" or "x86-64"
 * (baseline) in the prebuilt, as its resolvers choose; "native" (-march=native) in the source build.
 */
inline const char* kernelLevel() {
#if defined(VAE_DISPATCH)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return "x86-64-v4";
  if (__builtin_cpu_supports("x86-64-v3")) return "x86-64-v3";
  return "x86-64";
#else
  return "native";
#endif
}

/** "prebuilt" or "source": which build this is. */
inline const char* buildKind() {
#if defined(VAE_DISPATCH)
  return "prebuilt";
#else
  return "source";
#endif
}

}  // namespace vae
