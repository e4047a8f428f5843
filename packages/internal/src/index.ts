export { brief } from './brief.js';
export { isRecord } from './is-record.js';
export { checkPositiveInteger, isPositiveInteger } from './positive-integer.js';
export { RUN_LAYOUT, SWEEP_LAYOUT } from './run-layout.js';
