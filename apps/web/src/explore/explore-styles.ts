const STYLE_ID = 'explore-styles';

/** The few rules the Explore views need, all under the `explore-` class prefix. */
export const EXPLORE_CSS = `
.explore { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 360px), 1fr)); gap: 1.5rem; }
.explore-section { min-width: 0; }
.explore-section > h2 { margin: 0 0 0.25rem; font-size: 1.15rem; }
.explore-section > .explore-lead { margin: 0 0 0.75rem; color: #555; }
.explore-error { color: #b00020; background: #fdecee; border-left: 3px solid #b00020; padding: 0.4rem 0.6rem; margin: 0 0 0.5rem; }
.explore-status { color: #555; margin: 0.25rem 0; font-size: 0.9rem; }
.explore-row { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-start; }
.explore-toolbar { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.5rem 0; }
.explore-digit { image-rendering: pixelated; background: #000; border: 1px solid #ccc; }
.explore-sliders { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0.15rem 0.75rem; flex: 1; min-width: 12rem; max-height: 18rem; overflow: auto; }
.explore-slider { display: grid; grid-template-columns: 2.2rem 1fr 3rem; align-items: center; gap: 0.3rem; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
.explore-slider input { width: 100%; min-width: 0; }
.explore-picks { display: flex; flex-wrap: wrap; gap: 4px; }
.explore-pick { padding: 0; border: 3px solid transparent; background: #000; cursor: pointer; line-height: 0; }
.explore-pick canvas { image-rendering: pixelated; }
.explore-pick-a { border-color: #1f77b4; }
.explore-pick-b { border-color: #ff7f0e; }
.explore-strip { image-rendering: pixelated; max-width: 100%; margin-top: 0.5rem; }
.explore-draw { background: #000; touch-action: none; cursor: crosshair; border: 1px solid #ccc; max-width: 100%; }
.explore-figure { margin: 0; text-align: center; font-size: 0.85rem; color: #555; }
.explore-scatter { max-width: 100%; }
.explore-legend { list-style: none; margin: 0.25rem 0 0; padding: 0; font-size: 0.85rem; display: flex; flex-wrap: wrap; gap: 0.1rem 0.8rem; }
.explore-legend li { display: flex; align-items: center; gap: 0.35rem; }
.explore-swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%; }
.explore-swatch-marker { background: #fff; border: 2px solid #000; box-sizing: border-box; }
`;

/** Adds the Explore stylesheet to `document` once (later calls find it by id and do nothing). */
export function ensureExploreStyles(document: Document): void {
  if (document.getElementById(STYLE_ID) !== null) return;
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = EXPLORE_CSS;
  document.head.append(style);
}
