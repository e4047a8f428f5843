/** The loss became NaN or infinite: training stopped, and the last checkpoint written is the last good one. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';

  constructor(
    message: string,
    /** Where it diverged, e.g. `loss became NaN in epoch 3, batch 40`. */
    readonly where: string = message,
    /** The epoch of the last good checkpoint; null when none was saved (or no store was given). */
    readonly lastGoodEpoch: number | null = null,
  ) {
    super(message);
  }
}

/** Options that cannot go together, or a checkpoint that does not fit the run. */
export class TrainConfigError extends Error {
  override name = 'TrainConfigError';
}

/** The engine asked for is not available here or cannot train the run; the message says why and how to get it. */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}

/**
 * A checkpoint that cannot be used: empty, truncated, with bytes appended, corrupt (a checksum or a
 * field of the wrong type), holding NaN/Infinity, of an unknown format, or a file that cannot be
 * read or written. The message is one line: the file, what is wrong, what to do.
 */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  /** The file concerned, when the error is about one file (a write that failed names it). */
  readonly file?: string;

  constructor(message: string, options?: { cause?: unknown; file?: string }) {
    super(message, options);
    if (options?.file !== undefined) this.file = options.file;
  }
}
