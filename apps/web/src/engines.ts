import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { nativeWasmEngine } from '@vae/native-wasm/engine';
import { adapterInfoOf, adapterLabel, EngineRegistry, tfjsBackendEngine, type EngineDevice, type EngineProbe } from '@vae/train';
import { fusedWebgpuEngine } from '@vae/webgpu';

/** The bit of WebGPU this file touches (`adapter.info` is newer than the @webgpu/types tfjs ships with). */
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<{ info?: Record<string, unknown> } | null>;
}

/** Why WebGPU cannot run here, or the adapter it would run on. Works in a window and in a worker. */
async function probeWebgpu(): Promise<EngineProbe> {
  if (!globalThis.isSecureContext) return { available: false, reason: 'WebGPU needs a secure context (https or localhost)' };
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { available: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  // tfjs asks for the high-performance adapter too, so this is the one it will get.
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { available: false, reason: 'navigator.gpu.requestAdapter() found no adapter' };
  const info = adapterInfoOf(adapter.info);
  return { available: true, device: { kind: 'gpu', software: info.isFallbackAdapter, label: adapterLabel(info), adapter: info } };
}

/** A device on the high-performance adapter (the one `probeWebgpu` describes). */
async function requestWebgpuDevice(): Promise<GPUDevice> {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() found no adapter');
  return adapter.requestDevice();
}

/** Software rasterizers behind WebGL: real WebGL, but slower than WebAssembly. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/** WebGL 2 through an OffscreenCanvas (what tfjs uses in a worker), and the renderer behind it. */
async function probeWebgl(): Promise<EngineProbe> {
  if (typeof OffscreenCanvas === 'undefined') return { available: false, reason: 'no OffscreenCanvas here, so no WebGL in a worker' };
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return { available: false, reason: 'this browser offers no WebGL 2 context (disabled, or no GPU driver)' };
  // Chromium reports the unmasked renderer through RENDERER; others need the debug extension.
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? 'unknown renderer');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { available: true, device: { kind: 'gpu', software: SOFTWARE_RENDERER.test(renderer), label: renderer } };
}

/** WebAssembly with SIMD, on several threads when the page is cross-origin isolated (SharedArrayBuffer). */
/** The thread count `?threads=` asked for (0: tfjs' default), to compare with what tfjs started. */
let wasmThreadsAsked = 0;

async function probeWasm(threads: number): Promise<EngineProbe> {
  wasmThreadsAsked = threads;
  if (threads > 0) setThreadsCount(threads);
  const isolated = globalThis.crossOriginIsolated === true;
  const label = isolated ? 'WebAssembly SIMD, threads' : 'WebAssembly SIMD, 1 thread (the page is not cross-origin isolated)';
  return { available: true, device: { kind: 'cpu', label } };
}

/** The wasm engine's device once tfjs runs it: its thread count, known only then. */
function wasmStartedDevice(device: EngineDevice): EngineDevice {
  const threads = globalThis.crossOriginIsolated ? getThreadsCount() : 0;
  // tfjs 4.22 starts its worker pool but may run XNNPACK on fewer threads than asked (tensorflow/tfjs#8513): say so.
  const short = wasmThreadsAsked > threads ? `; ${wasmThreadsAsked} asked for, tfjs started ${threads} (tensorflow/tfjs#8513)` : '';
  return threads > 0 ? { ...device, label: `WebAssembly SIMD, ${threads} thread${threads === 1 ? '' : 's'}${short}` } : device;
}

/** A backend the worker bundles (registered on import): setBackend resolves false, and logs why, when it fails to start. */
async function startBundled(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error('failed to initialize (see the console)');
}

/**
 * The page's engines, in @vae/train's registry: the same order and explanations as the CLI's.
 * `wasmThreads` > 0 fixes the WebAssembly thread count (1: no threads); 0 lets tfjs use every core.
 */
export function browserEngineRegistry(options: { wasmThreads?: number } = {}): EngineRegistry {
  const threads = options.wasmThreads ?? 0;
  return new EngineRegistry([
    // The fused step on the adapter tfjs would take; wasm (bundled in the worker) evaluates beside it.
    fusedWebgpuEngine({ probe: probeWebgpu, device: requestWebgpuDevice }),
    // The fused C++ step in WebAssembly: what `auto` takes without a hardware GPU.
    nativeWasmEngine(threads > 0 ? { threads } : {}),
    tfjsBackendEngine({ name: 'webgpu', summary: 'TensorFlow.js on WebGPU: the GPU', probe: probeWebgpu, start: () => startBundled('webgpu') }),
    tfjsBackendEngine({ name: 'webgl', summary: 'TensorFlow.js on WebGL 2: the GPU, where WebGPU is missing', probe: probeWebgl, start: () => startBundled('webgl') }),
    tfjsBackendEngine({
      name: 'wasm',
      summary: 'TensorFlow.js on WebAssembly with SIMD (threads when cross-origin isolated)',
      probe: () => probeWasm(options.wasmThreads ?? 0),
      start: () => startBundled('wasm'),
      startedDevice: wasmStartedDevice,
    }),
    tfjsBackendEngine({
      name: 'cpu',
      summary: 'TensorFlow.js in plain JavaScript (slow)',
      probe: async () => ({ available: true, device: { kind: 'cpu', label: 'plain JavaScript' } }),
      start: () => startBundled('cpu'),
    }),
  ]);
}

/** `?backend=` values: `auto` (the default) or an engine of the registry by name. */
export const BACKEND_CHOICES: readonly string[] = ['auto', ...browserEngineRegistry().names];
export type BackendChoice = string;
