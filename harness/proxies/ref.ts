// `--proxy <value>` parsed once, in the CLI, into what it names; everything after (the run's
// projects, the workers, the docker driver) works from this value and never re-parses the text.
//   <name>             a built-in proxy (`ibcm-lab proxies`)
//   exec:<command>     any proxy started from the proxy contract (embedded driver)
//   image:<ref>        a vendor's container image (docker driver)
//   address:<file>     an appliance the lab does not start (harness/appliance/, docs/appliance.md)
export type ProxyRef =
  | { kind: 'builtin'; name: string }
  | { kind: 'exec'; command: string }
  | { kind: 'image'; image: string }
  | { kind: 'address'; file: string };

const PREFIXES = { exec: 'exec:', image: 'image:', address: 'address:' } as const;

/** What `--proxy` names, or why it names nothing (an empty command, image or file). */
export function parseProxyRef(value: string): ProxyRef | { invalid: string } {
  for (const [kind, prefix] of Object.entries(PREFIXES) as [keyof typeof PREFIXES, string][]) {
    if (!value.startsWith(prefix)) continue;
    const rest = value.slice(prefix.length);
    if (!rest.trim())
      return {
        invalid: `--proxy ${prefix} needs ${kind === 'exec' ? 'a command' : kind === 'image' ? 'an image reference' : 'a file'} after the colon`,
      };
    return kind === 'exec' ? { kind, command: rest } : kind === 'image' ? { kind, image: rest } : { kind, file: rest };
  }
  return { kind: 'builtin', name: value };
}

/** The text that names it (the proxy's name in results, reports and contracts). */
export function proxyRefText(ref: ProxyRef): string {
  switch (ref.kind) {
    case 'builtin':
      return ref.name;
    case 'exec':
      return `${PREFIXES.exec}${ref.command}`;
    case 'image':
      return `${PREFIXES.image}${ref.image}`;
    case 'address':
      return `${PREFIXES.address}${ref.file}`;
  }
}
