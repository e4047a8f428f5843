import type { RunSummary } from '../server/run-listing.js';

/** One row of the runs table, as text. */
export interface RunRow {
  name: string;
  created: string;
  epochs: string;
  testLoss: string;
  details: string;
  /** Why the run cannot be opened, if it cannot (the Open button still asks, to show the server's reason). */
  note: string;
}

/** The table's rows, in the server's order (newest first). */
export function runRows(runs: readonly RunSummary[]): RunRow[] {
  return runs.map((run) => ({
    name: run.name,
    created: run.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    epochs: run.epochs === null ? String(run.epochsDone) : `${run.epochsDone}/${run.epochs}`,
    testLoss: run.finalTestLoss === null ? '–' : run.finalTestLoss.toFixed(2),
    details: [run.backend, run.latentDim === null ? null : `z ${run.latentDim}`, run.data?.source].filter(Boolean).join(' · '),
    note: run.error ?? (run.hasModel ? '' : 'no model yet (unfinished run)'),
  }));
}

/** Fetches the dev server's run list into `container`; a static build (no `/api/runs`) says where models come from instead. */
export async function renderRunList(container: HTMLElement, open: (name: string) => Promise<void>): Promise<void> {
  let runs: RunSummary[];
  try {
    const response = await fetch('api/runs');
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) throw new Error(`HTTP ${response.status}`);
    runs = (await response.json()) as RunSummary[];
  } catch {
    container.innerHTML = '<p class="muted">The list of CLI runs comes from the dev server (<code>pnpm --filter web dev</code>). Here, drop a run\'s <code>model/</code> folder (or its two files) on the page to open it.</p>';
    return;
  }
  if (runs.length === 0) {
    container.innerHTML = '<p class="muted">No CLI runs found yet. Train one with <code>pnpm --filter cli train</code> (or set <code>VAE_RUNS_DIR</code> for the dev server), then reload.</p>';
    return;
  }
  const table = document.createElement('table');
  table.innerHTML = '<thead><tr><th>Run</th><th>Created</th><th>Epochs</th><th>Test loss</th><th></th><th></th></tr></thead>';
  const body = table.createTBody();
  for (const row of runRows(runs)) {
    const tr = body.insertRow();
    for (const text of [row.name, row.created, row.epochs, row.testLoss, row.details || row.note]) tr.insertCell().textContent = text;
    if (row.note && row.details) tr.cells[4]!.textContent = `${row.details} · ${row.note}`;
    const openButton = Object.assign(document.createElement('button'), { textContent: 'Open', title: row.note || `open runs/${row.name}/model` });
    openButton.dataset.testid = `open-run-${row.name}`;
    openButton.addEventListener('click', () => void open(row.name));
    tr.insertCell().append(openButton);
  }
  container.replaceChildren(table);
}
