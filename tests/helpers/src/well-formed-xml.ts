/**
 * Test helper (not published): a small, dependency-free XML 1.0 well-formedness check,
 * enough for the SVG this package writes. Throws an Error naming the first problem and its
 * offset; returns the root element's name.
 *
 * Checks: one root element; tags balance and nest; names are well-formed; attributes are
 * quoted, unique per element, and free of `<`; every `&` starts a known or numeric entity;
 * comments, CDATA, and an XML declaration before the root are skipped over.
 */
export function assertWellFormedXml(xml: string): string {
  const NAME = /^[A-Za-z_:][\w:.-]*/;
  const ENTITY = /^&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/;
  const stack: string[] = [];
  let root: string | undefined;
  let i = 0;

  const fail = (message: string): never => {
    throw new Error(`not well-formed XML at offset ${i}: ${message} (near ${JSON.stringify(xml.slice(i, i + 40))})`);
  };
  const checkEntities = (text: string, where: string): void => {
    for (let j = text.indexOf('&'); j !== -1; j = text.indexOf('&', j + 1)) {
      if (!ENTITY.test(text.slice(j))) fail(`bare '&' in ${where}`);
    }
  };

  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end === -1) fail('unterminated XML declaration');
    i = end + 2;
  }

  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    if (stack.length === 0 && text.trim() !== '') fail('text outside the root element');
    if (text.includes(']]>')) fail("']]>' in text");
    checkEntities(text, 'text');
    if (lt === -1) break;
    i = lt;

    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end === -1) fail('unterminated comment');
      if (xml.slice(i + 4, end).includes('--')) fail("'--' inside a comment");
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) fail('CDATA outside the root element');
      const end = xml.indexOf(']]>', i);
      if (end === -1) fail('unterminated CDATA section');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('</', i)) {
      const name = NAME.exec(xml.slice(i + 2))?.[0] ?? fail('bad end-tag name');
      const open = stack.pop();
      if (open !== name) fail(open === undefined ? `</${name}> closes nothing` : `</${name}> closes <${open}>`);
      i += 2 + name.length;
      while (/\s/.test(xml[i] ?? '')) i++;
      if (xml[i] !== '>') fail(`expected '>' to end </${name}>`);
      i++;
      continue;
    }

    const name = NAME.exec(xml.slice(i + 1))?.[0] ?? fail('bad start-tag name');
    if (stack.length === 0) {
      if (root !== undefined) fail(`second root element <${name}>`);
      root = name;
    }
    i += 1 + name.length;
    const seen = new Set<string>();
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0].length;
      i += ws;
      if (xml.startsWith('/>', i)) {
        i += 2;
        break;
      }
      if (xml[i] === '>') {
        i++;
        stack.push(name);
        break;
      }
      if (ws === 0) fail(`expected whitespace, '>' or '/>' in <${name}>`);
      const attr = NAME.exec(xml.slice(i))?.[0] ?? fail(`bad attribute name in <${name}>`);
      if (seen.has(attr)) fail(`duplicate attribute ${attr} in <${name}>`);
      seen.add(attr);
      i += attr.length;
      const eq = /^\s*=\s*/.exec(xml.slice(i))?.[0] ?? fail(`expected '=' after ${attr}`);
      i += eq.length;
      const quote = xml[i];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attr} is not quoted`);
      const end = xml.indexOf(quote!, i + 1);
      if (end === -1) fail(`unterminated value of ${attr}`);
      const value = xml.slice(i + 1, end);
      if (value.includes('<')) fail(`'<' in the value of ${attr}`);
      checkEntities(value, `the value of ${attr}`);
      i = end + 1;
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack.at(-1)}>`);
  return root ?? fail('no root element');
}
