import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignedLossData, type LossSeries } from './chart-data.js';

/**
 * The live loss chart (uPlot: drag to zoom, double-click to reset, values under the cursor in the
 * legend). Loss per image in nats against epochs.
 */
export class LossChart {
  private readonly plot: uPlot;

  constructor(container: HTMLElement) {
    const width = Math.max(320, Math.min(container.clientWidth || 720, 960));
    this.plot = new uPlot(
      {
        width,
        height: 300,
        scales: { x: { time: false } },
        axes: [{ label: 'epoch' }, { label: 'loss (nats / image)', size: 60 }],
        series: [
          { label: 'epoch', value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
          { label: 'batch (running mean)', stroke: '#9aa5b1', width: 1, spanGaps: true, points: { show: false } },
          { label: 'train', stroke: '#1f77b4', width: 2, spanGaps: true, points: { size: 6 } },
          { label: 'test', stroke: '#d62728', width: 2, spanGaps: true, points: { size: 6 } },
        ],
        legend: { live: true },
        cursor: { drag: { x: true, y: true } },
      },
      alignedLossData({ batch: [], train: [], test: [] }) as uPlot.AlignedData,
      container,
    );
  }

  update(series: LossSeries): void {
    this.plot.setData(alignedLossData(series) as uPlot.AlignedData);
  }

  dispose(): void {
    this.plot.destroy();
  }
}
