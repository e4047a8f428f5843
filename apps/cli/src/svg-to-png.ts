import { Resvg } from '@resvg/resvg-js';

export interface SvgToPngOptions {
  /** Output pixels per SVG px (2 for a sharper picture). Default 1. */
  scale?: number;
  /**
   * The family that stands for every generic name (`sans-serif`, …) and for families that are not
   * installed. Default: Helvetica on macOS, Arial on Windows, DejaVu Sans elsewhere (Debian's
   * fonts-dejavu-core, there wherever fontconfig is). When it is missing too, resvg takes the first
   * font it loaded.
   */
  fontFamily?: string;
  /** Font files to load besides the system's (e.g. a TTF a project ships). */
  fontFiles?: readonly string[];
  /** Load the system's fonts. Default true. */
  loadSystemFonts?: boolean;
}

const WHERE = 'svgToPng';

function defaultFontFamily(): string {
  if (process.platform === 'darwin') return 'Helvetica';
  if (process.platform === 'win32') return 'Arial';
  return 'DejaVu Sans';
}

/**
 * Rasterizes a standalone SVG document (e.g. `latentScatterSvg`'s) to PNG bytes with resvg, at its
 * own size times `scale`. Text is drawn with the system's fonts; where there are none at all (a bare
 * container) the shapes are still drawn and the text is left out, silently: resvg's log is off.
 */
export function svgToPng(svg: string, options: SvgToPngOptions = {}): Uint8Array {
  const { scale = 1, fontFamily = defaultFontFamily(), fontFiles = [], loadSystemFonts = true } = options;
  if (typeof svg !== 'string') throw new TypeError(`${WHERE}: svg must be a string, got ${typeof svg}`);
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`${WHERE}: options.scale must be a positive number, got ${String(scale)}`);
  }
  const resvg = new Resvg(svg, {
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    font: { loadSystemFonts, fontFiles: [...fontFiles], defaultFontFamily: fontFamily },
    logLevel: 'off',
  });
  return resvg.render().asPng();
}
