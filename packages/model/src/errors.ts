/**
 * A saved model (`model.json` + `weights.bin`, or the same two in memory) that cannot be loaded:
 * missing, unreadable, corrupt, of another format or shape, or holding NaN/Infinity. The message is
 * one line that starts with the file and says what to do.
 */
export class ModelFileError extends Error {
  override name = 'ModelFileError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
