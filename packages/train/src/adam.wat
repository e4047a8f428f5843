;; Adam's update for one variable, in WebAssembly SIMD (f32x4): the same float32 operations in the
;; same order as tfjs' AdamOptimizer, so the result is bit-identical to tf.train.adam (each f32x4
;; operation is correctly rounded IEEE arithmetic). HostAdam (host-adam.ts) calls it; after editing,
;; run `node scripts/build-adam-wasm.mjs` to regenerate src/adam-wasm.ts.
;;
;; adam(w, g, m, v, n, β₁, β₂, 1−β₁, 1−β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε, −lr): w, g, m, v are byte offsets of n floats.
;;   m ← m·β₁ + g·(1−β₁);  v ← v·β₂ + (g·g)·(1−β₂);  w ← w + ((m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε))·(−lr)
;; A moment below the smallest normal float (2⁻¹²⁶) is stored as 0, as a CPU in flush-to-zero mode
;; stores it (WebAssembly has no such mode): moments of weights whose gradient has become zero decay
;; through the subnormal range, where each operation is ~100× slower on Intel CPUs. The update of w
;; is the same either way (such an m moves w by far less than its last bit); see host-adam.ts.
(module
  (memory (export "memory") 1)
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $omb1 f32) (param $omb2 f32)
    (param $oma1 f32) (param $oma2 f32) (param $eps f32) (param $negLr f32)
    (local $i i32) (local $vecEnd i32) (local $end i32)
    (local $gi v128) (local $mi v128) (local $vi v128)
    (local $B1 v128) (local $B2 v128) (local $OMB1 v128) (local $OMB2 v128)
    (local $OMA1 v128) (local $OMA2 v128) (local $EPS v128) (local $NEGLR v128)
    (local $gs f32) (local $ms f32) (local $vs f32) (local $TINY v128)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $OMB1 (f32x4.splat (local.get $omb1)))
    (local.set $OMB2 (f32x4.splat (local.get $omb2)))
    (local.set $OMA1 (f32x4.splat (local.get $oma1)))
    (local.set $OMA2 (f32x4.splat (local.get $oma2)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $NEGLR (f32x4.splat (local.get $negLr)))
    (local.set $TINY (f32x4.splat (f32.const 0x1p-126)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (local.set $i (i32.const 0))
    ;; four floats at a time
    (block $vecDone
      (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $vecEnd)))
        (local.set $gi (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $mi
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $B1))
            (f32x4.mul (local.get $gi) (local.get $OMB1))))
        (local.set $vi
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $B2))
            (f32x4.mul (f32x4.mul (local.get $gi) (local.get $gi)) (local.get $OMB2))))
        ;; |x| < 2⁻¹²⁶ → 0 (NaN compares false and stays NaN)
        (local.set $mi (v128.andnot (local.get $mi) (f32x4.lt (f32x4.abs (local.get $mi)) (local.get $TINY))))
        (local.set $vi (v128.andnot (local.get $vi) (f32x4.lt (f32x4.abs (local.get $vi)) (local.get $TINY))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mi))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vi))
        (v128.store (i32.add (local.get $w) (local.get $i))
          (f32x4.add
            (v128.load (i32.add (local.get $w) (local.get $i)))
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $mi) (local.get $OMA1))
                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vi) (local.get $OMA2))) (local.get $EPS)))
              (local.get $NEGLR))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    ;; the last n mod 4, one at a time
    (block $done
      (loop $scalar
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ms
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
            (f32.mul (local.get $gs) (local.get $omb1))))
        (local.set $vs
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $omb2))))
        (local.set $ms (select (f32.const 0) (local.get $ms) (f32.lt (f32.abs (local.get $ms)) (f32.const 0x1p-126))))
        (local.set $vs (select (f32.const 0) (local.get $vs) (f32.lt (f32.abs (local.get $vs)) (f32.const 0x1p-126))))
        (f32.store (i32.add (local.get $m) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $v) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $w) (local.get $i))
          (f32.add
            (f32.load (i32.add (local.get $w) (local.get $i)))
            (f32.mul
              (f32.div
                (f32.div (local.get $ms) (local.get $oma1))
                (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $oma2))) (local.get $eps)))
              (local.get $negLr))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $scalar)))))
