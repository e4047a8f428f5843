type Attributes = Record<string, string | number | boolean | undefined>;

/**
 * `document.createElement` with attributes and children in one call, so the views read like the
 * markup they build. `class` sets `className`; `false`/`undefined` attributes are left out.
 */
export function createElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}
