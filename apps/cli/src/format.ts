/** `14,000`: a count or rate with thousands separators and no decimals. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A loss in nats per image, two decimals (`111.86`). */
export function formatLoss(n: number): string {
  return n.toFixed(2);
}

/** Seconds with one decimal below a minute, else `4m 05s`. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

/** `2026-11-25T12-30-07`: a local timestamp usable as a directory name. */
export function timestampName(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}-${p(date.getMinutes())}-${p(date.getSeconds())}`;
}
