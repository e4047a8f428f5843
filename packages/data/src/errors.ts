/**
 * The one error type of this package: a data file (or a download of one) is missing, corrupt or
 * not what was expected. Messages start with the file, directory or URL concerned and say what was
 * expected and what was found, so a user can act on them without reading the source.
 */
export class DataError extends Error {
  override name = 'DataError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
