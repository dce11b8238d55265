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
  /**
   * Requirements a run with this quirk must fail (the self-test's targets), each with the reason
   * code of the assertion that must fail (see `ensure` in suites/evidence.ts).
   */
  breaks: Record<string, string>;
  /** Modes the self-test runs the quirk in (one is usually enough: the world is wrong in all of them). */
  selftestModes: ('bridge' | 'tunnel' | 'forward' | 'direct')[];
}

export const QUIRKS = {
  'dns-leaks-intranet-names': {
    description: 'the internet view of DNS also answers the intranet names (a split-horizon zone that is not split)',
    // A leak makes internet clients find the DC and believe they are inside, so every location check fails too —
    // also LOC-MP-REFRESH: on the internet the client "finds" its intranet MP and never needs the internet MP it learned.
    breaks: {
      'LOC-DNS': 'intranet-name-leaks',
      'LOC-DETECT-INTERNET': 'internet-client-detected-intranet',
      'LOC-DETECT-INTRANET': 'internet-client-detected-intranet',
      'LOC-SWITCH': 'wrong-location-after-move',
      'LOC-RESUME': 'origin-not-switched',
      'LOC-MP-REFRESH': 'intranet-mp-found-on-internet',
    },
    selftestModes: ['direct'],
  },
  // FEAT / ROLE quirks: a site or MP that offers internet clients what is not supported on the
  // internet (seed 000), or a secondary site that takes them (effects in harness/lab/site-roles.ts).
  'mp-hands-intranet-only-policy-to-internet-clients': {
    description: 'the management point hands policies flagged IntranetOnly to internet clients too',
    breaks: { 'FEAT-INTRANET-ONLY-POLICY': 'intranet-only-policy-handed' },
    selftestModes: ['direct'],
  },
  'mp-offers-os-deployment-to-internet-clients': {
    description: 'the management point assigns a task sequence that applies an OS image to internet clients',
    breaks: { 'FEAT-NO-OSD': 'osd-assigned' },
    selftestModes: ['direct'],
  },
  'mp-hands-user-policy-without-windows-auth': {
    description: 'the internet management point hands user policy to requests it did not authenticate with Windows authentication',
    breaks: { 'FEAT-USER-POLICY': 'user-policy-without-windows-auth' },
    selftestModes: ['direct'],
  },
  'site-pushes-client-to-internet-clients': {
    description: 'the site starts client push installations to clients managed on the internet',
    breaks: { 'FEAT-NO-CLIENT-PUSH': 'site-action-started' },
    selftestModes: ['direct'],
  },
  'site-wakes-internet-clients': {
    description: 'the site sends Wake-on-LAN packets for clients managed on the internet',
    breaks: { 'FEAT-NO-WOL': 'site-action-started' },
    selftestModes: ['direct'],
  },
  'site-remote-controls-internet-clients': {
    description: 'the site starts remote control sessions to clients managed on the internet',
    breaks: { 'FEAT-NO-REMOTE-CONTROL': 'site-action-started' },
    selftestModes: ['direct'],
  },
  'mp-assigns-internet-clients-automatically': {
    description: 'the internet management point answers automatic site assignment (SMSSITECODE=AUTO) by boundaries',
    breaks: { 'FEAT-NO-AUTO-SITE': 'auto-site-assigned' },
    selftestModes: ['direct'],
  },
  'mp-lets-internet-clients-roam': {
    description: 'the management point applies boundary groups to internet clients and steers them to the closest DP',
    breaks: { 'FEAT-NO-ROAMING': 'steered-by-boundaries' },
    selftestModes: ['direct'],
  },
  'secondary-site-accepts-internet-clients': {
    description: 'a secondary-site management point published on the internet serves internet clients',
    breaks: { 'ROLE-UNTRUSTED': 'secondary-site-accepted' },
    selftestModes: ['direct'],
  },
  // LOC / MOB quirks
  'mp-list-stale': {
    description: 'the management points cache the MP list they built at start: an internet MP added later never appears in it',
    breaks: { 'LOC-MP-REFRESH': 'mp-list-not-refreshed' },
    selftestModes: ['direct'],
  },
  'intranet-dns-lacks-internet-names': {
    description:
      "split-brain DNS: the intranet zone for the public domain lacks the site systems' internet names, so internet-only clients and mobile devices on the intranet cannot reach their internet MP",
    // Every internet-only client standing on the intranet (computers and mobile devices) loses its MP.
    breaks: {
      'MOB-INTERNET-ONLY': 'internet-mp-unreachable',
      'LOC-INTERNET-ONLY': 'mp-list-unreachable',
    },
    selftestModes: ['direct'],
  },
  'internet-only-through-web-proxy': {
    description: 'the client network has no direct internet connection: only the web proxy resolves and reaches internet names',
    // Mobile devices need a direct connection (MOB-DIRECT); the internet view no longer answers internet FQDNs (LOC-DNS).
    breaks: { 'MOB-DIRECT': 'no-direct-connection', 'LOC-DNS': 'internet-name-not-published' },
    selftestModes: ['forward'],
  },
  'mp-accepts-any-device-certificate': {
    description: "the device management point takes any certificate of the PKI for an enrolled mobile device, also a bridging proxy's own",
    breaks: { 'MOB-ENROLLED-NO-BRIDGE': 'enrolled-device-bridged' },
    selftestModes: ['bridge'],
  },
  // PKI quirk (seed 001 "Certificates for the Internet-facing site system"): the site system's own
  // client-authentication certificate is not in its store, so MPControl cannot reach the HTTPS-only MP.
  'site-system-lacks-client-certificate': {
    description:
      'the internet-facing site system has no client-authentication certificate of its own in its store: its MP availability check (MPControl) presents none',
    breaks: { 'PKI-MPCONTROL': 'own-certificate-refused' },
    selftestModes: ['direct'],
  },
  // LOC-RANDOM / LOC-FAILOVER worlds: a client may pick any internet MP the site lists, and moves to
  // another when its own stops answering — so every listed internet MP must be reachable from the
  // internet. Effects on MPs after the first internet MP of the primary site (harness/lab/plan.ts,
  // dns-views.ts); the LOC checks run on a lab variant with a second internet MP.
  'proxy-publishes-first-internet-mp-only': {
    description:
      'the reverse proxy has a publishing rule for the first internet MP only: a second internet MP the site lists resolves to the proxy, which has no listener for it',
    breaks: { 'LOC-RANDOM': 'site-system-unreachable', 'LOC-FAILOVER': 'failover-target-unreachable' },
    selftestModes: ['bridge'],
  },
  'internet-dns-lacks-second-mp': {
    description:
      'the public DNS zone registers the second internet MP under another name than the internet FQDN the site lists for it: the name clients are given does not resolve on the internet',
    breaks: { 'LOC-RANDOM': 'site-system-unresolvable', 'LOC-FAILOVER': 'failover-target-unresolvable' },
    selftestModes: ['direct'],
  },
  // CMG world: the CMG is a cloud service reached by its public name wherever the client stands.
  'cmg-not-in-public-dns': {
    description:
      "the CMG's cloud service name is missing from public DNS (the CNAME to the cloud service was never made): clients given the CMG cannot reach it",
    breaks: { 'CMG-COEXIST': 'cmg-unreachable' },
    selftestModes: ['direct'],
  },
  'cmg-certificate-from-private-ca': {
    description:
      "the CMG serves a server certificate from a private CA the clients do not have (neither the site's root nor a public CA): clients given the CMG refuse it",
    breaks: { 'CMG-COEXIST': 'cmg-untrusted' },
    selftestModes: ['direct'],
  },
  // SU world: the software update deployment lets clients fall back to Microsoft Update (AllowWUMU, W:41)
  // and its package never reached the DPs (effects: harness/lab/site-features.ts, site-roles.ts) — so
  // intranet clients, which find no DP with the content, go to Microsoft Update, and internet clients
  // whose Microsoft Update fails find no DP to fall back to.
  'updates-not-on-dps-with-microsoft-update-fallback': {
    description:
      'the software update deployment package was never distributed to the DPs, and the deployment lets clients download from Microsoft Update when no DP has the content (AllowWUMU)',
    breaks: { 'SU-INTRANET-NO-MU': 'microsoft-update-contacted', 'SU-DP-FALLBACK': 'not-served-by-distribution-point' },
    selftestModes: ['direct'],
  },
  // PKI quirk (seed 001 "Trusted Root CA between Site System and Client"): the site's root is
  // cross-certified by a partner's root and the site systems (and the bridge) send the
  // cross-certificate with their chain, so a client that trusts only the partner's root builds a
  // path to it and connects. Clients that trust the site's root are not affected (effects in harness/lab).
  'pki-cross-certified-by-another-root': {
    description:
      "the site's root CA is cross-certified by another organisation's root, and the site systems send that cross-certificate in their chain: a client that trusts only the other root connects",
    breaks: { 'PKI-TRUST-CLIENT': 'untrusted-root-accepted' },
    selftestModes: ['direct'],
  },
  // PKI quirk (seed 001 "Certificate Revocation List (CRL) Distribution Point"): the CDP's name is
  // only in the intranet zone. Every CRL-checking internet client fails closed, so the checks that
  // are not about revocation are blocked (their client could not check a CRL: suites/fixtures.ts)
  // and PKI-CDP-HTTP fails. PKI-CRL-UNREACHABLE is blocked: its client does fail closed, and the
  // check cannot show it connecting with the CDP up.
  'cdp-not-published-on-internet': {
    description: "the CRL distribution point's name resolves only on the intranet: internet clients cannot fetch the CRL over HTTP",
    breaks: { 'PKI-CDP-HTTP': 'crl-unreachable-from-internet' },
    selftestModes: ['direct'],
  },
  // PKI quirk (seed 001 "Certificate Revocation List (CRL) Checking"): the clients were installed with
  // CCMSetup /NoCRLCheck (the usual workaround for a CDP that internet clients cannot reach), as a
  // topology can say per client. They connect when no CRL can be had (PKI-CRL-UNREACHABLE fails);
  // PKI-CDP-HTTP asks the CDP with a CRL-checking client and passes; PKI-CRL-SERVER-REVOKED is
  // blocked (its client does not check CRLs). Effect in harness/lab (the client profiles).
  'clients-installed-without-crl-check': {
    description: "the clients were installed with CCMSetup /NoCRLCheck: they never check the site systems' certificates against a CRL",
    breaks: { 'PKI-CRL-UNREACHABLE': 'connected-without-crl' },
    selftestModes: ['direct'],
  },
} as const satisfies Record<string, QuirkSpec>;

export type QuirkName = keyof typeof QUIRKS;
export const quirkNames = Object.keys(QUIRKS) as [QuirkName, ...QuirkName[]];
