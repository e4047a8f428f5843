import type { ModelClient, ModelInfo } from '../model-client.js';
import type { ReplyValue, RequestType, WorkerEvent, WorkerMessage, WorkerRequest } from './protocol.js';

/** The part of `Worker` the client uses (a MessagePort serves in tests). */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerMessage>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  terminate?(): void;
}

/** Thrown for requests still waiting when the worker goes away. */
export class WorkerGoneError extends Error {}

/**
 * The page's end of the training worker: `request` sends one request and resolves with its reply
 * (or rejects with the worker's message); unasked events go to `onEvent`.
 */
export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private gone: string | undefined;

  constructor(
    private readonly worker: WorkerLike,
    private readonly onEvent: (event: WorkerEvent) => void,
  ) {
    worker.addEventListener('message', (message: MessageEvent<WorkerMessage>) => this.receive(message.data));
    // A worker that fails to load or throws at the top level: every waiting request learns why.
    worker.addEventListener('error', (event: ErrorEvent) => this.fail(`the training worker failed: ${event.message || 'it could not be loaded'}`));
  }

  request<T extends RequestType>(request: Extract<WorkerRequest, { type: T }>, transfer: Transferable[] = []): Promise<ReplyValue[T]> {
    if (this.gone) return Promise.reject(new WorkerGoneError(this.gone));
    const id = this.nextId++;
    return new Promise<ReplyValue[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  /** Ends the worker; waiting requests reject. */
  terminate(reason = 'the training worker was restarted'): void {
    this.worker.terminate?.();
    this.fail(reason);
  }

  /** The open model as the views see it: decode and encode through this worker. */
  modelClient(info: ModelInfo): ModelClient {
    return {
      info,
      decode: (z, count) => this.request({ type: 'decode', z, count }),
      encode: (pixels, count) => this.request({ type: 'encode', pixels, count }),
    };
  }

  private receive(message: WorkerMessage): void {
    if (message.type === 'event') {
      this.onEvent(message.event);
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(new Error(message.error));
  }

  private fail(reason: string): void {
    this.gone = reason;
    for (const { reject } of this.pending.values()) reject(new WorkerGoneError(reason));
    this.pending.clear();
  }
}
