import type { DenseStage, FusedPlan } from './fused-plan.js';

/**
 * The buffers the kernels read and write, by name: `params`, `grads`, `moment1`, `moment2` (one
 * packed layout, see `FusedPlan`), `x` `[n, inputSize]`, `eps` and `z` `[n, latent]`, `muLogvar`
 * `[n, 2·latent]` (mu then logvar per row), each dense layer's output (`encoder0`, `decoder1`, …)
 * and dL/d(that output) (`dEncoder0`, …, `dz`), `recon` (the reconstruction term per pixel) and
 * `lossSum` (one float: the loss summed since the last reset).
 */
export type BufferName = string;

/** One compute dispatch: its WGSL, the buffers it binds (in binding order, after the step uniform) and its threads for a batch of n. */
export interface Kernel {
  label: string;
  code: string;
  /** Binding i + 1 is `bindings[i]`; binding 0 is the step's uniform. `writes` says which are read_write. */
  bindings: { name: BufferName; writes: boolean }[];
  threads(n: number): number;
  /** Threads per workgroup (the shader's `@workgroup_size`). */
  workgroupSize: number;
}

export const WORKGROUP_SIZE = 64;
/** WebGPU's guaranteed `maxComputeWorkgroupsPerDimension`: larger dispatches spill into y. */
export const MAX_GROUPS_X = 65535;

/**
 * The step's uniform (16 words): the batch size and the values that change between steps or runs,
 * so one set of pipelines serves a whole run. `STEP_UNIFORM_WORDS` is its size.
 */
const STEP_STRUCT = `struct Step {
  n: u32, klBeta: f32, oneMinusAccBeta1: f32, oneMinusAccBeta2: f32,
  beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32,
  negLearningRate: f32, epsilon: f32, gaussianScale: f32, gaussianLo: f32,
  gaussianInvVar: f32, gaussianHalfInvVar: f32, gaussianRowConstant: f32, pad: f32,
}`;
export const STEP_UNIFORM_WORDS = 16;

const u32 = (value: number) => `${value}u`;

function kernelSource(bindings: Kernel['bindings'], body: string, extra = '', workgroupSize = WORKGROUP_SIZE): string {
  const declarations = bindings
    .map(({ name, writes }, i) => `@group(0) @binding(${i + 1}) var<storage, ${writes ? 'read_write' : 'read'}> ${name}: array<f32>;`)
    .join('\n');
  return `${STEP_STRUCT}
@group(0) @binding(0) var<uniform> step: Step;
${declarations}
${extra}
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let i = (group.y * ${u32(MAX_GROUPS_X)} + group.x) * ${u32(workgroupSize)} + local;
  let n = step.n;
${body}
}`;
}

const activate = (activation: DenseStage['activation'], value: string) => (activation === 'relu' ? `max(${value}, 0.0)` : value);

/** Each thread of a product computes a TILE×TILE block of it: TILE + TILE loads per TILE² multiply-adds. */
const TILE = 4;
/**
 * A workgroup's 64 threads take BLOCK×BLOCK neighbouring tiles (32×32 entries), so it reads a
 * narrow band of each operand, which stays in cache (on SwiftShader, the CPU's) while it works.
 */
const BLOCK = 8;
const blocks = (tiles: number) => Math.ceil(tiles / BLOCK) * BLOCK;
/** Threads a product of `rows`×`cols` entries takes: whole blocks of tiles. */
const productThreads = (rows: number, cols: number) => blocks(Math.ceil(rows / TILE)) * blocks(Math.ceil(cols / TILE));

/**
 * A matrix product C = A·B, `rows`×`cols` over `depth`, as WGSL function `<name>(t)` computing tile
 * t (row-major over tiles) in four vec4 accumulators. The shader defines `<name>A(m, k)`,
 * `<name>B(k, c)` (how the operands are read: transposed, masked, from the packed weights) and
 * `<name>Store(m, c, value)` (the epilogue: bias, activation, loss). Reads past the edge are
 * clamped to the last row or column and their results not stored. Each entry sums over k in order,
 * as the one-thread-per-entry product does.
 */
function tiledProduct(name: string, rows: string, cols: string, depth: string): string {
  const blocksOf = (entries: string) => `((((${entries}) + ${TILE - 1}u) / ${TILE}u + ${BLOCK - 1}u) / ${BLOCK}u)`;
  const index = (base: string, offset: number, last: string) => (offset === 0 ? base : `min(${base} + ${offset}u, ${last})`);
  const rowsOf = [0, 1, 2, 3].map((o) => index('m0', o, 'mLast'));
  const colsOf = [0, 1, 2, 3].map((o) => index('c0', o, 'cLast'));
  const stores = [0, 1, 2, 3]
    .flatMap((i) => [0, 1, 2, 3].map((j) => `  if (m0 + ${i}u < rows && c0 + ${j}u < cols) { ${name}Store(m0 + ${i}u, c0 + ${j}u, acc${i}[${j}]); }`))
    .join('\n');
  return `fn ${name}Threads() -> u32 { return ${blocksOf(rows)} * ${blocksOf(cols)} * ${BLOCK * BLOCK}u; }
fn ${name}(t: u32) {
  let rows = ${rows};
  let cols = ${cols};
  let block = t / ${BLOCK * BLOCK}u;
  let local = t % ${BLOCK * BLOCK}u;
  let blocksPerRow = ${blocksOf(cols)};
  let m0 = ((block / blocksPerRow) * ${BLOCK}u + local / ${BLOCK}u) * ${TILE}u;
  let c0 = ((block % blocksPerRow) * ${BLOCK}u + local % ${BLOCK}u) * ${TILE}u;
  if (m0 >= rows || c0 >= cols) { return; }
  let mLast = rows - 1u;
  let cLast = cols - 1u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k = 0u; k < ${depth}; k++) {
    let b = vec4<f32>(${colsOf.map((c) => `${name}B(k, ${c})`).join(', ')});
${rowsOf.map((m, i) => `    acc${i} += ${name}A(${m}, k) * b;`).join('\n')}
  }
${stores}
}`;
}

/** y = act(x·W + b) for every (row, unit), the bias and activation fused into the product's epilogue. */
function denseForward(stage: DenseStage, input: BufferName, output: BufferName): Kernel {
  const K = u32(stage.inputs);
  const N = u32(stage.outputs);
  const bindings = [
    { name: 'params', writes: false },
    { name: input, writes: false },
    { name: output, writes: true },
  ];
  const functions = `fn forwardA(r: u32, k: u32) -> f32 { return ${input}[r * ${K} + k]; }
fn forwardB(k: u32, c: u32) -> f32 { return params[${u32(stage.kernelOffset)} + k * ${N} + c]; }
fn forwardStore(r: u32, c: u32, sum: f32) { ${output}[r * ${N} + c] = ${activate(stage.activation, `sum + params[${u32(stage.biasOffset)} + c]`)}; }
${tiledProduct('forward', 'step.n', N, K)}`;
  const body = `  if (i < forwardThreads()) { forward(i); }`;
  return { label: `forward ${stage.name}`, code: kernelSource(bindings, body, functions), bindings, threads: (n) => productThreads(n, stage.outputs), workgroupSize: WORKGROUP_SIZE };
}

/**
 * Both Gaussian heads and the reparameterization in one pass: for each (row, j) mu and logvar
 * (two dot products over the same input row), then z = mu + exp(logvar/2)·eps.
 */
function headsForward(plan: FusedPlan, input: BufferName): Kernel {
  const { mu, logvar } = plan;
  const K = u32(mu.inputs);
  const L = u32(plan.latentDim);
  const bindings = [
    { name: 'params', writes: false },
    { name: input, writes: false },
    { name: 'eps', writes: false },
    { name: 'muLogvar', writes: true },
    { name: 'z', writes: true },
  ];
  const body = `  if (i >= n * ${L}) { return; }
  let r = i / ${L};
  let j = i % ${L};
  var sumMu = 0.0;
  var sumLogvar = 0.0;
  for (var k = 0u; k < ${K}; k++) {
    let h = ${input}[r * ${K} + k];
    sumMu += h * params[${u32(mu.kernelOffset)} + k * ${L} + j];
    sumLogvar += h * params[${u32(logvar.kernelOffset)} + k * ${L} + j];
  }
  let m = ${activate(mu.activation, `sumMu + params[${u32(mu.biasOffset)} + j]`)};
  let lv = ${activate(logvar.activation, `sumLogvar + params[${u32(logvar.biasOffset)} + j]`)};
  muLogvar[r * ${u32(2 * plan.latentDim)} + j] = m;
  muLogvar[r * ${u32(2 * plan.latentDim)} + ${L} + j] = lv;
  z[i] = m + exp(lv * 0.5) * eps[i];`;
  return { label: 'forward heads + reparameterization', code: kernelSource(bindings, body), bindings, threads: (n) => n * plan.latentDim, workgroupSize: WORKGROUP_SIZE };
}

/**
 * The decoder's last layer with the reconstruction term fused in: the logit, then per pixel the
 * term (`recon`; for the Gaussian its squared error, scaled when summed) and dL/dlogit.
 * `gaussian` picks the term when the pipeline is made: the run's term is fixed.
 */
function outputForward(stage: DenseStage, input: BufferName, output: BufferName, dOutput: BufferName, gaussian: boolean): Kernel {
  const K = u32(stage.inputs);
  const N = u32(stage.outputs);
  const bindings = [
    { name: 'params', writes: false },
    { name: input, writes: false },
    { name: 'x', writes: false },
    { name: output, writes: true },
    { name: dOutput, writes: true },
    { name: 'recon', writes: true },
  ];
  // BCE on logits: max(l, 0) − l·x + log1p(e^−|l|), as @vae/loss writes it; WGSL has no log1p, so
  // log(1 + e) corrected by the rounding of 1 + e (Goldberg's trick) keeps it exact for tiny e.
  const term = gaussian
    ? `  let s = 1.0 / (1.0 + exp(-l));
  let err = (s * step.gaussianScale + step.gaussianLo) - pixel;
  recon[i] = err * err;
  ${dOutput}[i] = (err * step.gaussianInvVar) * ((s * (1.0 - s)) * step.gaussianScale);`
    : `  let e = exp(-abs(l));
  let u = 1.0 + e;
  var softplus = e;
  if (u != 1.0) { softplus = log(u) * (e / (u - 1.0)); }
  recon[i] = (max(l, 0.0) - l * pixel) + softplus;
  ${dOutput}[i] = 1.0 / (1.0 + exp(-l)) - pixel;`;
  const functions = `fn logitsA(r: u32, k: u32) -> f32 { return ${input}[r * ${K} + k]; }
fn logitsB(k: u32, c: u32) -> f32 { return params[${u32(stage.kernelOffset)} + k * ${N} + c]; }
fn logitsStore(r: u32, c: u32, sum: f32) {
  let i = r * ${N} + c;
  let l = ${activate(stage.activation, `sum + params[${u32(stage.biasOffset)} + c]`)};
  ${output}[i] = l;
  let pixel = x[i];
${term}
}
${tiledProduct('logits', 'step.n', N, K)}`;
  const body = `  if (i < logitsThreads()) { logits(i); }`;
  return {
    label: `forward ${stage.name} + ${gaussian ? 'gaussian' : 'bernoulli'} loss`,
    code: kernelSource(bindings, body, functions),
    bindings,
    threads: (n) => productThreads(n, stage.outputs),
    workgroupSize: WORKGROUP_SIZE,
  };
}

/**
 * A dense layer's whole backward pass in one dispatch: each thread computes one entry of dL/dW
 * `[K, N]`, of dL/db `[N]`, or (unless it is the first layer) of dL/dx `[n, K]`; all three read
 * dL/d(pre-activation), the ReLU mask taken from the layer's output as `@vae/model` does.
 */
function denseBackward(stage: DenseStage, input: BufferName, output: BufferName, dOutput: BufferName, dInput: BufferName | undefined): Kernel {
  const K = u32(stage.inputs);
  const N = u32(stage.outputs);
  const relu = stage.activation === 'relu';
  const bindings = [
    // The weights are read only for dL/dx: the first layer binds no `params` (WebGPU drops unused bindings).
    ...(dInput ? [{ name: 'params', writes: false }] : []),
    { name: 'grads', writes: true },
    { name: input, writes: false },
    ...(relu ? [{ name: output, writes: false }] : []),
    { name: dOutput, writes: false },
    ...(dInput ? [{ name: dInput, writes: true }] : []),
  ];
  // dL/dW [K, N] = inputᵀ · dPre over the batch; dL/dx [n, K] = dPre · Wᵀ.
  const functions = `fn dPre(r: u32, c: u32) -> f32 {
  let g = ${dOutput}[r * ${N} + c];
  ${relu ? `return select(0.0, g, ${output}[r * ${N} + c] > 0.0);` : 'return g;'}
}
fn dKernelA(k: u32, r: u32) -> f32 { return ${input}[r * ${K} + k]; }
fn dKernelB(r: u32, c: u32) -> f32 { return dPre(r, c); }
fn dKernelStore(k: u32, c: u32, sum: f32) { grads[${u32(stage.kernelOffset)} + k * ${N} + c] = sum; }
${tiledProduct('dKernel', K, N, 'step.n')}
${
  dInput
    ? `fn dInputA(r: u32, c: u32) -> f32 { return dPre(r, c); }
fn dInputB(c: u32, k: u32) -> f32 { return params[${u32(stage.kernelOffset)} + k * ${N} + c]; }
fn dInputStore(r: u32, k: u32, sum: f32) { ${dInput}[r * ${K} + k] = sum; }
${tiledProduct('dInput', 'step.n', K, N)}`
    : ''
}`;
  // The products first, each in whole workgroups (their blocks stay aligned), then the bias.
  const body = `  if (i < dKernelThreads()) {
    dKernel(i);
    return;
  }
  var t = i - dKernelThreads();
${
  dInput
    ? `  if (t < dInputThreads()) {
    dInput(t);
    return;
  }
  t -= dInputThreads();`
    : ''
}
  if (t < ${N}) {
    var sum = 0.0;
    for (var r = 0u; r < n; r++) { sum += dPre(r, t); }
    grads[${u32(stage.biasOffset)} + t] = sum;
  }`;
  return {
    label: `backward ${stage.name}`,
    code: kernelSource(bindings, body, functions),
    bindings,
    threads: (n) => productThreads(stage.inputs, stage.outputs) + (dInput ? productThreads(n, stage.inputs) : 0) + stage.outputs,
    workgroupSize: WORKGROUP_SIZE,
  };
}

/**
 * Both heads' backward pass in one dispatch. dL/dmu = dz + β·mu and dL/dlogvar =
 * dz·eps·(std/2) + β·(e^logvar − 1)/2 (the path through z plus the KL's own), computed where read;
 * then each head's dW, db and their summed dL/dh (unless the heads read the image).
 */
function headsBackward(plan: FusedPlan, input: BufferName, dInput: BufferName | undefined): Kernel {
  const { mu, logvar } = plan;
  const K = u32(mu.inputs);
  const L = u32(plan.latentDim);
  const L2 = u32(2 * plan.latentDim);
  const bindings = [
    ...(dInput ? [{ name: 'params', writes: false }] : []),
    { name: 'grads', writes: true },
    { name: input, writes: false },
    { name: 'muLogvar', writes: false },
    { name: 'eps', writes: false },
    { name: 'dz', writes: false },
    ...(dInput ? [{ name: dInput, writes: true }] : []),
  ];
  const gradients = `fn dMu(r: u32, j: u32) -> f32 {
  return dz[r * ${L} + j] + muLogvar[r * ${L2} + j] * step.klBeta;
}
fn dLogvar(r: u32, j: u32) -> f32 {
  let lv = muLogvar[r * ${L2} + ${L} + j];
  return (dz[r * ${L} + j] * eps[r * ${L} + j]) * (exp(lv * 0.5) * 0.5) + ((exp(lv) - 1.0) * 0.5) * step.klBeta;
}
fn headGrad(head: u32, r: u32, j: u32) -> f32 {
  if (head == 0u) { return dMu(r, j); }
  return dLogvar(r, j);
}`;
  const weights = plan.mu.inputs * plan.latentDim;
  const perHead = weights + plan.latentDim;
  const body = `  let perHead = ${u32(perHead)};
  if (i < 2u * perHead) {
    let head = i / perHead;
    let local = i % perHead;
    var offsets = array<u32, 4>(${u32(mu.kernelOffset)}, ${u32(mu.biasOffset)}, ${u32(logvar.kernelOffset)}, ${u32(logvar.biasOffset)});
    var sum = 0.0;
    if (local < ${u32(weights)}) {
      let k = local / ${L};
      let j = local % ${L};
      for (var r = 0u; r < n; r++) { sum += ${input}[r * ${K} + k] * headGrad(head, r, j); }
      grads[offsets[head * 2u] + local] = sum;
    } else {
      let j = local - ${u32(weights)};
      for (var r = 0u; r < n; r++) { sum += headGrad(head, r, j); }
      grads[offsets[head * 2u + 1u] + j] = sum;
    }
    return;
  }
${
  dInput
    ? `  let q = i - 2u * perHead;
  if (q >= n * ${K}) { return; }
  let r = q / ${K};
  let k = q % ${K};
  var fromMu = 0.0;
  var fromLogvar = 0.0;
  for (var j = 0u; j < ${L}; j++) {
    fromMu += dMu(r, j) * params[${u32(mu.kernelOffset)} + k * ${L} + j];
    fromLogvar += dLogvar(r, j) * params[${u32(logvar.kernelOffset)} + k * ${L} + j];
  }
  ${dInput}[q] = fromMu + fromLogvar;`
    : ''
}`;
  return { label: 'backward heads', code: kernelSource(bindings, body, gradients), bindings, threads: (n) => 2 * perHead + (dInput ? n * plan.mu.inputs : 0), workgroupSize: WORKGROUP_SIZE };
}

const LOSS_THREADS = 256;

/**
 * The step's loss, added to `lossSum` on the device (one workgroup): per row its reconstruction
 * term plus β·KL, KL = −½ Σ (1 + logvar − mu² − e^logvar), summed over the batch in a tree.
 */
function lossSum(plan: FusedPlan, gaussian: boolean): Kernel {
  const P = u32(plan.inputSize);
  const L = u32(plan.latentDim);
  const bindings = [
    { name: 'recon', writes: false },
    { name: 'muLogvar', writes: false },
    { name: 'lossSum', writes: true },
  ];
  const rowRecon = gaussian ? 'rowSum * step.gaussianHalfInvVar + step.gaussianRowConstant' : 'rowSum';
  const shared = `var<workgroup> partial: array<f32, ${LOSS_THREADS}>;`;
  const body = `  var total = 0.0;
  for (var r = local; r < n; r += ${u32(LOSS_THREADS)}) {
    var rowSum = 0.0;
    for (var c = 0u; c < ${P}; c++) { rowSum += recon[r * ${P} + c]; }
    var kl = 0.0;
    for (var j = 0u; j < ${L}; j++) {
      let m = muLogvar[r * ${u32(2 * plan.latentDim)} + j];
      let lv = muLogvar[r * ${u32(2 * plan.latentDim)} + ${L} + j];
      kl += ((lv + 1.0) - m * m) - exp(lv);
    }
    total += (${rowRecon}) + (kl * -0.5) * step.klBeta;
  }
  partial[local] = total;
  workgroupBarrier();
  for (var width = ${u32(LOSS_THREADS / 2)}; width > 0u; width = width / 2u) {
    if (local < width) { partial[local] += partial[local + width]; }
    workgroupBarrier();
  }
  if (local == 0u && i == 0u) { lossSum[0] = lossSum[0] + partial[0]; }`;
  return { label: 'loss sum', code: kernelSource(bindings, body, shared, LOSS_THREADS), bindings, threads: () => LOSS_THREADS, workgroupSize: LOSS_THREADS };
}

/** Adam over every parameter at once (the packed buffers), in tfjs' `AdamOptimizer` order of operations. */
const ADAM_THREADS = 16384;

function adam(plan: FusedPlan): Kernel {
  const bindings = [
    { name: 'params', writes: true },
    { name: 'grads', writes: false },
    { name: 'moment1', writes: true },
    { name: 'moment2', writes: true },
  ];
  // Few threads, each striding over the buffer: SwiftShader pays per workgroup, and a GPU is filled by 16k threads.
  const threads = Math.min(plan.parameterCount, ADAM_THREADS);
  const body = `  for (var p = i; p < ${u32(plan.parameterCount)}; p += ${u32(threads)}) {
    let g = grads[p];
    let m = moment1[p] * step.beta1 + g * step.oneMinusBeta1;
    let v = moment2[p] * step.beta2 + (g * g) * step.oneMinusBeta2;
    moment1[p] = m;
    moment2[p] = v;
    let mHat = m / step.oneMinusAccBeta1;
    let vHat = v / step.oneMinusAccBeta2;
    params[p] = (mHat / (sqrt(vHat) + step.epsilon)) * step.negLearningRate + params[p];
  }`;
  return { label: 'adam', code: kernelSource(bindings, body, '', 256), bindings, threads: () => threads, workgroupSize: 256 };
}

/**
 * The step's dispatches, in order: forward through the encoder, the heads with the
 * reparameterization, the decoder with the loss fused into its last layer, the backward passes
 * (one per layer, the heads as one), the loss sum, Adam: `2·layers + 4` dispatches for a model of
 * `layers` dense layers besides the heads (the reference MLP, 784-512-256-20-256-512-784: 14).
 */
export function stepKernels(plan: FusedPlan, reconstruction: 'bernoulli' | 'gaussian'): Kernel[] {
  const gaussian = reconstruction === 'gaussian';
  const E = plan.encoder.length;
  const D = plan.decoder.length;
  const encoderOutput = (i: number) => (i < 0 ? 'x' : `encoder${i}`);
  const decoderOutput = (i: number) => (i < 0 ? 'z' : `decoder${i}`);
  const dEncoderOutput = (i: number) => `dEncoder${i}`;
  const dDecoderOutput = (i: number) => (i < 0 ? 'dz' : `dDecoder${i}`);
  const kernels: Kernel[] = [];
  plan.encoder.forEach((stage, i) => kernels.push(denseForward(stage, encoderOutput(i - 1), encoderOutput(i))));
  kernels.push(headsForward(plan, encoderOutput(E - 1)));
  plan.decoder.forEach((stage, i) =>
    kernels.push(i === D - 1 ? outputForward(stage, decoderOutput(i - 1), decoderOutput(i), dDecoderOutput(i), gaussian) : denseForward(stage, decoderOutput(i - 1), decoderOutput(i))),
  );
  for (let i = D - 1; i >= 0; i--) kernels.push(denseBackward(plan.decoder[i]!, decoderOutput(i - 1), decoderOutput(i), dDecoderOutput(i), dDecoderOutput(i - 1)));
  kernels.push(headsBackward(plan, encoderOutput(E - 1), E > 0 ? dEncoderOutput(E - 1) : undefined));
  for (let i = E - 1; i >= 0; i--) kernels.push(denseBackward(plan.encoder[i]!, encoderOutput(i - 1), encoderOutput(i), dEncoderOutput(i), i > 0 ? dEncoderOutput(i - 1) : undefined));
  kernels.push(lossSum(plan, gaussian), adam(plan));
  return kernels;
}

/** The per-row sizes of the batch buffers the kernels name (floats per row of the batch). */
export function batchBufferWidths(plan: FusedPlan): Map<BufferName, number> {
  const widths = new Map<BufferName, number>([
    ['x', plan.inputSize],
    ['recon', plan.inputSize],
    ['eps', plan.latentDim],
    ['z', plan.latentDim],
    ['dz', plan.latentDim],
    ['muLogvar', 2 * plan.latentDim],
  ]);
  plan.encoder.forEach((stage, i) => widths.set(`encoder${i}`, stage.outputs).set(`dEncoder${i}`, stage.outputs));
  plan.decoder.forEach((stage, i) => widths.set(`decoder${i}`, stage.outputs).set(`dDecoder${i}`, stage.outputs));
  return widths;
}
