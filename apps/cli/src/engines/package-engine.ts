import type { EngineDefinition, EngineProbe } from '@vae/train';
import { loadOptional, type ImportModule } from './module-loading.js';

/** What the registry needs of an engine before its package is loaded: where it sorts, and what to say when the package is missing. */
export interface EngineStub {
  name: string;
  priority: number;
  summary: string;
}

/**
 * An engine defined by a package the CLI loads on first use (`specifier`, e.g. `@vae/native/engine`),
 * so a broken or missing install is a reason in `vae backends`, not a crash at start-up. Once loaded,
 * the package's own definition (`define(module)`) answers everything.
 */
export function packageEngine<M>(importModule: ImportModule, specifier: string, stub: EngineStub, define: (module: M) => EngineDefinition): EngineDefinition {
  let loaded: EngineDefinition | undefined;
  return {
    name: stub.name,
    priority: stub.priority,
    get summary() {
      return loaded?.summary ?? stub.summary;
    },
    get howToGet() {
      return loaded?.howToGet;
    },
    async probe(): Promise<EngineProbe> {
      const module = await loadOptional<M>(importModule, specifier);
      if (!module.ok) return { available: false, reason: module.reason };
      loaded = define(module.module);
      if (loaded.name !== stub.name) throw new Error(`${specifier} defines engine '${loaded.name}', expected '${stub.name}'`);
      return loaded.probe();
    },
    supports: (request) => loaded?.supports(request) ?? 'not probed',
    activate(device) {
      if (!loaded) throw new Error('activate() before a successful probe()');
      return loaded.activate(device);
    },
  };
}
