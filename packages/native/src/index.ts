import { availableParallelism } from 'node:os';
import { loadAddon, type AddonKind, type AddonLoad } from './load-addon.js';
import { FusedVaeTrainer, type NativeTrainerHandle, type NativeTrainerInit, type NativeVaeTrainerOptions } from './trainer.js';

export * from './trainer.js';

/** What the addon itself reports (`NativeBinding.info()`). */
export interface NativeBindingInfo {
  /** OpenBLAS' build string, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64". */
  blasConfig: string;
  /** The OpenBLAS kernels in use, e.g. "Haswell", "SkylakeX", "Cooperlake". */
  blasCore: string;
  blasMaxThreads: number;
  hardwareConcurrency: number;
  /** Which build this is. */
  build: AddonKind;
  /** The instruction set of the addon's own loops: "x86-64-v4", "x86-64-v3", "x86-64" (prebuilt, chosen when it loads) or "native" (source build). */
  kernels: string;
}

export type { AddonKind };

export interface NativeInfo extends NativeBindingInfo {
  /** The file loaded. */
  addonFile: string;
  /** For engine labels: "OpenBLAS Haswell, prebuilt" or "OpenBLAS Haswell, source build". */
  label: string;
  /** Why the prebuilt was passed over, when the source build was loaded instead. */
  prebuiltSkipped?: string;
}

/** The raw addon (either build). Prefer `NativeVaeTrainer`, which checks arguments. */
export interface NativeBinding {
  Trainer: new (init: NativeTrainerInit) => NativeTrainerHandle;
  info(): NativeBindingInfo;
}


let loaded: AddonLoad | undefined;

/**
 * The addon, or undefined when none is built or loads (see `nativeLoadError`): the prebuilt of the
 * platform package (`@vae/native-linux-x64-gnu`, …) when it fits this machine, else the one built
 * from source here; `VAE_NATIVE_PREBUILT=only|never` allows one of them only (see README.md,
 * "Prebuilt addon"). `nativeInfo()` says which one loaded. Never throws; loads once.
 */
export function loadNative(): NativeBinding | undefined {
  loaded ??= loadAddon();
  return loaded.addon?.binding;
}

/** Why `loadNative()` returns undefined (undefined when an addon loaded). */
export function nativeLoadError(): string | undefined {
  loaded ??= loadAddon();
  return loaded.error;
}

export function isNativeAvailable(): boolean {
  return loadNative() !== undefined;
}

/** Which addon is loaded (prebuilt or source build, its file), OpenBLAS' build and core, the kernels in use; undefined without the addon. */
export function nativeInfo(): NativeInfo | undefined {
  loaded ??= loadAddon();
  const addon = loaded.addon;
  if (!addon) return undefined;
  const info = addon.binding.info();
  return {
    ...info,
    addonFile: addon.file,
    label: `OpenBLAS ${info.blasCore}, ${addon.kind === 'prebuilt' ? 'prebuilt' : 'source build'}`,
    ...(addon.prebuiltSkipped ? { prebuiltSkipped: addon.prebuiltSkipped } : {}),
  };
}

/**
 * The whole training step of the MLP VAE (forward, summed loss, backward, Adam) in one call into the
 * native addon (see `FusedVaeTrainer`). Threads default to min(2, available cores).
 */
export class NativeVaeTrainer extends FusedVaeTrainer {
  constructor(options: NativeVaeTrainerOptions) {
    const binding = loadNative();
    if (!binding) throw new Error(`NativeVaeTrainer: the native addon is unavailable: ${nativeLoadError()}`);
    super(binding, { ...options, threads: options?.threads ?? Math.max(1, Math.min(2, availableParallelism())) });
  }
}
