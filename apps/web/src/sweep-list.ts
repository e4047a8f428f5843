import type { SweepSummary } from '../server/sweep-listing.js';

/** One row of the sweeps table, as text. */
export interface SweepRow {
  name: string;
  created: string;
  /** `6/8 runs finished`. */
  progress: string;
  /** `beta-0.5, beta-1 × seeds 1–5`. */
  grid: string;
  note: string;
}

/** `1–5` for consecutive seeds, else `1, 3, 7`. */
function seedList(seeds: readonly number[]): string {
  if (seeds.length > 2 && seeds.every((s, i) => i === 0 || s === seeds[i - 1]! + 1)) return `${seeds[0]}–${seeds.at(-1)}`;
  return seeds.join(', ');
}

/** The table's rows, in the server's order (newest first). */
export function sweepRows(sweeps: readonly SweepSummary[]): SweepRow[] {
  return sweeps.map((s) => ({
    name: s.name,
    created: s.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    progress: `${s.finished}/${s.runs} runs finished`,
    grid: `${s.configurations.length} configuration${s.configurations.length === 1 ? '' : 's'} (${s.configurations.slice(0, 4).join(', ')}${s.configurations.length > 4 ? ', …' : ''}) × seed${s.seeds.length === 1 ? '' : 's'} ${seedList(s.seeds)}`,
    note: s.error ?? (s.hasReport ? `report: sweeps/${s.name}/report/summary.md` : 'no report yet: vae sweep report'),
  }));
}

/** Fetches the dev server's sweep list into `container` (nothing on a static build, or when there are none). */
export async function renderSweepList(container: HTMLElement): Promise<void> {
  let sweeps: SweepSummary[];
  try {
    const response = await fetch('api/sweeps');
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) throw new Error(`HTTP ${response.status}`);
    sweeps = (await response.json()) as SweepSummary[];
  } catch {
    container.replaceChildren();
    return;
  }
  if (sweeps.length === 0) {
    container.replaceChildren();
    return;
  }
  const table = document.createElement('table');
  table.innerHTML = '<thead><tr><th>Sweep</th><th>Created</th><th>Runs</th><th>Grid</th><th></th></tr></thead>';
  const body = table.createTBody();
  for (const row of sweepRows(sweeps)) {
    const tr = body.insertRow();
    for (const text of [row.name, row.created, row.progress, row.grid, row.note]) tr.insertCell().textContent = text;
  }
  const heading = Object.assign(document.createElement('h3'), { textContent: 'Sweeps (vae sweep): their runs are in sweeps/<name>/runs/' });
  container.replaceChildren(heading, table);
}
