/**
 * β of optimizer step `step` (0-based, counted over the whole run) under a KL warm-up: it rises
 * linearly from 0 to `beta` over the first `klWarmupEpochs` epochs,
 * beta · min(1, step / (klWarmupEpochs · batchesPerEpoch)); `klWarmupEpochs` 0 is no warm-up
 * (`beta` at every step). A function of the step count alone, so a resumed run continues exactly.
 */
export function klWarmupBeta(beta: number, klWarmupEpochs: number, batchesPerEpoch: number, step: number): number {
  if (klWarmupEpochs === 0) return beta;
  return beta * Math.min(1, step / (klWarmupEpochs * batchesPerEpoch));
}
