import type { AdapterInfo } from './engine-registry.js';

/** Software rasterizers that present themselves as GPUs (Chromium's SwiftShader, Mesa's llvmpipe/lavapipe, Windows' WARP). */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|\bwarp\b|microsoft basic render/i;

/**
 * A WebGPU adapter's `info` (browsers and Dawn alike) as plain data. An adapter is taken as software
 * when it says so (`isFallbackAdapter`) or is a known software rasterizer: older implementations
 * lack the flag.
 */
export function adapterInfoOf(info: Partial<Record<keyof AdapterInfo, unknown>> | undefined): AdapterInfo {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const fields = { vendor: text(info?.vendor), architecture: text(info?.architecture), device: text(info?.device), description: text(info?.description) };
  return { ...fields, isFallbackAdapter: info?.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(Object.values(fields).join(' ')) };
}

/** One line for the user, e.g. `nvidia ampere (NVIDIA GeForce RTX 3080)` or `google swiftshader (SwiftShader driver 5.0.0), software`. */
export function adapterLabel(info: AdapterInfo): string {
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  return `${name}${info.description ? ` (${info.description})` : ''}${info.isFallbackAdapter ? ', software' : ''}`;
}
