import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { takeFirst, type Normalization } from '@vae/data';
import { estimateLogLikelihood, evaluate, tfjsLogWeights, type ActiveEngine, type LogWeightsFunction } from '@vae/train';
import { Command, Option } from 'commander';
import { importByName } from './engines/module-loading.js';
import { positiveInt } from './flag-parsers.js';
import { formatCount, formatSeconds } from './format.js';
import { activateFor, loadTestSet, loadWeights, modelCommand, openModel, type ModelFlags, type OpenedModel } from './model-input.js';
import type { Vae } from '@vae/model';
import { writeOutput, type CommandIo } from './output-files.js';
import { checkImportanceSamplesFit } from './size-limits.js';

export function evalCommand(): Command {
  return modelCommand('eval', "Measure a saved model on the test set: the ELBO (recon and KL parts) and the importance-weighted log-likelihood estimate.")
    .addOption(new Option('--k <n>', 'importance samples per image for the log-likelihood').default(5000).argParser(positiveInt))
    .addOption(new Option('--n <n>', 'estimate the log-likelihood on the first n test images').default(1000).argParser(positiveInt));
}

interface EvalFlags extends ModelFlags {
  k: number;
  n: number;
}

/** What the targets of the likelihood were: figures on grey and on binarized MNIST are not comparable. */
export function targetsDescription(normalization: Normalization, seed: number): string {
  switch (normalization) {
    case 'unit':
      return 'grey levels in [0, 1] (not binarized: not comparable with figures on binarized MNIST)';
    case 'binary':
      return 'binarized at 0.5 (fixed binarization)';
    case 'dynamic-binary':
      return `binarized by sampling each pixel with its grey level as probability (seed ${seed})`;
    case 'symmetric':
      return 'grey levels scaled to [−1, 1]';
  }
}

/** The engine's own log-weights function when it has one (the native addon's forward pass), else tfjs on the active backend. */
async function logWeightsFor(engine: ActiveEngine, model: OpenedModel & { vae: Vae }, lossOptions: OpenedModel['lossOptions']): Promise<{ fn: LogWeightsFunction; label: string; dispose: () => void }> {
  if (engine.name === 'native') {
    const native = (await importByName('@vae/native/engine')) as typeof import('@vae/native/engine');
    const handle = native.nativeLogWeights(model.vae, lossOptions);
    return { fn: handle.logWeights, label: 'the native addon (C++ on OpenBLAS)', dispose: () => handle.dispose() };
  }
  return { fn: tfjsLogWeights(model.vae, lossOptions), label: `tfjs on ${engine.backend}`, dispose: () => {} };
}

export async function runEval(command: Command, io: CommandIo): Promise<void> {
  const flags = command.opts<EvalFlags>();
  const opened = await openModel(flags);
  checkImportanceSamplesFit(flags.k, opened.description.latentDim);
  const test = await loadTestSet(flags, opened, io.log);
  const engine = await activateFor(flags, opened, io.log);
  const model = { ...opened, vae: await loadWeights(flags, opened) };
  try {
    const n = Math.min(flags.n, test.count);
    if (n < flags.n) io.log(`--n ${flags.n}: the test set has ${formatCount(test.count)} images; using all of them`);
    const seed = flags.seed;
    const targets = targetsDescription(model.normalization, seed);
    const common = { normalization: model.normalization, seed };

    const elbo = await evaluate(model.vae, test, { ...common, ...model.lossOptions, signal: io.signal });
    const sameImages = await evaluate(model.vae, takeFirst(test, n), { ...common, ...model.lossOptions, signal: io.signal });
    io.out(`Test set: ${formatCount(test.count)} images, targets ${targets}`);
    io.out(`  ELBO, z sampled: ${(-elbo.loss).toFixed(2)} nats per image (recon ${elbo.recon.toFixed(2)}, KL ${elbo.kl.toFixed(2)}); loss ${elbo.loss.toFixed(2)}`);
    io.out(`  ELBO, z = mu:    ${(-elbo.lossMu).toFixed(2)} nats per image`);

    // A Gaussian p(x|z) is a density only with its normalizing constant; training leaves it out.
    const likelihoodOptions = model.reconstruction === 'gaussian' ? { ...model.lossOptions, gaussian: { ...model.lossOptions.gaussian, includeConstant: true } } : model.lossOptions;
    const weights = await logWeightsFor(engine, model, likelihoodOptions);
    io.log(`log-likelihood: K = ${formatCount(flags.k)} importance samples on ${formatCount(n)} images (${formatCount(flags.k * n)} decoder passes) with ${weights.label}`);
    const bar = process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'log-likelihood {bar} {value}/{total} images | ETA {eta_formatted}', clearOnComplete: true, hideCursor: true, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    bar?.start(n, 0);
    const started = performance.now();
    let estimate;
    try {
      estimate = await estimateLogLikelihood(
        model.vae,
        test,
        { ...common, ...likelihoodOptions, samples: flags.k, count: n, onProgress: (done) => bar?.update(done), signal: io.signal },
        weights.fn,
      );
    } finally {
      bar?.stop();
      weights.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    io.out(`Log-likelihood (importance-weighted bound, K = ${formatCount(flags.k)}, first ${formatCount(n)} test images):`);
    io.out(`  log p(x) ≥ ${estimate.logLikelihood.toFixed(2)} ± ${estimate.standardError.toFixed(2)} nats per image (± one standard error over images; ELBO of the same images ${(-sameImages.loss).toFixed(2)})`);
    io.out(`  ${formatSeconds(seconds)}, ${formatCount((flags.k * n) / seconds)} decoder passes/s`);

    const file = join(model.outDir, `eval-k${flags.k}-n${n}-seed${seed}.json`);
    const report = {
      tool: 'vae-ts cli eval',
      createdAt: new Date().toISOString(),
      model: model.modelDir,
      backend: engine.name,
      device: engine.device.label,
      targets: { normalization: model.normalization, reconstruction: model.reconstruction, description: targets },
      elbo: { images: test.count, elbo: -elbo.loss, elboMu: -elbo.lossMu, recon: elbo.recon, kl: elbo.kl },
      logLikelihood: {
        method: 'importance-weighted bound (Burda et al. 2016)',
        samples: flags.k,
        images: n,
        seed,
        nats: estimate.logLikelihood,
        standardError: estimate.standardError,
        elboSameImages: -sameImages.loss,
        gaussianConstantIncluded: model.reconstruction === 'gaussian',
        computedWith: weights.label,
        seconds,
      },
    };
    await writeOutput(file, `${JSON.stringify(report, null, 2)}\n`, io);
  } finally {
    model.vae.dispose();
  }
}
