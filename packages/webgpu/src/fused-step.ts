import { fusedPlan, type FusedPlan } from './fused-plan.js';
import { batchBufferWidths, MAX_GROUPS_X, STEP_UNIFORM_WORDS, stepKernels, type BufferName, type Kernel } from './kernels.js';
import type { ModelDescription } from '@vae/model';

/** The loss's settings the kernels read (see `ElboOptions`). */
export interface FusedLossSettings {
  reconstruction: 'bernoulli' | 'gaussian';
  /** KL weight of the steps. */
  klBeta: number;
  /** The Gaussian term's σ, data range and whether it adds the normalizing constant (ignored for Bernoulli). */
  gaussian: { sigma: number; range: readonly [number, number]; includeConstant: boolean };
}

export interface FusedAdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** What a step dispatches; also what `dispatchWorkgroups` is called with (x, y). */
export function workgroupsFor(kernel: Kernel, n: number): [number, number] {
  const groups = Math.max(1, Math.ceil(kernel.threads(n) / kernel.workgroupSize));
  return groups <= MAX_GROUPS_X ? [groups, 1] : [MAX_GROUPS_X, Math.ceil(groups / MAX_GROUPS_X)];
}

const f32 = Math.fround;
const STORAGE = 0x80; // GPUBufferUsage.STORAGE etc.: the constants, since Node has no GPUBufferUsage global until Dawn's are installed
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const UNIFORM = 0x40;
const MAP_READ = 0x01;

/**
 * The GPU side of the fused engine: the pipelines of one model and loss, the parameters, gradients
 * and Adam's moments packed in one buffer each, the batch's buffers, and the loss sum, all on the
 * device. A step is one compute pass of `stepKernels`' dispatches; nothing is read back but on
 * request (`readLossSum`, `readParameters`, `readMoments`). Owns every buffer: `destroy` frees them.
 */
export class FusedStep {
  readonly plan: FusedPlan;
  readonly kernels: Kernel[];
  private readonly pipelines: GPUComputePipeline[];
  private readonly shared = new Map<BufferName, GPUBuffer>();
  private readonly batch = new Map<BufferName, GPUBuffer>();
  private bindGroups: GPUBindGroup[] = [];
  private capacity = 0;
  private readonly uniform = new ArrayBuffer(STEP_UNIFORM_WORDS * 4);
  private noise = new Float32Array(0);
  private destroyed = false;
  /** Null once every pipeline compiled, else the device's message. */
  private readonly compiled: Promise<string | null>;
  /** Adam's step count and running products β₁^(t+1), β₂^(t+1) as float32, kept on the host as tfjs keeps them. */
  iterations = 0;
  accBeta1: number;
  accBeta2: number;

  constructor(
    private readonly device: GPUDevice,
    model: ModelDescription,
    private readonly adam: FusedAdamSettings,
    private readonly loss: FusedLossSettings,
  ) {
    this.plan = fusedPlan(model);
    this.kernels = stepKernels(this.plan, loss.reconstruction);
    // Pipelines are checked asynchronously: the first read-back reports a shader that did not compile.
    device.pushErrorScope('validation');
    this.pipelines = this.kernels.map((kernel) =>
      device.createComputePipeline({ label: kernel.label, layout: 'auto', compute: { module: device.createShaderModule({ label: kernel.label, code: kernel.code }), entryPoint: 'main' } }),
    );
    this.compiled = device.popErrorScope().then((error) => (error ? `the fused WebGPU step's pipelines are invalid: ${error.message}` : null));
    const bytes = this.plan.parameterCount * 4;
    for (const name of ['params', 'grads', 'moment1', 'moment2']) this.shared.set(name, this.createBuffer(name, bytes, STORAGE | COPY_SRC | COPY_DST));
    this.shared.set('lossSum', this.createBuffer('lossSum', 4, STORAGE | COPY_SRC | COPY_DST));
    this.shared.set('step', this.createBuffer('step', this.uniform.byteLength, UNIFORM | COPY_DST));
    this.accBeta1 = f32(adam.beta1);
    this.accBeta2 = f32(adam.beta2);
  }

  private createBuffer(label: string, size: number, usage: number): GPUBuffer {
    // WebGPU zero-fills new buffers: the moments and the loss sum start at 0.
    return this.device.createBuffer({ label, size: Math.max(4, size), usage });
  }

  /** The batch buffers and bind groups for batches of up to `n` rows (made again, larger, when a bigger batch comes). */
  private ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    for (const buffer of this.batch.values()) buffer.destroy();
    this.batch.clear();
    for (const [name, width] of batchBufferWidths(this.plan)) this.batch.set(name, this.createBuffer(name, n * width * 4, STORAGE | COPY_DST));
    const bufferOf = (name: BufferName) => this.shared.get(name) ?? this.batch.get(name) ?? fail(`no buffer named ${name}`);
    this.bindGroups = this.kernels.map((kernel, k) =>
      this.device.createBindGroup({
        label: kernel.label,
        layout: this.pipelines[k]!.getBindGroupLayout(0),
        entries: [{ binding: 0, resource: { buffer: bufferOf('step') } }, ...kernel.bindings.map(({ name }, i) => ({ binding: i + 1, resource: { buffer: bufferOf(name) } }))],
      }),
    );
    this.capacity = n;
  }

  /** The weights, in `FusedPlan.variableRanges` order, into the packed parameter buffer. */
  writeParameters(weights: readonly Float32Array[]): void {
    this.device.queue.writeBuffer(this.shared.get('params')!, 0, this.pack(weights));
  }

  /** Adam's moments and counters (as `AdamState` holds them). */
  writeAdamState(state: { iterations: number; accBeta1: number; accBeta2: number; m: readonly Float32Array[]; v: readonly Float32Array[] }): void {
    this.iterations = state.iterations;
    this.accBeta1 = f32(state.accBeta1);
    this.accBeta2 = f32(state.accBeta2);
    this.device.queue.writeBuffer(this.shared.get('moment1')!, 0, this.pack(state.m));
    this.device.queue.writeBuffer(this.shared.get('moment2')!, 0, this.pack(state.v));
  }

  private pack(arrays: readonly Float32Array[]): Float32Array<ArrayBuffer> {
    const packed = new Float32Array(this.plan.parameterCount);
    this.plan.variableRanges.forEach(([offset, length], i) => {
      const values = arrays[i]!;
      if (values.length !== length) throw new Error(`variable ${i} has ${values.length} values, the model ${length}`);
      packed.set(values, offset);
    });
    return packed;
  }

  private unpack(packed: Float32Array): Float32Array[] {
    return this.plan.variableRanges.map(([offset, length]) => packed.slice(offset, offset + length));
  }

  /**
   * One Adam step on `x` `[n, inputSize]` with noise `eps` `[n, latentDim]` and KL weight `klBeta`:
   * the uploads are queued, then one compute pass; returns without waiting for the device.
   */
  step(x: Float32Array, eps: Float32Array, n: number, klBeta: number): void {
    if (this.destroyed) throw new Error('the fused WebGPU step was disposed');
    this.ensureCapacity(n);
    const { queue } = this.device;
    queue.writeBuffer(this.batch.get('x')!, 0, bufferSource(x), 0, n * this.plan.inputSize);
    queue.writeBuffer(this.batch.get('eps')!, 0, bufferSource(eps), 0, n * this.plan.latentDim);
    this.writeUniform(n, klBeta);
    const encoder = this.device.createCommandEncoder({ label: 'fused step' });
    const pass = encoder.beginComputePass({ label: 'fused step' });
    this.kernels.forEach((kernel, k) => {
      pass.setPipeline(this.pipelines[k]!);
      pass.setBindGroup(0, this.bindGroups[k]!);
      const [x, y] = workgroupsFor(kernel, n);
      pass.dispatchWorkgroups(x, y);
    });
    pass.end();
    queue.submit([encoder.finish()]);
    this.iterations++;
    this.accBeta1 = f32(this.accBeta1 * f32(this.adam.beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(this.adam.beta2));
  }

  /** A buffer of `count` floats for the step's noise, reused between steps. */
  noiseBuffer(count: number): Float32Array {
    if (this.noise.length < count) this.noise = new Float32Array(count);
    return this.noise.subarray(0, count);
  }

  private writeUniform(n: number, klBeta: number): void {
    const words = new Uint32Array(this.uniform);
    const floats = new Float32Array(this.uniform);
    const { adam } = this;
    const { sigma, range, includeConstant } = this.loss.gaussian;
    words[0] = n;
    // tfjs computes 1 − accBeta in float32 from the float32 products; 1 − β in double, then rounds it.
    floats.set(
      [
        klBeta,
        1 - this.accBeta1,
        1 - this.accBeta2,
        adam.beta1,
        adam.beta2,
        1 - adam.beta1,
        1 - adam.beta2,
        -adam.learningRate,
        adam.epsilon,
        range[1] - range[0],
        range[0],
        1 / (sigma * sigma),
        0.5 / (sigma * sigma),
        includeConstant ? this.plan.inputSize * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI)) : 0,
      ],
      1,
    );
    this.device.queue.writeBuffer(this.shared.get('step')!, 0, this.uniform);
  }

  /** Sets the loss sum (one float32 on the device). */
  resetLoss(start: number): void {
    this.device.queue.writeBuffer(this.shared.get('lossSum')!, 0, Float32Array.of(start));
  }

  /** The loss summed on the device since the last reset: one read-back. */
  async readLossSum(): Promise<number> {
    return (await this.read('lossSum', 4))[0]!;
  }

  /** The weights, one array per variable. */
  async readParameters(): Promise<Float32Array[]> {
    return this.unpack(await this.read('params', this.plan.parameterCount * 4));
  }

  /** Adam's first and second moments, one array per variable each. */
  async readMoments(): Promise<{ m: Float32Array[]; v: Float32Array[] }> {
    const m = this.unpack(await this.read('moment1', this.plan.parameterCount * 4));
    const v = this.unpack(await this.read('moment2', this.plan.parameterCount * 4));
    return { m, v };
  }

  private async read(name: BufferName, bytes: number): Promise<Float32Array> {
    const invalid = await this.compiled;
    if (invalid) throw new Error(invalid);
    const staging = this.device.createBuffer({ label: `read ${name}`, size: bytes, usage: MAP_READ | COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder({ label: `read ${name}` });
      encoder.copyBufferToBuffer(this.shared.get(name)!, 0, staging, 0, bytes);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_READ);
      return new Float32Array(staging.getMappedRange().slice(0));
    } finally {
      staging.destroy();
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of [...this.shared.values(), ...this.batch.values()]) buffer.destroy();
    this.shared.clear();
    this.batch.clear();
    this.bindGroups = [];
  }
}

/** WebGPU's types take views of an `ArrayBuffer` only; `writeBuffer` copies from shared memory as well. */
const bufferSource = (view: Float32Array) => view as Float32Array<ArrayBuffer>;

function fail(message: string): never {
  throw new Error(message);
}
