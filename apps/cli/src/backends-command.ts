import type { EngineRegistry, EngineStatus, TrainRequest } from '@vae/train';
import { nodeEngineRegistry, REFERENCE_REQUEST } from './engines/node-engines.js';

function statusWord(status: EngineStatus): string {
  if (!status.probe.available) return 'unavailable';
  if (status.supports !== true) return 'declines';
  return status.probe.device.software ? 'software' : 'available';
}

/**
 * `vae backends`: every engine the CLI knows, in the order `auto` considers them, whether it is
 * available here and on what, why not, and what `auto` would take for the reference run.
 */
export async function runBackends(out: (line: string) => void, registry: EngineRegistry = nodeEngineRegistry(), request: TrainRequest = REFERENCE_REQUEST): Promise<void> {
  const statuses = await registry.survey(request);
  const { candidates } = await registry.choose('auto', request);
  const width = Math.max(...statuses.map((s) => s.name.length));
  out('Engines (--backend), highest priority first; auto takes a hardware GPU first, then the CPU engines:');
  for (const status of statuses) {
    const word = statusWord(status).padEnd(11);
    const detail = !status.probe.available
      ? status.probe.reason
      : status.supports !== true
        ? `cannot train the reference model: ${status.supports}`
        : `${status.probe.device.kind === 'gpu' ? 'GPU' : 'CPU'}: ${status.probe.device.label}${status.probe.device.software ? ' (auto skips software adapters)' : ''}`;
    out(`  ${status.name.padEnd(width)}  ${word} ${detail}`);
    if (!status.probe.available && status.howToGet) out(`  ${' '.repeat(width)}  ${' '.repeat(11)} ${status.howToGet}`);
  }
  const pick = candidates[0];
  out(pick ? `auto would take: ${pick.definition.name} (${pick.device.label})` : 'auto would find no engine for the reference model here');
}
