/**
 * The entries of a training run's directory, as `vae train` (apps/cli) writes them and the page's
 * dev server (apps/web/server) reads them: one list, so a renamed file cannot leave a reader behind.
 * `config.json` marks a run; the model's two files are `@vae/model`'s `saveVae` layout.
 */
export const RUN_LAYOUT = Object.freeze({
  /** The settings, the engine and its device, the model description: written before the first epoch. */
  config: 'config.json',
  /** One JSON line per epoch (`EpochMetrics` and the process's memory), rewritten whole after each. */
  metrics: 'metrics.jsonl',
  lossCurve: 'loss.svg',
  /** What was made of a folder of images (split, classes, size, skipped files): written when the data is one. */
  dataReport: 'data-report.json',
  /** `epoch-NNN.png` sample grids. */
  samples: 'samples',
  /** `@vae/train/node`'s `fileCheckpointStore` directory. */
  checkpoint: 'checkpoint',
  /** The finished model (`saveVae`), written last. */
  model: 'model',
  modelJson: 'model.json',
  modelWeights: 'weights.bin',
  /** Where the model commands (`vae sample`, `eval`, …) and `vae export` write by default. */
  explore: 'explore',
  export: 'export',
});

/**
 * A sweep's directory, as `vae sweep` (apps/cli) writes it and the page's dev server lists it:
 * `sweep.json` marks it (its name, base flags, seeds, and every run's id and flags); each run is a
 * normal run directory under `runs/<id>/`; each run's output in `logs/<id>.log`; `report/` is
 * `vae sweep report`'s.
 */
export const SWEEP_LAYOUT = Object.freeze({ spec: 'sweep.json', runs: 'runs', logs: 'logs', report: 'report' });
