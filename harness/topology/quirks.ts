// Quirks: named ways a customer's world (not its proxy) is known to go wrong — a DNS view that leaks
// intranet names, a management point that hands intranet-only policy to internet clients. A support
// engineer lists them under `quirks:` in a topology to reproduce a customer; the self-test runs each
// as a "faulty world" (the Node reference proxy, the world broken in one way) and proves the checks
// it `breaks` — no more, no fewer — fail, exactly as it does for the faulty proxies.
//
// One table, so the schema (the names), the lab (the effects) and the self-test (the targets) agree.

export interface QuirkSpec {
  /** What goes wrong, in the customer's words. */
  description: string;
  /** Requirements a run with this quirk must fail (the self-test's targets). */
  breaks: string[];
  /** Modes the self-test runs the quirk in (one is usually enough: the world is wrong in all of them). */
  selftestModes: ('bridge' | 'tunnel' | 'forward' | 'direct')[];
}

export const QUIRKS = {
  'dns-leaks-intranet-names': {
    description: 'the internet view of DNS also answers the intranet names (a split-horizon zone that is not split)',
    // A leak makes internet clients find the DC and believe they are inside, so every location check fails too.
    breaks: ['LOC-DNS', 'LOC-DETECT-INTERNET', 'LOC-DETECT-INTRANET', 'LOC-SWITCH', 'LOC-RESUME'],
    selftestModes: ['direct'],
  },
} as const satisfies Record<string, QuirkSpec>;

export type QuirkName = keyof typeof QUIRKS;
export const quirkNames = Object.keys(QUIRKS) as [QuirkName, ...QuirkName[]];
