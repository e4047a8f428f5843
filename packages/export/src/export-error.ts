/**
 * A model that an export format, as this exporter writes it, cannot express: a layer kind or an
 * activation it does not know, or weights that do not match the layers. One line naming the layer
 * and what to do. Thrown before any file is written: an export never loads and computes something else.
 */
export class ExportError extends Error {
  override name = 'ExportError';
}
