export { fusedPlan, fusedWebgpuDeclines, type DenseStage, type FusedPlan } from './fused-plan.js';
export { stepKernels, type Kernel } from './kernels.js';
export { FusedStep, workgroupsFor, type FusedAdamSettings, type FusedLossSettings } from './fused-step.js';
export { fusedWebgpuStepEngine, fusedWebgpuSupports } from './fused-step-engine.js';
export { fusedWebgpuEngine, type FusedWebgpuEngineOptions } from './fused-webgpu-engine.js';
