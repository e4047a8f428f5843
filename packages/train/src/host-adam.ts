import type { AdamState } from './adam-state.js';
import { ADAM_WASM_BASE64 } from './adam-wasm.js';
import type { AdamSettings } from './step-engine.js';

const f32 = Math.fround;

/** The smallest normal float32, 2⁻¹²⁶: Adam's moments below it are stored as 0 (see `HostAdam`). */
export const FLOAT32_MIN_NORMAL = 2 ** -126;

/** How many entries of `arrays` are subnormal floats (nonzero, below `FLOAT32_MIN_NORMAL` in magnitude). */
export function subnormalCount(arrays: readonly ArrayLike<number>[]): number {
  let count = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (a[i] !== 0 && Math.abs(a[i]!) < FLOAT32_MIN_NORMAL) count++;
  return count;
}

/** Which loop runs the update: WebAssembly SIMD (adam.wat) or plain JavaScript. */
export type HostAdamKernel = 'wasm' | 'js';

interface AdamExports {
  memory: WebAssembly.Memory;
  adam(w: number, g: number, m: number, v: number, n: number, ...constants: number[]): void;
}

let adamModule: WebAssembly.Module | null | undefined;
/** adam.wat compiled once per process, or null where WebAssembly SIMD is missing. */
function compiledAdam(): WebAssembly.Module | null {
  if (adamModule === undefined) {
    try {
      adamModule = new WebAssembly.Module(Uint8Array.from(atob(ADAM_WASM_BASE64), (c) => c.charCodeAt(0)));
    } catch {
      adamModule = null;
    }
  }
  return adamModule;
}

/** Whether `HostAdam` can use its WebAssembly SIMD loop here. */
export function hostAdamHasWasm(): boolean {
  return compiledAdam() !== null;
}

/**
 * Adam on plain Float32Arrays, bit-identical to tfjs' `tf.train.adam` (tested on the cpu and wasm
 * backends). Why: on backends whose tensors live in host memory, tfjs' Adam is a dozen separate
 * kernels, each a pass over every parameter — about 40 % of a wasm step at batch 64. Here one
 * WebAssembly SIMD loop (adam.wat) does the update in one pass, with the moments kept in its
 * memory; where WebAssembly SIMD is missing a JavaScript loop does the same, slower.
 *
 * Bit-exactness: tfjs rounds each op's result to float32 and turns every JS number constant into a
 * float32 scalar (1 − β is computed in double first). The WebAssembly loop does the same float32
 * operations in the same order; the JavaScript loop rounds each double result with `Math.fround`,
 * which for +, −, ·, / and √ of float32 operands gives the correctly rounded float32 result.
 *
 * One difference, on purpose: a moment below the smallest normal float32 (`FLOAT32_MIN_NORMAL`,
 * 2⁻¹²⁶) is stored as 0, as a CPU in flush-to-zero mode stores it (the native addon runs in that
 * mode; WebAssembly and JavaScript have none). The moments of weights whose gradient has become
 * zero (a pixel that is almost never lit, a dead ReLU) decay by β₁ per step and would spend ~150
 * steps as subnormal floats, on which every operation takes a ~100× slower path on Intel CPUs. The
 * weights are the same but for the last bit at most: such an m moves its weight by m/(√v + ε)·lr,
 * below 1e-30, which changes only a weight at (or within 1e-23 of) exactly 0, such as the bias of a
 * dead unit, which then stays 0. NaN is kept.
 */
export class HostAdam {
  readonly kernel: HostAdamKernel;
  private readonly b1: number;
  private readonly b2: number;
  private readonly oneMinusB1: number;
  private readonly oneMinusB2: number;
  private readonly eps: number;
  private readonly negLr: number;
  private iterations = 0;
  private accBeta1: number;
  private accBeta2: number;
  /** Moments: views into the WebAssembly memory, or plain arrays for the JavaScript loop. */
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly wasm?: { exports: AdamExports; offsets: { m: number[]; v: number[]; w: number; g: number }; w: Float32Array; g: Float32Array };

  /** `sizes`: the number of values of each variable, in the order `apply` takes them. */
  constructor(settings: AdamSettings, sizes: readonly number[], kernel: HostAdamKernel = hostAdamHasWasm() ? 'wasm' : 'js') {
    this.b1 = f32(settings.beta1);
    this.b2 = f32(settings.beta2);
    this.oneMinusB1 = f32(1 - settings.beta1);
    this.oneMinusB2 = f32(1 - settings.beta2);
    this.eps = f32(settings.epsilon);
    this.negLr = f32(-settings.learningRate);
    this.accBeta1 = this.b1;
    this.accBeta2 = this.b2;
    this.kernel = kernel;
    if (kernel === 'wasm') {
      const module = compiledAdam();
      if (!module) throw new Error('HostAdam: this runtime has no WebAssembly SIMD; use the js kernel');
      const exports = new WebAssembly.Instance(module).exports as unknown as AdamExports;
      // Layout (bytes, each array 16-byte aligned): all m, all v, then one variable's w and g.
      const padded = (n: number) => Math.ceil(n / 4) * 16;
      let at = 0;
      const place = (n: number) => {
        const offset = at;
        at += padded(n);
        return offset;
      };
      const m = sizes.map(place);
      const v = sizes.map(place);
      const largest = Math.max(0, ...sizes);
      const w = place(largest);
      const g = place(largest);
      const pages = Math.ceil(at / 65536) - exports.memory.buffer.byteLength / 65536;
      if (pages > 0) exports.memory.grow(pages);
      const buffer = exports.memory.buffer; // views only after growing, which detaches the old buffer; fresh pages are zeros
      this.m = sizes.map((n, i) => new Float32Array(buffer, m[i], n));
      this.v = sizes.map((n, i) => new Float32Array(buffer, v[i], n));
      this.wasm = { exports, offsets: { m, v, w, g }, w: new Float32Array(buffer, w, largest), g: new Float32Array(buffer, g, largest) };
    } else {
      this.m = sizes.map((n) => new Float32Array(n));
      this.v = sizes.map((n) => new Float32Array(n));
    }
  }

  /** One update of `weights` (in place) from `gradients`, variable by variable. */
  apply(weights: readonly Float32Array[], gradients: readonly Float32Array[]): void {
    const count = this.m.length;
    if (weights.length !== count || gradients.length !== count) {
      throw new RangeError(`HostAdam.apply: expected ${count} weights and gradients, got ${weights.length} and ${gradients.length}`);
    }
    const oma1 = f32(1 - this.accBeta1);
    const oma2 = f32(1 - this.accBeta2);
    for (let t = 0; t < count; t++) {
      const n = this.m[t]!.length;
      const w = weights[t]!;
      const g = gradients[t]!;
      if (w.length !== n || g.length !== n) {
        throw new RangeError(`HostAdam.apply: variable ${t} has ${w.length} weights and ${g.length} gradients, expected ${n}`);
      }
      if (this.wasm) {
        const { exports, offsets, w: wIn, g: gIn } = this.wasm;
        wIn.set(w);
        gIn.set(g);
        exports.adam(offsets.w, offsets.g, offsets.m[t]!, offsets.v[t]!, n, this.b1, this.b2, this.oneMinusB1, this.oneMinusB2, oma1, oma2, this.eps, this.negLr);
        w.set(wIn.subarray(0, n));
      } else {
        this.applyJs(w, g, this.m[t]!, this.v[t]!, oma1, oma2);
      }
    }
    this.accBeta1 = f32(this.accBeta1 * this.b1);
    this.accBeta2 = f32(this.accBeta2 * this.b2);
    this.iterations++;
  }

  private applyJs(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, oma1: number, oma2: number): void {
    const { b1, b2, oneMinusB1, oneMinusB2, eps, negLr } = this;
    for (let i = 0; i < m.length; i++) {
      const gi = g[i]!;
      let mi = f32(f32(m[i]! * b1) + f32(gi * oneMinusB1));
      let vi = f32(f32(v[i]! * b2) + f32(f32(gi * gi) * oneMinusB2));
      if (Math.abs(mi) < FLOAT32_MIN_NORMAL) mi = 0;
      if (Math.abs(vi) < FLOAT32_MIN_NORMAL) vi = 0;
      m[i] = mi;
      v[i] = vi;
      // w + (m̂ / (√v̂ + ε)) · (−lr), with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), as tfjs orders it.
      w[i] = f32(w[i]! + f32(f32(f32(mi / oma1) / f32(f32(Math.sqrt(f32(vi / oma2))) + eps)) * negLr));
    }
  }

  /** A copy of the state. */
  getState(): AdamState {
    const { iterations, accBeta1, accBeta2 } = this;
    return { iterations, accBeta1, accBeta2, m: this.m.map((a) => a.slice()), v: this.v.map((a) => a.slice()) };
  }

  /** Continues from `state` (copied); its moments must have this optimizer's sizes. */
  setState(state: AdamState): void {
    const fits = (list: Float32Array[]) => list.length === this.m.length && list.every((a, i) => a.length === this.m[i]!.length);
    if (!fits(state.m) || !fits(state.v)) throw new RangeError('HostAdam.setState: the moments do not match the variables');
    state.m.forEach((a, i) => this.m[i]!.set(a));
    state.v.forEach((a, i) => this.v[i]!.set(a));
    this.iterations = state.iterations;
    this.accBeta1 = state.accBeta1;
    this.accBeta2 = state.accBeta2;
  }
}
