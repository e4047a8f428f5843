import * as tf from '@tensorflow/tfjs-core';
import { adapterInfoOf, adapterLabel, tfjsBackendEngine, type AdapterInfo, type EngineDefinition, type EngineProbe } from '@vae/train';
import { fusedWebgpuEngine } from '@vae/webgpu';
import { debugFromEnv } from '../debug-env.js';
import { importByName, loadOptional, type ImportModule } from './module-loading.js';
import { probeWebgpuInChild, type WebgpuProbeResult } from './webgpu-probe.js';

/** The bits of WebGPU this file touches (Dawn implements the whole of it). */
interface GpuAdapterLike {
  readonly info?: Partial<AdapterInfo>;
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
}
interface GpuDeviceLike {
  readonly lost: Promise<{ reason: string; message: string }>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}
/** The `webgpu` npm package: Dawn's Node bindings. */
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface WebgpuBackendModule {
  WebGPUBackend: new (device: GpuDeviceLike, adapterInfo?: unknown) => tf.KernelBackend;
}

/** WebGPU's limits tfjs asks for (as its own browser registration does): the adapter's, not the defaults. */
const TFJS_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
];

const NO_ADAPTER = 'no WebGPU adapter: Dawn found no GPU with a Vulkan, Metal or Direct3D 12 driver';

/** Where Debian's chromium keeps SwiftShader's Vulkan driver: WebGPU on the CPU, for tests and machines without a GPU. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const HOW_TO_GET =
  'The CLI installs the `webgpu` package as an optional dependency (`pnpm install`); a GPU also needs its Vulkan driver ' +
  '(Linux: the NVIDIA driver, or `apt-get install mesa-vulkan-drivers libvulkan1` for AMD and Intel; `vulkaninfo --summary` lists what Vulkan sees). ' +
  `Without a GPU, VK_ICD_FILENAMES=${SWIFTSHADER_ICD} runs WebGPU on the CPU through Chromium's SwiftShader (slow).`;

/** Dawn's adapter, probed once and shared by the engines that run on it (tfjs' WebGPU backend and the fused step). */
export interface DawnWebgpu {
  probe(): Promise<EngineProbe>;
  /** A device on the probed adapter, with the limits tfjs asks for; Dawn's globals and `navigator.gpu` installed as in a browser. */
  requestDevice(): Promise<{ device: GpuDeviceLike; adapterInfo: unknown }>;
}

/**
 * Dawn (the `webgpu` package, prebuilt for Linux, macOS and Windows): any GPU with a Vulkan, Metal
 * or Direct3D 12 driver, no CUDA version to match. `probeInChild` first asks Dawn in a child
 * process (see `probeWebgpuInChild`), so Dawn's own output stays off the terminal (`--debug` shows
 * it); null (tests' fake modules) asks in-process.
 */
export function dawnWebgpu(importModule: ImportModule, probeInChild: (() => Promise<WebgpuProbeResult>) | null = importModule === importByName ? probeWebgpuInChild : null): DawnWebgpu {
  let dawn: DawnModule | undefined;
  // Dawn's instance must outlive its adapter and device: once collected, their pending work never completes.
  let gpu: GpuLike | undefined;
  let adapter: GpuAdapterLike | undefined;
  let probed: Promise<EngineProbe> | undefined;
  const probe = async (): Promise<EngineProbe> => {
    const loaded = await loadOptional<DawnModule>(importModule, 'webgpu');
    if (!loaded.ok) return { available: false, reason: loaded.reason };
    if (probeInChild) {
      const probed = await probeInChild();
      if (debugFromEnv() && probed.noise.trim() !== '') for (const line of probed.noise.trimEnd().split('\n')) console.error(`webgpu probe: ${line}`);
      if (probed.failure !== null) return { available: false, reason: `no WebGPU adapter: ${probed.failure}` };
      if (!probed.found) return { available: false, reason: NO_ADAPTER };
    }
    dawn = loaded.module;
    gpu = dawn.create([]);
    adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ?? undefined;
    if (!adapter) return { available: false, reason: NO_ADAPTER };
    const info = adapterInfoOf(adapter.info);
    return { available: true, device: { kind: 'gpu', software: info.isFallbackAdapter, label: adapterLabel(info), adapter: info } };
  };
  return {
    probe: () => (probed ??= probe()),
    async requestDevice() {
      if (!dawn || !gpu || !adapter) throw new Error('activate() before a successful probe()');
      const requiredLimits = Object.fromEntries(TFJS_LIMITS.filter((k) => adapter!.limits[k] !== undefined).map((k) => [k, adapter!.limits[k]!]));
      const requiredFeatures = ['timestamp-query'].filter((f) => adapter!.features.has(f));
      const gpuDevice = await adapter.requestDevice({ requiredFeatures, requiredLimits });
      void gpuDevice.lost.then((lost) => {
        if (lost.reason !== 'destroyed') console.error(`webgpu: the GPU device was lost (${lost.reason}): ${lost.message}`);
      });
      // tfjs' WebGPU backend reads `navigator.gpu` and the GPU* constants from the global scope, as in a browser.
      for (const [name, value] of Object.entries(dawn.globals)) if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
      const nav = (globalThis as { navigator?: object }).navigator;
      if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
      else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
      return { device: gpuDevice, adapterInfo: adapter.info };
    },
  };
}

/** TensorFlow.js' WebGPU backend in Node, on Dawn (see `dawnWebgpu`). */
export function webgpuNodeEngine(importModule: ImportModule, probeInChild?: (() => Promise<WebgpuProbeResult>) | null, dawn: DawnWebgpu = dawnWebgpu(importModule, probeInChild)): EngineDefinition {
  return tfjsBackendEngine({
    name: 'webgpu',
    summary: 'TensorFlow.js on WebGPU through Dawn (the `webgpu` package): GPUs with a Vulkan, Metal or Direct3D 12 driver',
    howToGet: HOW_TO_GET,
    probe: () => dawn.probe(),
    // tfjs' WebGPU backend on the device made here from the probed adapter.
    async start() {
      const { device: gpuDevice, adapterInfo } = await dawn.requestDevice();
      const { WebGPUBackend } = (await importModule('@tensorflow/tfjs-backend-webgpu')) as WebgpuBackendModule;
      // The package registers its own factory on import when it sees navigator.gpu; ours uses the device made above.
      if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      tf.registerBackend('webgpu', () => new WebGPUBackend(gpuDevice, adapterInfo));
      if (!(await tf.setBackend('webgpu'))) throw new Error('the tfjs webgpu backend did not start');
    },
  });
}

/** The fused WebGPU step (`@vae/webgpu`) on Dawn's adapter (see `dawnWebgpu`); wasm evaluates beside it. */
export function fusedWebgpuNodeEngine(dawn: DawnWebgpu): EngineDefinition {
  return fusedWebgpuEngine({ probe: () => dawn.probe(), device: async () => (await dawn.requestDevice()).device as unknown as GPUDevice, howToGet: HOW_TO_GET });
}
