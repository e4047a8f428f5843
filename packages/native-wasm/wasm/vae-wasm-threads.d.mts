// Emscripten's factory (src/module.ts types the instance it resolves to).
declare const createVaeWasm: (settings?: Record<string, unknown>) => Promise<any>;
export default createVaeWasm;
export function provideNodeRequire(nodeRequire: unknown, directory: string): void;
