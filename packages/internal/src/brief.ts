/** A value as a short piece of one line (at most 60 characters), for messages about what a file holds. */
export function brief(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = '(unprintable)';
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
