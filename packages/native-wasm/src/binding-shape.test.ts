// The wasm binding has the addon's shape: an init for it is an init for the addon, and its trainer
// handle is the addon's handle (so an engine drives either with the same code). Checked by tsc
// (pnpm typecheck) and by vitest's type assertions.
import type { NativeTrainerHandle, NativeTrainerInit } from '@vae/native';
import { describe, expectTypeOf, it } from 'vitest';
import type { WasmTrainerHandle, WasmTrainerInit } from './types.js';

describe('the binding’s shape', () => {
  it('takes what the addon takes and gives what it gives', () => {
    expectTypeOf<WasmTrainerInit>().toExtend<NativeTrainerInit>();
    expectTypeOf<WasmTrainerHandle>().toExtend<NativeTrainerHandle>();
  });
});
