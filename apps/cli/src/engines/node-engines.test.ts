import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { isNativeAvailable, nativeLoadError } from '@vae/native';
import { convDescription } from '@vae/model';
import { EngineUnavailableError, type TrainRequest } from '@vae/train';
import { afterAll, describe, expect, it } from 'vitest';
import { runBackends } from '../backends-command.js';
import { importByName, type ImportModule } from './module-loading.js';
import { nodeEngineRegistry, REFERENCE_REQUEST } from './node-engines.js';

// The registry's decisions with each optional package present, absent or broken, faked where the
// CLI loads packages by name (ImportModule); tfjs itself is the real one.

const notInstalled = (specifier: string) => Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/dist/main.js`), { code: 'ERR_MODULE_NOT_FOUND' });

interface World {
  native?: 'real' | 'absent';
  /** The CLI installs @vae/native-wasm; 'absent' (the default here) keeps the other cases about the optional packages. */
  nativeWasm?: 'real' | 'absent';
  tensorflowGpu?: 'cuda' | 'no-cuda' | 'missing-cudnn' | 'absent';
  tensorflowCpu?: 'present' | 'absent';
  webgpu?: { vendor: string; architecture: string; description?: string; isFallbackAdapter?: boolean } | 'no-adapter' | 'absent';
}

/** A fake tfjs-node: importing it registers a 'tensorflow' backend, as the real one does (here a CPU backend saying whether it uses CUDA). */
function fakeTfjsNode(usesGpu: boolean) {
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: usesGpu }));
  return {};
}

function importIn(world: World): ImportModule {
  return async (specifier) => {
    switch (specifier) {
      case '@vae/native/engine':
        if (world.native === 'absent') throw notInstalled(specifier);
        return importByName(specifier);
      case '@vae/native-wasm/engine':
        if ((world.nativeWasm ?? 'absent') === 'absent') throw notInstalled(specifier);
        return importByName(specifier);
      case '@tensorflow/tfjs-node-gpu':
        switch (world.tensorflowGpu ?? 'absent') {
          case 'absent':
            throw notInstalled(specifier);
          case 'missing-cudnn':
            throw new Error('libcudnn.so.8: cannot open shared object file: No such file or directory');
          case 'cuda':
            return fakeTfjsNode(true);
          case 'no-cuda':
            return fakeTfjsNode(false);
        }
        break;
      case '@tensorflow/tfjs-node':
        if ((world.tensorflowCpu ?? 'absent') === 'absent') throw notInstalled(specifier);
        return fakeTfjsNode(false);
      case 'webgpu': {
        const webgpu = world.webgpu ?? 'absent';
        if (webgpu === 'absent') throw notInstalled(specifier);
        const adapter = webgpu === 'no-adapter' ? null : { info: webgpu, features: new Set<string>(), limits: {} };
        return { globals: {}, create: () => ({ requestAdapter: async () => adapter }) };
      }
    }
    return importByName(specifier);
  };
}

const NVIDIA = { vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3080' };
const SWIFTSHADER = { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true };
const nativeName = isNativeAvailable() ? 'native' : 'wasm';
const skipWithoutNative = isNativeAvailable() ? '' : ` (native part skipped: the addon is unavailable: ${nativeLoadError()})`;

async function autoPicks(world: World, request: TrainRequest = REFERENCE_REQUEST) {
  const { candidates, skipped } = await nodeEngineRegistry(importIn(world)).choose('auto', request);
  return { pick: candidates[0]!.definition.name, skipped };
}

describe('auto: which engine it takes', () => {
  afterAll(async () => {
    if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  });

  it('with nothing optional installed: wasm, saying why not the others', async () => {
    const { pick, skipped } = await autoPicks({ native: 'absent' });
    expect(pick).toBe('wasm');
    expect(skipped).toEqual([
      'native: @vae/native/engine is not installed',
      'webgpu-fused: webgpu is not installed',
      'native-wasm: @vae/native-wasm/engine is not installed',
      'tensorflow: @tensorflow/tfjs-node-gpu is not installed; @tensorflow/tfjs-node is not installed',
      'webgpu: webgpu is not installed',
    ]);
  });

  it('with the WebAssembly core the CLI installs: native-wasm, before TensorFlow’s C library and tfjs’ wasm', async () => {
    expect((await autoPicks({ native: 'absent', nativeWasm: 'real', tensorflowCpu: 'present' })).pick).toBe('native-wasm');
    expect((await autoPicks({ native: 'real', nativeWasm: 'real' })).pick).toBe(nativeName === 'native' ? 'native' : 'native-wasm');
  });

  it(`with the native addon built: native${skipWithoutNative}`, async () => {
    expect((await autoPicks({ native: 'real', webgpu: 'no-adapter' })).pick).toBe(nativeName);
  });

  it('a hardware WebGPU adapter comes before the native CPU engine: the fused step on it (tfjs-webgpu only by name)', async () => {
    const { pick } = await autoPicks({ native: 'real', webgpu: NVIDIA });
    expect(pick).toBe('webgpu-fused');
  });

  it('never a software adapter (SwiftShader) over a CPU engine, and it says so', async () => {
    const { pick, skipped } = await autoPicks({ native: 'absent', webgpu: SWIFTSHADER });
    expect(pick).toBe('wasm');
    expect(skipped).toContain(
      'webgpu: google swiftshader (SwiftShader driver 5.0.0), software is a software adapter, slower than any CPU engine (ask for it by name to use it anyway)',
    );
  });

  it('an adapter that reports no fallback flag but is a known software rasterizer counts as software', async () => {
    const { pick } = await autoPicks({ native: 'absent', webgpu: { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } });
    expect(pick).toBe('wasm');
  });

  it('the fused WebGPU step on a hardware adapter comes first of all, then tfjs-node-gpu with a CUDA device', async () => {
    expect((await autoPicks({ native: 'real', webgpu: NVIDIA, tensorflowGpu: 'cuda' })).pick).toBe('webgpu-fused');
    expect((await autoPicks({ native: 'real', webgpu: 'no-adapter', tensorflowGpu: 'cuda' })).pick).toBe('tensorflow');
  });

  it(`tfjs-node-gpu without a CUDA device, or tfjs-node, is a CPU engine: after native${skipWithoutNative}`, async () => {
    expect((await autoPicks({ native: 'real', tensorflowGpu: 'no-cuda' })).pick).toBe(nativeName);
    expect((await autoPicks({ native: 'absent', tensorflowCpu: 'present' })).pick).toBe('tensorflow');
  });

  it.skipIf(!isNativeAvailable())(`a run the native engine cannot train goes to the next engine, with the reason${skipWithoutNative}`, async () => {
    const request = { ...REFERENCE_REQUEST, settings: { ...REFERENCE_REQUEST.settings, reconstruction: 'laplace' as never } };
    const { pick, skipped } = await autoPicks({ native: 'real' }, request);
    expect(pick).toBe('wasm');
    expect(skipped[0]).toBe("native: cannot train this run: the C++ core has no 'laplace' reconstruction term (it has bernoulli, gaussian)");
  });

  it.skipIf(!isNativeAvailable())(`a model with a layer the native engine has no kernel for (conv) goes to the next engine, with the reason${skipWithoutNative}`, async () => {
    const { pick, skipped } = await autoPicks({ native: 'real' }, { ...REFERENCE_REQUEST, model: convDescription() });
    expect(pick).toBe('wasm');
    expect(skipped[0]).toBe('native: cannot train this run: the C++ core has kernels for dense layers only (an MLP VAE): layer "encoder.conv0" is conv2d');
    const error = await nodeEngineRegistry(importIn({ native: 'real' })).resolve('native', { ...REFERENCE_REQUEST, model: convDescription() }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('native cannot train this run: the C++ core has kernels for dense layers only (an MLP VAE): layer "encoder.conv0" is conv2d');
  });
});

describe('asking for an engine by name', () => {
  const resolve = (choice: string, world: World) => nodeEngineRegistry(importIn(world)).resolve(choice, REFERENCE_REQUEST);

  it('tensorflow, not installed: names both packages and how to install them', async () => {
    const error = await resolve('tensorflow', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as Error).message).toMatch(
      /^tensorflow: @tensorflow\/tfjs-node-gpu is not installed; @tensorflow\/tfjs-node is not installed\. Install one into the CLI: `pnpm --filter cli add @tensorflow\/tfjs-node-gpu@4\.22\.0`/,
    );
  });

  it('tensorflow, tfjs-node-gpu installed without cuDNN: names the missing library and the versions it needs', async () => {
    const error = await resolve('tensorflow', { tensorflowGpu: 'missing-cudnn' }).catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      'tensorflow: @tensorflow/tfjs-node-gpu failed to load: CUDA library libcudnn.so.8 is missing (libtensorflow 2.9 needs CUDA 11.2 and cuDNN 8.1 on LD_LIBRARY_PATH); @tensorflow/tfjs-node is not installed.',
    );
  });

  it('webgpu with no adapter: says Dawn found no GPU driver and how to get one (or SwiftShader)', async () => {
    const error = await resolve('webgpu', { webgpu: 'no-adapter' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as Error).message).toMatch(/^webgpu: no WebGPU adapter: Dawn found no GPU with a Vulkan, Metal or Direct3D 12 driver\. .*VK_ICD_FILENAMES=/);
  });

  it('an unknown engine lists the known ones', async () => {
    await expect(resolve('cuda', {})).rejects.toThrow('cuda: unknown engine; known: native, webgpu-fused, native-wasm, tensorflow, webgpu, wasm, cpu');
  });
});

describe('vae backends', () => {
  it('lists every engine with its state and what auto would take', async () => {
    const lines: string[] = [];
    await runBackends((line) => lines.push(line), nodeEngineRegistry(importIn({ native: 'absent', webgpu: SWIFTSHADER })));
    const text = lines.join('\n');
    expect(text).toMatch(/^ {2}native +unavailable @vae\/native\/engine is not installed$/m);
    expect(text).toMatch(/^ {2}webgpu +software +GPU: google swiftshader .*\(auto skips software adapters\)$/m);
    expect(text).toMatch(/^ {2}wasm +available +CPU: WebAssembly SIMD$/m);
    expect(lines.at(-1)).toBe('auto would take: wasm (WebAssembly SIMD)');
  });
});
