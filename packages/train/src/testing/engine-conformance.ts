import * as tf from '@tensorflow/tfjs-core';
import { createRng, gatherBatchInto, normalizationRange, type MnistSplit, type Normalization } from '@vae/data';
import type { ElboOptions, Reconstruction } from '@vae/loss';
import { convDescription, mlpDescription, Vae, type ModelDescription } from '@vae/model';
import { describe, expect, it } from 'vitest';
import { memoryCheckpointStore, type EpochMetrics } from '../checkpoint.js';
import { subnormalCount } from '../host-adam.js';
import { standardNormalNoise } from '../seeds.js';
import type { StepEngineContext, StepEngineFactory } from '../step-engine.js';
import { tfjsStepEngine } from '../tfjs-engine.js';
import { train } from '../train.js';
import { lossAndGradients } from '../train-step.js';

/** An engine as the conformance suite runs it. */
export interface EngineUnderTest {
  /** Shown in the test names, e.g. `native` or `tfjs (webgpu)`. */
  name: string;
  /** Null when the engine can run here; otherwise why not. The suite then skips, saying so, except under CI, where it fails. */
  unavailable: string | null;
  /** Makes the engine's tfjs backend current (called before every run of the engine). */
  activate(): Promise<void>;
  engine: StepEngineFactory;
  /** Relative tolerance against the reference (float32 rounding in another order). Default 1e-4. */
  tolerance?: number;
  /**
   * Whether the engine trains this model (its `EngineDefinition.supports`): the cases it declines
   * are checked to be declined with a reason, and not run. Default: it takes every case.
   */
  supports?: (model: ModelDescription) => true | string;
  /**
   * It computes on the CPU: its Adam moments must never be left as subnormal floats, on which
   * every operation takes a slow path on Intel CPUs (a flush-to-zero mode, or an explicit flush).
   */
  cpu?: boolean;
}

/** One run's shape: a small random model and settings, so every engine (even on a software GPU) runs it in seconds. */
export interface ConformanceCase {
  label: string;
  model: ModelDescription;
  reconstruction: Reconstruction;
  normalization: Normalization;
  beta: number;
  batchSize: number;
  seed: number;
}

/** The reference: `tfjsStepEngine` (tfjs' Adam, hand-written backward checked against autodiff) on the CPU backend. */
const REFERENCE_BACKEND = 'cpu';
const ADAM = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** Cases over the settings an engine must handle; sizes drawn from `seed`. */
export function conformanceCases(seed = 1): ConformanceCase[] {
  const rng = createRng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const side = () => int(4, 7);
  const settings: Pick<ConformanceCase, 'reconstruction' | 'normalization' | 'beta'>[] = [
    { reconstruction: 'bernoulli', normalization: 'unit', beta: 1 },
    { reconstruction: 'bernoulli', normalization: 'binary', beta: 0.5 },
    { reconstruction: 'gaussian', normalization: 'symmetric', beta: 2 },
    { reconstruction: 'gaussian', normalization: 'unit', beta: 0 },
  ];
  const mlp = settings.map((s, i): ConformanceCase => {
    const rows = side();
    const config = {
      inputDim: rows * rows,
      encoderHidden: Array.from({ length: int(1, 2) }, () => int(5, 70)),
      latentDim: int(2, 6),
      decoderHidden: Array.from({ length: int(1, 2) }, () => int(5, 70)),
    };
    return { label: `${s.reconstruction}/${s.normalization}, β=${s.beta}, MLP ${JSON.stringify(config)}`, model: mlpDescription(config), ...s, batchSize: int(5, 24), seed: 10 + i };
  });
  // Convolutional models (conv2d, reshape, conv2dTranspose layers): every engine that takes them must match too.
  const conv = settings.slice(0, 2).map((s, i): ConformanceCase => {
    const side = 4 * int(1, 2);
    const options = { input: { height: side, width: side, channels: 1 }, latentDim: int(2, 4), filters: [int(2, 4), int(2, 5)], dense: int(4, 12) };
    return { label: `${s.reconstruction}/${s.normalization}, β=${s.beta}, conv ${JSON.stringify(options)}`, model: convDescription(options), ...s, batchSize: int(3, 8), seed: 20 + i };
  });
  return [...mlp, ...conv];
}

/** Values per example and the latent size of a case's model. */
const inputDimOf = (c: ConformanceCase) => c.model.input.height * c.model.input.width * c.model.input.channels;

/** Random `side`×`side` images, about two thirds of the pixels zero (as in MNIST), so sparse paths run too. */
export function conformanceSplit(count: number, side: number, seed: number): MnistSplit {
  const rng = createRng(seed);
  const images = new Uint8Array(count * side * side);
  for (let i = 0; i < images.length; i++) images[i] = rng.next() < 0.65 ? 0 : Math.floor(rng.next() * 256);
  return { images, labels: new Uint8Array(count).map(() => Math.floor(rng.next() * 10)), count, rows: side, cols: side, channels: 1 };
}

const lossOptionsOf = (c: ConformanceCase): ElboOptions => ({ beta: c.beta, reconstruction: c.reconstruction, gaussian: { range: normalizationRange(c.normalization) } });
const sideOf = (c: ConformanceCase) => c.model.input.height;

async function useBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`the conformance reference needs the '${name}' tfjs backend: import '@tensorflow/tfjs-backend-${name}' in the test`);
}

async function readVariables(model: Vae): Promise<Float32Array[]> {
  return Promise.all(model.namedVariables().map(async ({ variable }) => Float32Array.from((await variable.data()) as Float32Array)));
}

/**
 * What one engine does from fresh weights: the loss of each of `steps` steps, the weights and Adam's
 * moments after. `klBetas[s]`, when given, is step s's β, set with `setKlBeta` when it changes (as `train` does).
 */
async function stepRun(
  activate: () => Promise<void>,
  factory: StepEngineFactory,
  c: ConformanceCase,
  steps: number,
  klBetas?: readonly number[],
  options: { split?: MnistSplit; optimizerState?: (model: Vae) => tf.NamedTensorMap } = {},
) {
  await activate();
  const model = new Vae(c.model, { seed: c.seed });
  const context: StepEngineContext = { model, adam: ADAM, loss: lossOptionsOf(c) };
  const engine = factory(context);
  if (options.optimizerState) {
    const tensors = options.optimizerState(model);
    await engine.restore(tensors, 'the test').finally(() => tf.dispose(Object.values(tensors)));
  }
  const split = options.split ?? conformanceSplit(c.batchSize * steps, sideOf(c), c.seed);
  const order = Uint32Array.from({ length: split.count }, (_, i) => i);
  const x = new Float32Array(c.batchSize * inputDimOf(c));
  const losses: number[] = [];
  let beta = c.beta;
  try {
    for (let s = 0; s < steps; s++) {
      const start = s * c.batchSize;
      const noiseSeed = 1000 + s;
      if (klBetas && klBetas[s] !== beta) engine.setKlBeta((beta = klBetas[s]!));
      // Half the steps through `stepRows` where the engine has it, so both doors are checked.
      if (!(s % 2 === 1 && engine.stepRows?.(split, order, start, start + c.batchSize, c.normalization, noiseSeed))) {
        gatherBatchInto(split, order, start, start + c.batchSize, c.normalization, x, createRng(7));
        engine.step(x, c.batchSize, noiseSeed);
      }
      losses.push(await engine.readLossSum());
      engine.resetLoss();
    }
    await engine.syncModel();
    const weights = await readVariables(model);
    const state = await engine.optimizerState();
    try {
      const read = async (key: string) => Float32Array.from((await state.tensors[key]!.data()) as Float32Array);
      const names = model.namedVariables().map((v) => v.name);
      return {
        losses,
        weights,
        iterations: (await state.tensors['adam/iterations']!.data())[0]!,
        m: await Promise.all(names.map((n) => read(`adam/m/${n}`))),
        v: await Promise.all(names.map((n) => read(`adam/v/${n}`))),
      };
    } finally {
      state.dispose();
    }
  } finally {
    engine.dispose();
    model.dispose();
  }
}

/** Largest |a − b| relative to the largest |b| (plus `floor`), so near-zero entries do not dominate. */
function relativeError(a: Float32Array, b: Float32Array, floor = 1e-6): number {
  let maxDiff = 0;
  let scale = floor;
  for (let i = 0; i < b.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return maxDiff / scale;
}

const expectClose = (got: number, want: number, tolerance: number, what: string) =>
  expect(Math.abs(got - want) / Math.max(Math.abs(want), 1e-3), `${what}: ${got} vs reference ${want}`).toBeLessThan(tolerance);

/** `train()` for a few epochs on small data, optionally resuming; the per-epoch metrics and final weights. */
async function trainRun(
  activate: () => Promise<void>,
  factory: StepEngineFactory,
  c: ConformanceCase,
  epochs: number,
  options: { resume?: Uint8Array; onEpoch?: (m: EpochMetrics) => void; klWarmupEpochs?: number } = {},
) {
  await activate();
  const model = new Vae(c.model, { seed: c.seed });
  const store = memoryCheckpointStore();
  const side = sideOf(c);
  try {
    const result = await train({
      model,
      data: { train: conformanceSplit(4 * c.batchSize + 3, side, c.seed + 1), test: conformanceSplit(20, side, c.seed + 2) },
      epochs,
      batchSize: c.batchSize,
      seed: c.seed,
      normalization: c.normalization,
      reconstruction: c.reconstruction,
      beta: c.beta,
      klWarmupEpochs: options.klWarmupEpochs ?? 0,
      engine: factory,
      checkpoint: store,
      ...(options.resume ? { resume: options.resume } : {}),
      evalBatchSize: 8,
      lossReadInterval: 2,
      ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    });
    return { metrics: result.metrics, weights: await readVariables(model), checkpoint: (await store.load())! };
  } finally {
    model.dispose();
  }
}

function expectSameRun(got: { metrics: EpochMetrics[]; weights: Float32Array[] }, want: { metrics: EpochMetrics[]; weights: Float32Array[] }, tolerance: number, what: string) {
  expect(got.metrics.length).toBe(want.metrics.length);
  got.metrics.forEach((m, e) => {
    for (const key of ['trainLoss', 'testLoss', 'testLossMu', 'testRecon', 'testKl'] as const) expectClose(m[key], want.metrics[e]![key], tolerance, `${what}: epoch ${e + 1} ${key}`);
  });
  // Adam divides by √v: an entry whose gradient is rounding noise may step the other way, so the
  // weights are compared in units of the learning rate, on average, not entry by entry.
  got.weights.forEach((w, i) => {
    let sum = 0;
    for (let j = 0; j < w.length; j++) sum += Math.abs(w[j]! - want.weights[i]![j]!);
    expect(sum / w.length / ADAM.learningRate, `${what}: mean |Δw| of variable ${i}, in learning rates`).toBeLessThan(Math.max(0.05, 100 * tolerance));
  });
}

/**
 * The conformance suite every engine runs (tfjs' `describeWithFlags(..., ALL_ENVS)` in spirit):
 * against the reference (`tfjsStepEngine` on the CPU backend) on random small models and every
 * reconstruction term, it checks the gradients (Adam's first moment after one step is (1 − β₁)·g),
 * Adam's updates over several steps, a short `train()` run from the same weights and batches,
 * checkpoint and resume in both directions between the engine and the reference, β changed between
 * steps (`setKlBeta`, a KL warm-up) as an engine made with that β would have it, and that no
 * tensors pile up. An engine that cannot run here is skipped with its reason, except under CI
 * (`CI` set), where that fails: an engine registered in CI must prove itself.
 */
export function describeEngineConformance(subject: EngineUnderTest, cases: ConformanceCase[] = conformanceCases()): void {
  const tolerance = subject.tolerance ?? 1e-4;
  const reference = () => useBackend(REFERENCE_BACKEND);
  const title = `engine conformance: ${subject.name}`;
  if (subject.unavailable !== null && process.env.CI) {
    describe(title, () => {
      it('runs in CI', () => {
        throw new Error(`${subject.name} is registered but cannot run in CI: ${subject.unavailable}`);
      });
    });
    return;
  }
  const support = (c: ConformanceCase) => subject.supports?.(c.model) ?? true;
  const accepted = cases.filter((c) => support(c) === true);
  const declined = cases.filter((c) => support(c) !== true);
  const isMlp = (c: ConformanceCase) => c.label.includes('MLP');
  const mlp = accepted.filter(isMlp);
  describe.skipIf(subject.unavailable !== null)(`${title}${subject.unavailable === null ? '' : ` (skipped: ${subject.unavailable})`}`, () => {
    if (declined.length > 0) {
      it.each(declined.map((c) => [c.label, c] as const))('declines, with a reason, a model it has no kernel for: %s', (_label, c) => {
        const reason = support(c);
        expect(typeof reason === 'string' && reason.length > 10, `reason: ${String(reason)}`).toBe(true);
      });
    }

    it.each(accepted.map((c) => [c.label, c] as const))('gradients and the loss of one step match the reference: %s', async (_label, c) => {
      const got = await stepRun(subject.activate, subject.engine, c, 1);
      const want = await stepRun(reference, tfjsStepEngine, c, 1);
      expectClose(got.losses[0]!, want.losses[0]!, tolerance, 'loss of the step');
      // The reference's first moment is (1 − β₁)·g; compare it with the gradients computed directly too.
      await reference();
      const model = new Vae(c.model, { seed: c.seed });
      const split = conformanceSplit(c.batchSize, sideOf(c), c.seed);
      const x = gatherBatchInto(split, Uint32Array.from({ length: c.batchSize }, (_, i) => i), 0, c.batchSize, c.normalization, new Float32Array(c.batchSize * inputDimOf(c)), createRng(7));
      const direct = tf.tidy(() => {
        const eps = tf.tensor2d(standardNormalNoise(1000, c.batchSize * c.model.latentDim), [c.batchSize, c.model.latentDim]);
        const { gradients } = lossAndGradients(model, tf.tensor2d(x, [c.batchSize, inputDimOf(c)]), eps, lossOptionsOf(c));
        return model.namedVariables().map(({ variable }) => Float32Array.from(gradients[variable.name]!.dataSync() as Float32Array));
      });
      const names = model.namedVariables().map((v) => v.name);
      model.dispose();
      const gradientOf = (m: Float32Array) => m.map((value) => value / (1 - ADAM.beta1));
      direct.forEach((g, i) => {
        expect(relativeError(gradientOf(want.m[i]!), g), `reference gradient of ${names[i]}`).toBeLessThan(1e-5);
        expect(relativeError(gradientOf(got.m[i]!), g), `gradient of ${names[i]}`).toBeLessThan(tolerance * 10);
      });
    });

    it('Adam over several steps: losses, moments and weights match the reference', async () => {
      const c = mlp[0]!;
      const got = await stepRun(subject.activate, subject.engine, c, 5);
      const want = await stepRun(reference, tfjsStepEngine, c, 5);
      expect(got.iterations).toBe(5);
      got.losses.forEach((loss, s) => expectClose(loss, want.losses[s]!, tolerance, `loss of step ${s + 1}`));
      got.v.forEach((v, i) => expect(relativeError(v, want.v[i]!), `second moment of variable ${i}`).toBeLessThan(tolerance * 10));
      expectSameRun({ metrics: [], weights: got.weights }, { metrics: [], weights: want.weights }, tolerance, 'after 5 steps');
    });

    it('resetLoss(start) starts the loss sum at start (a resumed epoch goes on from its partial sum)', async () => {
      const c = mlp[0]!;
      await subject.activate();
      const model = new Vae(c.model, { seed: c.seed });
      const engine = subject.engine({ model, adam: ADAM, loss: lossOptionsOf(c) });
      try {
        engine.resetLoss(1234.5); // exact in float32 too
        expect(await engine.readLossSum()).toBe(1234.5);
        engine.resetLoss();
        expect(await engine.readLossSum()).toBe(0);
      } finally {
        engine.dispose();
        model.dispose();
      }
    });

    const trainCases = [...mlp.slice(0, 2), ...accepted.filter((c) => !isMlp(c)).slice(0, 1)];
    it.each(trainCases.map((c) => [c.label, c] as const))('a short train() run gives the reference’s losses: %s', async (_label, c) => {
      const got = await trainRun(subject.activate, subject.engine, c, 2);
      const want = await trainRun(reference, tfjsStepEngine, c, 2);
      expectSameRun(got, want, tolerance, subject.name);
    });

    it('a checkpoint moves between the engine and the reference, both ways, and the run continues as if it had not stopped', async () => {
      const c = mlp[2]!;
      const straight = await trainRun(reference, tfjsStepEngine, c, 2);
      const engineFirst = await trainRun(subject.activate, subject.engine, c, 1);
      const thenReference = await trainRun(reference, tfjsStepEngine, c, 2, { resume: engineFirst.checkpoint });
      expectSameRun(thenReference, straight, tolerance, 'engine → reference');
      const referenceFirst = await trainRun(reference, tfjsStepEngine, c, 1);
      const thenEngine = await trainRun(subject.activate, subject.engine, c, 2, { resume: referenceFirst.checkpoint });
      expectSameRun(thenEngine, straight, tolerance, 'reference → engine');
    });

    it('after setKlBeta(b), its steps are those of the engine made with β = b (same weights, same noise)', async () => {
      const c = mlp[0]!;
      const b = c.beta === 0.25 ? 0.75 : 0.25;
      const switched = await stepRun(subject.activate, subject.engine, c, 3, [b, b, b]);
      const made = await stepRun(subject.activate, subject.engine, { ...c, beta: b }, 3);
      expect(switched).toEqual(made);
      // β changes the loss here, so the equality above says something.
      const unchanged = await stepRun(subject.activate, subject.engine, c, 1);
      expect(Math.abs(unchanged.losses[0]! - made.losses[0]!)).toBeGreaterThan(tolerance * Math.abs(made.losses[0]!));
    });

    it('β changed between steps (a KL warm-up) gives the reference’s losses, moments and weights', async () => {
      const c = mlp[0]!;
      const klBetas = [0, 0.25, 0.5, 0.75, 1].map((f) => f * c.beta);
      const got = await stepRun(subject.activate, subject.engine, c, 5, klBetas);
      const want = await stepRun(reference, tfjsStepEngine, c, 5, klBetas);
      got.losses.forEach((loss, s) => expectClose(loss, want.losses[s]!, tolerance, `loss of step ${s + 1} (β = ${klBetas[s]})`));
      got.v.forEach((v, i) => expect(relativeError(v, want.v[i]!), `second moment of variable ${i}`).toBeLessThan(tolerance * 10));
      expectSameRun({ metrics: [], weights: got.weights }, { metrics: [], weights: want.weights }, tolerance, 'after 5 steps of warm-up');
    });

    it('a train() run with a KL warm-up gives the reference’s metrics (test figures with the full β)', async () => {
      const c = mlp[1]!;
      // 4·batchSize + 3 images: 5 batches per epoch; the warm-up's 5 steps take epoch 1.
      const got = await trainRun(subject.activate, subject.engine, c, 2, { klWarmupEpochs: 1 });
      const want = await trainRun(reference, tfjsStepEngine, c, 2, { klWarmupEpochs: 1 });
      expect(got.metrics.map((m) => m.beta)).toEqual([c.beta * Math.min(1, 4 / 5), c.beta]);
      expectSameRun(got, want, tolerance, `${subject.name}, KL warm-up`);
    });

    if (subject.cpu) {
      it('Adam’s moments never stay subnormal floats (slow on Intel CPUs): a moment that decays below 2⁻¹²⁶ becomes 0', async () => {
        const c = mlp[0]!;
        const side = sideOf(c);
        const steps = 60;
        // The first row of pixels is never lit, so the first layer's weights from it get no gradient.
        const split = conformanceSplit(c.batchSize * steps, side, c.seed);
        for (let i = 0; i < split.count; i++) split.images.fill(0, i * side * side, i * side * side + side);
        // Moments at the edge of the normal range: after 60 steps m·0.9⁶⁰ and v·0.999⁶⁰ are below 2⁻¹²⁶.
        const optimizerState = (model: Vae) => {
          const variables = model.namedVariables();
          const tensors: tf.NamedTensorMap = {
            'adam/iterations': tf.scalar(100, 'int32'),
            'adam/accBeta1': tf.scalar(ADAM.beta1 ** 101),
            'adam/accBeta2': tf.scalar(ADAM.beta2 ** 101),
          };
          for (const { name, variable } of variables) {
            tensors[`adam/m/${name}`] = tf.fill(variable.shape, 1e-36);
            tensors[`adam/v/${name}`] = tf.fill(variable.shape, 1.2e-38);
          }
          return tensors;
        };
        const got = await stepRun(subject.activate, subject.engine, c, steps, undefined, { split, optimizerState });
        // Without a flush they are subnormal: tf.train.adam (the reference) keeps them.
        const want = await stepRun(reference, tfjsStepEngine, c, steps, undefined, { split, optimizerState });
        expect(subnormalCount(want.m), 'subnormal first moments of the reference').toBeGreaterThan(0);
        expect(subnormalCount(want.v), 'subnormal second moments of the reference').toBeGreaterThan(0);
        expect(subnormalCount(got.m), 'subnormal first moments').toBe(0);
        expect(subnormalCount(got.v), 'subnormal second moments').toBe(0);
        const units = got.m[0]!.length / (side * side);
        expect(got.m[0]!.subarray(0, side * units).every((x) => x === 0), 'first moments of the never-lit pixels').toBe(true);
        expectClose(got.losses.at(-1)!, want.losses.at(-1)!, tolerance, 'loss of the last step');
        expectSameRun({ metrics: [], weights: got.weights }, { metrics: [], weights: want.weights }, tolerance, `after ${steps} steps`);
      });
    }

    it('keeps the tensor count flat across epochs and releases everything it made', async () => {
      const c = mlp[1]!;
      await subject.activate();
      const before = tf.memory().numTensors;
      const perEpoch: number[] = [];
      await trainRun(subject.activate, subject.engine, c, 3, { onEpoch: () => void perEpoch.push(tf.memory().numTensors) });
      expect(new Set(perEpoch).size, `tensors after each epoch: ${perEpoch.join(', ')}`).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
