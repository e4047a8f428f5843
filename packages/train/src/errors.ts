/** The loss became NaN or infinite: training stopped, and the last checkpoint written is the last good one. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
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

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
