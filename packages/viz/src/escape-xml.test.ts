import { describe, expect, it } from 'vitest';
import { escapeXml } from './escape-xml.js';

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it('keeps ordinary Unicode and replaces characters XML forbids', () => {
    expect(escapeXml('β-VAE z₁ 😀')).toBe('β-VAE z₁ 😀');
    expect(escapeXml('a\u0000b\u001Fc\td\n')).toBe('a\uFFFDb\uFFFDc\td\n');
    expect(escapeXml('x\uD800y')).toBe('x\uFFFDy');
  });
});
