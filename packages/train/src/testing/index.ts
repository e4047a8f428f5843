/**
 * @vae/train/testing: the conformance suite every training engine runs (vitest), and the random
 * small cases it runs on. For engine authors; not needed to train.
 */
export { conformanceCases, conformanceSplit, describeEngineConformance, type ConformanceCase, type EngineUnderTest } from './engine-conformance.js';
