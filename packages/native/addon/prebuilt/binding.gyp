{
  "variables": {
    "openblas_static%": "",
    "openblas_include%": ""
  },
  "targets": [
    {
      "target_name": "vae_native",
      "sources": [
        "../src/addon.cc",
        "../src/trainer.cc",
        "../src/gemm_openblas.cc"
      ],
      "defines": [
        "VAE_DISPATCH"
      ],
      "include_dirs": [
        "<(openblas_include)"
      ],
      "libraries": [
        "<(openblas_static)"
      ],
      "cflags!": [
        "-fno-exceptions"
      ],
      "cflags_cc!": [
        "-fno-exceptions",
        "-fno-rtti",
        "-std=gnu++17"
      ],
      "cflags": [
        "-O3",
        "-march=x86-64",
        "-mtune=generic",
        "-ffp-contract=off",
        "-fno-math-errno",
        "-fopenmp-simd",
        "-fvisibility=hidden",
        "-pthread"
      ],
      "cflags_cc": [
        "-std=gnu++20",
        "-fexceptions"
      ],
      "ldflags": [
        "-pthread",
        "-Wl,--exclude-libs,ALL"
      ]
    }
  ]
}
