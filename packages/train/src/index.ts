export {
  CHECKPOINT_FORMAT_VERSION,
  decodeCheckpoint,
  isCheckpointBytes,
  readCheckpointState,
  verifyCheckpoint,
  encodeCheckpoint,
  memoryCheckpointStore,
  restoreModelWeights,
  type Checkpoint,
  type CheckpointStamp,
  type CheckpointStore,
  type EpochMetrics,
  type TrainSettings,
  type TrainingState,
} from './checkpoint.js';
export { CheckpointError, EngineUnavailableError, TrainConfigError, TrainingDivergedError } from './errors.js';
export { adapterInfoOf, adapterLabel } from './adapter-info.js';
export {
  ENGINE_PRIORITY,
  EngineRegistry,
  type ActiveEngine,
  type AdapterInfo,
  type EngineChoice,
  type EngineDefinition,
  type EngineDevice,
  type EngineProbe,
  type EngineStatus,
  type Support,
  type TrainRequest,
} from './engine-registry.js';
export { estimateLogLikelihood, tfjsLogWeights, type LogLikelihoodEstimate, type LogLikelihoodOptions, type LogWeightsFunction } from './log-likelihood.js';
export { evaluate, type BatchEvaluator, type EvaluateOptions, type Evaluation, type EvaluationSums } from './evaluate.js';
export { yieldToSignal } from './yield-to-signal.js';
export { SeedStream, deriveSeed, standardNormalNoise } from './seeds.js';
export type { TrainableModel } from './trainable-model.js';
export { DEFAULT_TRAIN_SETTINGS } from './train-settings.js';
export { train, type BatchEvent, type TrainOptions, type TrainResult } from './train.js';
export { klWarmupBeta } from './kl-warmup.js';
export { lossAndGradients, trainStep } from './train-step.js';
export { FLOAT32_MIN_NORMAL, HostAdam, subnormalCount, type HostAdamKernel } from './host-adam.js';
export { adamStateTensors, readAdamState, type AdamState, type NamedVariable } from './adam-state.js';
export { HOST_MEMORY_BACKENDS, hostAdamStepEngine } from './host-adam-engine.js';
export { startHostMemoryBackend, stepEngineForBackend, tfjsBackendEngine, type TfjsBackendEngineOptions } from './tfjs-backend-engine.js';
export { type AdamSettings, type StepEngine, type StepEngineContext, type StepEngineFactory } from './step-engine.js';
export { tfjsStepEngine } from './tfjs-engine.js';
