// The wasm binding has the addon's shape: an init the addon takes (the description's layer lists)
// is one it takes, but for the addon's `blas` schedule, and its trainer handle is the addon's handle
// (so an engine drives either with the same code). Checked by tsc
// (pnpm typecheck) and by vitest's type assertions.
import type { NativeTrainerHandle, NativeTrainerInit } from '@vae/native';
import { describe, expectTypeOf, it } from 'vitest';
import type { WasmParallel, WasmTrainerHandle, WasmTrainerInit } from './types.js';

describe('the binding’s shape', () => {
  it('takes what the addon takes (but blas) and gives what it gives', () => {
    expectTypeOf<Omit<NativeTrainerInit, 'parallel'> & { parallel: WasmParallel }>().toExtend<WasmTrainerInit>();
    expectTypeOf<WasmTrainerHandle>().toExtend<NativeTrainerHandle>();
  });
});
