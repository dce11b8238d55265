// The shape of one conformance requirement. The catalog (requirements.ts) holds one of these per ID
// of ../shared/REQUIREMENTS.md; suites name the IDs they verify, reports group verdicts by them.

/**
 * Where the proxy under test sits. `bridge`: TLS terminated and re-opened with the proxy's own client
 * certificate; `tunnel`: TLS passed through (plain port forwarding is its lab-only variant);
 * `forward`: a client-side HTTP CONNECT proxy; `direct`: no proxy, the control.
 */
export type ProxyMode = 'bridge' | 'tunnel' | 'forward' | 'direct';

/** How much a verdict weighs: only `required` failures make `ibcm-lab run` exit 1. */
export type Strength = 'required' | 'recommended' | 'informational';

/** The ID prefix, one per section of REQUIREMENTS.md (ROLE/APPCAT/FSP/CMG share the last section). */
export type Area = 'PX' | 'PKI' | 'LOC' | 'SU' | 'FEAT' | 'MOB' | 'ROLE' | 'APPCAT' | 'FSP' | 'CMG';

/**
 * Who decides a requirement's outcome. `world`: something in a customer's world (a proxy rule, a DNS
 * record, a CRL, a route, a site setting, a client install property the topology sets) can break it,
 * and a negative control (a faulty proxy or world) shows that the check notices. `model`: only the
 * client's own logic decides it — no world can change the outcome — so its check exercises the lab's
 * client simulator (the lab's model of the documented behaviour), and its verdict is reported apart
 * from the world's and never counted as a pass for a proxy (../shared/DESIGN.md, Verdicts).
 */
export type Judge = 'world' | 'model';

export const proxyModes: readonly ProxyMode[] = ['bridge', 'tunnel', 'forward', 'direct'];
export const strengths: readonly Strength[] = ['required', 'recommended', 'informational'];
export const areas: readonly Area[] = ['PX', 'PKI', 'LOC', 'SU', 'FEAT', 'MOB', 'ROLE', 'APPCAT', 'FSP', 'CMG'];

/** The seed documents a requirement's `source.seed` may name (files `seeds/<key>_….txt`). */
export const seeds: Readonly<Record<string, string>> = {
  '000': 'Plan for Internet-based client management (Microsoft Docs, 2017)',
  '001': 'Prerequisites for Internet-Based Client Management (IBCM) in Configuration Manager (practitioner post)',
  '002': 'Gestion des clients basée sur Internet (French copy of 000)',
  '003': 'Manage clients over the internet with Configuration Manager (CMG vs IBCM)',
  '004': 'Plan for internet-based client management (current doc, Japanese/English; adds network-location detection)',
};

export interface Requirement {
  /** Exactly as in REQUIREMENTS.md, brace groups expanded, e.g. `PX-VERB-MP-CCM_POST`. Never renumbered. */
  id: string;
  area: Area;
  /** Short, in our own words. */
  title: string;
  /** What must hold, in our own words (1–3 sentences). */
  statement: string;
  /**
   * `seed`: key of `seeds`; `section`: heading (or bullet title) in that seed; `wire`: item numbers of
   * research/ibcm-wire-protocol.md (`W:<n>`); `note`: other sources and how the check reads the text.
   */
  source: { seed?: string; section?: string; wire?: number[]; note?: string };
  strength: Strength;
  /** The modes in which the requirement applies, i.e. in which its checks run and count. */
  modes: ProxyMode[];
  /** The negative control that must make the requirement's check fail. */
  failsWhen: string;
  /** `model` when only the client's own logic decides the outcome (see `Judge`); absent means `world`. */
  judges?: Judge;
}
