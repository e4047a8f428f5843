const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Escapes text for use in XML character data or a double- or single-quoted attribute.
 * Characters XML 1.0 forbids outright (C0 controls other than tab, LF, CR; lone surrogates)
 * are replaced with U+FFFD so the document stays well-formed.
 */
export function escapeXml(text: string): string {
  return String(text)
    .replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
