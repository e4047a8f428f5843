import type { ModelDescription } from '@vae/model';
import type { TrainSettings } from './checkpoint.js';
import { EngineUnavailableError } from './errors.js';
import type { StepEngineFactory } from './step-engine.js';

/** What a run asks of an engine: the model and the settings that shape its training. */
export interface TrainRequest {
  /** The model to train (`Vae.description`): an engine without a kernel for one of its layers declines. */
  model: ModelDescription;
  settings: Pick<TrainSettings, 'batchSize' | 'normalization' | 'reconstruction' | 'beta'>;
}

/** `true`, or why not: one line a user can act on. */
export type Support = true | string;

/**
 * `auto`'s order, in one place for every app: within each tier (hardware GPUs, then CPU engines)
 * higher goes first. The fused WebGPU step (`@vae/webgpu`) first, then tfjs-node-gpu on CUDA, then
 * tfjs' WebGPU, then WebGL (browsers); among CPU engines the fused native step, then the same step
 * compiled to WebAssembly, then TensorFlow's C library, then tfjs on WebAssembly, then plain JavaScript.
 */
export const ENGINE_PRIORITY = Object.freeze({ 'webgpu-fused': 80, native: 90, 'native-wasm': 70, tensorflow: 60, webgpu: 50, webgl: 45, wasm: 40, cpu: 10 });

/** A WebGPU adapter, as `GPUAdapter.info` describes it. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasterizer (e.g. SwiftShader): real WebGPU, but slower than the CPU engines. */
  isFallbackAdapter: boolean;
}

/** Where an engine computes. */
export interface EngineDevice {
  kind: 'gpu' | 'cpu';
  /** A GPU emulated on the CPU: `auto` never takes it (any CPU engine is faster). */
  software?: boolean;
  /** One line for the user, e.g. "nvidia ampere (Vulkan)" or "OpenBLAS Haswell, 2 threads". */
  label: string;
  adapter?: AdapterInfo;
}

export type EngineProbe = { available: true; device: EngineDevice } | { available: false; reason: string };

/** An engine made current: the tfjs backend is set, the steps run on `stepEngine`. */
export interface ActiveEngine {
  name: string;
  device: EngineDevice;
  /** The tfjs backend now active: evaluation, sampling and saving run on it. */
  backend: string;
  /** Runs the training steps: give it to `train({ engine })`. */
  stepEngine: StepEngineFactory;
}

/**
 * One way to train, as an app registers it: how to find it (`probe`), what it can train
 * (`supports`) and how to make it current (`activate`). Loading packages and finding devices is the
 * app's business (Node and browsers do it differently); the order and the explanations are the
 * registry's.
 */
export interface EngineDefinition {
  /** As the user names it, e.g. `--backend webgpu`. */
  name: string;
  /** `auto` tries higher first: hardware GPUs before CPU engines, by priority within each. */
  priority: number;
  /** One line: what it is. */
  summary: string;
  /** Loads what the engine needs and looks for its device; never throws (a failure is a reason). Called once per registry. */
  probe(): Promise<EngineProbe>;
  /** Whether this engine trains `request` exactly as specified (else the reason: it never trains another model). */
  supports(request: TrainRequest): Support;
  /** Makes the engine current, after a successful probe. A rejection is taken as a reason to move on. */
  activate(device: EngineDevice): Promise<ActiveEngine>;
  /** How to get the engine when it is unavailable, e.g. what to install (one sentence). */
  howToGet?: string;
}

/** What `survey` says of one engine. */
export interface EngineStatus {
  name: string;
  priority: number;
  summary: string;
  probe: EngineProbe;
  /** Whether it can train the request (checked only for available engines; null otherwise). */
  supports: Support | null;
  howToGet?: string;
}

/** What `choose` decided: the engines to try in order, and why every other one was passed over. */
export interface EngineChoice {
  candidates: { definition: EngineDefinition; device: EngineDevice }[];
  /** `name: reason`, in priority order. */
  skipped: string[];
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/**
 * The engines an app knows, in one place. `auto` takes the first that is available here and
 * supports the run, in this order: a hardware GPU, then CPU engines, each tier by priority; a
 * software GPU adapter is taken only when asked for by name. Every refusal keeps its reason, so
 * the choice can always be explained (`survey`, and the messages of `resolve`).
 * After onnxruntime-web's `resolveBackend`.
 */
export class EngineRegistry {
  private readonly entries: EngineDefinition[] = [];
  private readonly probes = new Map<string, Promise<EngineProbe>>();

  constructor(definitions: Iterable<EngineDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: EngineDefinition): this {
    if (this.entries.some((e) => e.name === definition.name)) throw new Error(`engine '${definition.name}' is registered twice`);
    this.entries.push(definition);
    this.entries.sort((a, b) => b.priority - a.priority);
    return this;
  }

  /** Every engine, highest priority first. */
  get definitions(): readonly EngineDefinition[] {
    return this.entries;
  }

  get names(): string[] {
    return this.entries.map((e) => e.name);
  }

  private definition(name: string): EngineDefinition {
    const found = this.entries.find((e) => e.name === name);
    if (!found) throw new EngineUnavailableError(`${name}: unknown engine; known: ${this.names.join(', ')}`);
    return found;
  }

  /** The engine's probe, run once and remembered. */
  probe(name: string): Promise<EngineProbe> {
    let probe = this.probes.get(name);
    if (!probe) {
      const definition = this.definition(name);
      probe = definition.probe().catch((error: unknown): EngineProbe => ({ available: false, reason: firstLine(error) }));
      this.probes.set(name, probe);
    }
    return probe;
  }

  /** Every engine: whether it is available here, why not, and whether it supports `request`. */
  async survey(request: TrainRequest): Promise<EngineStatus[]> {
    return Promise.all(
      this.entries.map(async (definition) => {
        const probe = await this.probe(definition.name);
        return {
          name: definition.name,
          priority: definition.priority,
          summary: definition.summary,
          probe,
          supports: probe.available ? definition.supports(request) : null,
          ...(definition.howToGet ? { howToGet: definition.howToGet } : {}),
        };
      }),
    );
  }

  /**
   * The engines to try for `choice` (`auto` or an engine's name), best first, without activating
   * any. A named engine that is unavailable or declines the run throws `EngineUnavailableError`
   * saying why and how to get it.
   */
  async choose(choice: string, request: TrainRequest): Promise<EngineChoice> {
    if (choice !== 'auto') {
      const definition = this.definition(choice);
      const probe = await this.probe(choice);
      if (!probe.available) throw new EngineUnavailableError(`${choice}: ${probe.reason}.${definition.howToGet ? ` ${definition.howToGet}` : ''}`);
      const support = definition.supports(request);
      if (support !== true) throw new EngineUnavailableError(`${choice} cannot train this run: ${support}`);
      return { candidates: [{ definition, device: probe.device }], skipped: [] };
    }
    const statuses = await this.survey(request);
    const skipped: string[] = [];
    const hardwareGpu: EngineChoice['candidates'] = [];
    const cpu: EngineChoice['candidates'] = [];
    for (const status of statuses) {
      const definition = this.definition(status.name);
      if (!status.probe.available) skipped.push(`${status.name}: ${status.probe.reason}`);
      else if (status.supports !== true) skipped.push(`${status.name}: cannot train this run: ${status.supports}`);
      else if (status.probe.device.software) {
        skipped.push(`${status.name}: ${status.probe.device.label} is a software adapter, slower than any CPU engine (ask for it by name to use it anyway)`);
      } else (status.probe.device.kind === 'gpu' ? hardwareGpu : cpu).push({ definition, device: status.probe.device });
    }
    return { candidates: [...hardwareGpu, ...cpu], skipped };
  }

  /**
   * Chooses (see `choose`) and activates the first candidate that starts; one that fails to start
   * is skipped with its reason. `skipped` lists, in order, why each better engine was not taken.
   */
  async resolve(choice: string, request: TrainRequest): Promise<{ engine: ActiveEngine; skipped: string[] }> {
    const { candidates, skipped } = await this.choose(choice, request);
    for (const { definition, device } of candidates) {
      try {
        return { engine: await definition.activate(device), skipped };
      } catch (error) {
        if (choice !== 'auto') throw new EngineUnavailableError(`${definition.name}: failed to start: ${firstLine(error)}`);
        skipped.push(`${definition.name}: failed to start: ${firstLine(error)}`);
      }
    }
    throw new EngineUnavailableError(`no engine can train this run here (${skipped.join('; ')})`);
  }
}
