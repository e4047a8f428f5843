{
  "targets": [
    {
      "target_name": "vae_native",
      "sources": [
        "src/addon.cc",
        "src/trainer.cc",
        "src/gemm_openblas.cc"
      ],
      "include_dirs": [
        "/usr/include/openblas",
        "/opt/homebrew/opt/openblas/include",
        "/usr/local/opt/openblas/include"
      ],
      "libraries": [
        "-lopenblas"
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
        "-march=native",
        "-ffp-contract=off",
        "-fno-math-errno",
        "-fopenmp-simd",
        "-pthread"
      ],
      "cflags_cc": [
        "-std=gnu++20",
        "-fexceptions"
      ],
      "ldflags": [
        "-pthread"
      ],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++20",
        "OTHER_CFLAGS": [
          "-O3",
          "-mcpu=native",
          "-ffp-contract=off",
          "-fno-math-errno",
          "-fopenmp-simd"
        ],
        "OTHER_LDFLAGS": [
          "-L/opt/homebrew/opt/openblas/lib",
          "-L/usr/local/opt/openblas/lib"
        ]
      }
    }
  ]
}
