// WebGPU in Node for the tests: Dawn (the `webgpu` package) on SwiftShader's Vulkan driver, a CPU
// adapter every machine with Chromium's SwiftShader and the Vulkan loader has.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const VULKAN_LOADERS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1'];

/** Null when SwiftShader can run here, else why not and what to install. */
export function swiftShaderMissing(): string | null {
  if (!existsSync(SWIFTSHADER_ICD)) return `no SwiftShader Vulkan driver at ${SWIFTSHADER_ICD} (apt-get install libvulkan1 chromium)`;
  if (!VULKAN_LOADERS.some((path) => existsSync(path))) return 'no Vulkan loader libvulkan.so.1 (apt-get install libvulkan1 chromium)';
  return null;
}

// Dawn's instance must outlive its adapters and devices: once collected, their pending work never completes.
let gpu: GPU | undefined;

/**
 * A device on SwiftShader, with Dawn's WebGPU globals (GPUBufferUsage, …) and `navigator.gpu`
 * installed as a browser has them (tfjs' WebGPU backend reads them).
 */
export async function swiftShaderDevice(): Promise<{ adapter: GPUAdapter; device: GPUDevice }> {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  gpu ??= create([]) as GPU;
  for (const [name, value] of Object.entries(globals as Record<string, unknown>)) if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error(`Dawn found no adapter with VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`);
  const limits = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'] as const;
  const requiredLimits = Object.fromEntries(limits.map((k) => [k, adapter.limits[k]]));
  const device = await adapter.requestDevice({ requiredLimits });
  device.addEventListener('uncapturederror', (event) => console.error(`webgpu: ${(event as GPUUncapturedErrorEvent).error.message}`));
  return { adapter, device };
}
