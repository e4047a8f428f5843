import { describe, expect, it } from 'vitest';
import { assertWellFormedXml } from './well-formed-xml.js';

describe('assertWellFormedXml (test helper)', () => {
  it('accepts well-formed documents and returns the root name', () => {
    expect(assertWellFormedXml('<svg a="1" b=\'&lt;&#60;&#x3C;\'><g><t>a &amp; b</t><c/></g><!-- x --></svg>\n')).toBe('svg');
    expect(assertWellFormedXml('<?xml version="1.0"?>\n<r><![CDATA[<&>]]></r>')).toBe('r');
  });

  it.each([
    ['<a><b></a></b>', 'closes'],
    ['<a>', 'unclosed'],
    ['<a></a><b/>', 'second root'],
    ['<a>x & y</a>', "bare '&'"],
    ['<a>x < y</a>', 'bad start-tag'],
    ['<a x="1" x="2"/>', 'duplicate'],
    ['<a x=1/>', 'not quoted'],
    ['<a x="<"/>', "'<'"],
    ['<a x="1"y="2"/>', 'whitespace'],
    ['text<a/>', 'outside'],
    ['', 'no root'],
  ])('rejects %j', (xml, message) => {
    expect(() => assertWellFormedXml(xml)).toThrow(message);
  });
});
