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
