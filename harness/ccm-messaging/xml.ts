// Just enough XML for ConfigMgr messages: they are small, flat and machine-made, so attribute and
// element extraction with anchored patterns is exact here and saves a parser dependency.

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Text content of the first `<name>…</name>` (CDATA unwrapped), or undefined. */
export function elementText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return match ? contentText(match[1]!) : undefined;
}

/** Text of element content: a CDATA section unwrapped as it is, otherwise unescaped. */
export function contentText(content: string): string {
  const cdata = /^<!\[CDATA\[([\s\S]*)\]\]>$/.exec(content);
  return cdata ? cdata[1]! : unescapeXml(content);
}

/** The whole first `<name …>…</name>` element including its tags, or undefined. */
export function elementXml(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}(?:\\s[^>]*)?>[\\s\\S]*?</${name}>`).exec(xml)?.[0];
}

/** Attribute value of the first `<element … attribute="…">`. */
export function attribute(xml: string, element: string, name: string): string | undefined {
  const tag = new RegExp(`<${element}(\\s[^>]*)?/?>`).exec(xml)?.[1] ?? '';
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? unescapeXml(match[1]!) : undefined;
}

/** `Value` of `<Property Name="name" Value="…"/>` (discovery properties, hook properties). */
export function propertyValue(xml: string, name: string): string | undefined {
  const match = new RegExp(`<Property Name="${name}"(?: [^>]*?)? Value="([^"]*)"`).exec(xml);
  if (match) return unescapeXml(match[1]!);
  // Hook properties carry their value as element text (or CDATA): <Property Name="…">…</Property>.
  const text = new RegExp(`<Property Name="${name}">([\\s\\S]*?)</Property>`).exec(xml)?.[1];
  return text === undefined ? undefined : contentText(text);
}
