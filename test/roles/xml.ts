// Minimal XML reading for the role tests, independent of the roles' own code: a well-formedness check
// (balanced, properly nested tags; only the five predefined entities and character references) and
// extraction of WebDAV multistatus members.

/** Throws when `xml` is not a single well-formed element tree (after an optional declaration). */
export function assertWellFormed(xml: string): void {
  const body = xml.replace(/^\uFEFF?<\?xml[^>]*\?>/, '').replace(/<!DOCTYPE[^>]*>/i, '');
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let last = 0;
  for (let match = tag.exec(body); match; match = tag.exec(body)) {
    checkText(body.slice(last, match.index), stack.length === 0);
    last = match.index + match[0].length;
    if (match[0].startsWith('<!--')) continue;
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? '(nothing)'}>`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name!);
    }
  }
  checkText(body.slice(last), true);
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

function checkText(text: string, outside: boolean): void {
  if (text.includes('<')) throw new Error(`stray "<" in ${JSON.stringify(text.slice(0, 60))}`);
  const entities = text.match(/&[^;\s]*;?/g) ?? [];
  for (const entity of entities) {
    if (!/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(entity)) throw new Error(`bad entity ${entity}`);
  }
  if (outside && text.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(text.trim().slice(0, 60))}`);
}

export interface DavMember {
  href: string;
  collection: boolean;
  length: number;
  status: string;
}

/** The members of a 207 body, whatever prefix it binds to DAV:. */
export function parseMultiStatus(xml: string): DavMember[] {
  const prefix = /<(?:([\w.-]+):)?multistatus\s[^>]*xmlns(?::([\w.-]+))?="DAV:"/.exec(xml);
  if (!prefix) throw new Error('no DAV: multistatus root');
  const p = prefix[1] ? `${prefix[1]}:` : '';
  const text = (scope: string, name: string): string | undefined => new RegExp(`<${p}${name}>([^<]*)</${p}${name}>`).exec(scope)?.[1];
  return [...xml.matchAll(new RegExp(`<${p}response>([\\s\\S]*?)</${p}response>`, 'g'))].map((match) => ({
    href: text(match[1]!, 'href') ?? '',
    collection: text(match[1]!, 'iscollection') === '1',
    length: Number(text(match[1]!, 'getcontentlength')),
    status: text(match[1]!, 'status') ?? '',
  }));
}

/** Reverse of XML escaping for text content. */
export function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+);/g, (_, entity: string) =>
    entity === 'lt'
      ? '<'
      : entity === 'gt'
        ? '>'
        : entity === 'quot'
          ? '"'
          : entity === 'apos'
            ? "'"
            : entity === 'amp'
              ? '&'
              : String.fromCharCode(Number(entity.slice(1))),
  );
}
