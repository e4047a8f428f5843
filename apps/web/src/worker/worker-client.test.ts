import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestMessage, WorkerEvent, WorkerMessage } from './protocol.js';
import { WorkerClient, WorkerGoneError, type WorkerLike } from './worker-client.js';

/** A MessagePort dressed as a Worker, and the worker's end to answer from. */
function channel(): { worker: WorkerLike & { failLoading(message: string): void }; far: MessagePort; close(): void } {
  const { port1, port2 } = new MessageChannel();
  const errorListeners: Array<(e: ErrorEvent) => void> = [];
  const worker = {
    postMessage: (message: unknown, transfer: Transferable[]) => port1.postMessage(message, transfer as never),
    addEventListener: (type: string, listener: (event: never) => void) => {
      if (type === 'message') port1.on('message', (data) => listener({ data } as never));
      else errorListeners.push(listener as never);
    },
    terminate: () => port1.close(),
    failLoading: (message: string) => errorListeners.forEach((l) => l({ message } as ErrorEvent)),
  };
  return { worker, far: port2, close: () => (port1.close(), port2.close()) };
}

let close = () => {};
afterEach(() => close());

describe('WorkerClient: the page end of the worker protocol', () => {
  it('matches replies to requests by id, whatever order they come back in, and passes events on', async () => {
    const c = channel();
    close = c.close;
    const events: WorkerEvent[] = [];
    const client = new WorkerClient(c.worker, (e) => events.push(e));
    const asked: RequestMessage[] = [];
    c.far.on('message', (request: RequestMessage) => {
      asked.push(request);
      if (asked.length < 2) return;
      // Answer the second first, with an event in between.
      const [first, second] = asked as [RequestMessage & { type: 'decode' }, RequestMessage & { type: 'decode' }];
      const reply = (r: typeof first): WorkerMessage => ({ type: 'reply', id: r.id, ok: true, value: Float32Array.from(r.z, (v) => v * 2) });
      c.far.postMessage(reply(second));
      c.far.postMessage({ type: 'event', event: { type: 'status', status: 'training' } } satisfies WorkerMessage);
      c.far.postMessage(reply(first));
    });
    const a = client.request({ type: 'decode', z: new Float32Array([1, 2]), count: 1 });
    const b = client.request({ type: 'decode', z: new Float32Array([3, 4]), count: 1 });
    expect([...(await a)]).toEqual([2, 4]);
    expect([...(await b)]).toEqual([6, 8]);
    expect(asked.map((r) => r.id)).toEqual([1, 2]);
    expect(events).toEqual([{ type: 'status', status: 'training' }]);
  });

  it("rejects with the worker's message when a request fails", async () => {
    const c = channel();
    close = c.close;
    const client = new WorkerClient(c.worker, () => {});
    c.far.on('message', (r: RequestMessage) => c.far.postMessage({ type: 'reply', id: r.id, ok: false, error: 'no model is open' } satisfies WorkerMessage));
    await expect(client.request({ type: 'save-model' })).rejects.toThrow('no model is open');
  });

  it('a worker that fails to load, or is restarted, rejects what waits and refuses what comes', async () => {
    const c = channel();
    close = c.close;
    const client = new WorkerClient(c.worker, () => {});
    const waiting = client.request({ type: 'pause' });
    c.worker.failLoading('SyntaxError in training-worker.js');
    await expect(waiting).rejects.toThrow(/the training worker failed: SyntaxError/);
    await expect(client.request({ type: 'pause' })).rejects.toBeInstanceOf(WorkerGoneError);

    const d = channel();
    const restarted = new WorkerClient(d.worker, () => {});
    const pending = restarted.request({ type: 'stop' });
    restarted.terminate();
    await expect(pending).rejects.toThrow('the training worker was restarted');
    d.close();
  });

  it('modelClient sends decode and encode to the worker', async () => {
    const c = channel();
    close = c.close;
    const client = new WorkerClient(c.worker, () => {});
    c.far.on('message', (r: RequestMessage) => {
      const value = r.type === 'encode' ? { mu: new Float32Array([r.count]), logVar: new Float32Array([0]) } : new Float32Array(4);
      c.far.postMessage({ type: 'reply', id: r.id, ok: true, value } satisfies WorkerMessage);
    });
    const model = client.modelClient({ latentDim: 1, inputDim: 4, side: 2, image: { height: 2, width: 2, channels: 1 }, normalization: 'unit', source: 'test' });
    expect((await model.encode(new Uint8Array(8), 2)).mu[0]).toBe(2);
    expect((await model.decode(new Float32Array(1), 1)).length).toBe(4);
  });
});
