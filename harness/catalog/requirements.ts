// The requirement catalog: one entry per ID of ../shared/REQUIREMENTS.md, brace groups expanded.
// IDs are stable and never renumbered; test/catalog/catalog.test.ts holds the golden ID list.
//
// Modes: where REQUIREMENTS.md says "B T F D" (or nothing, for a property of the published path or of
// the client) the requirement applies in all four modes; `direct` then serves as the control that shows
// the lab itself is not the cause when a proxy fails. Narrower mode sets carry a comment saying why.

import type { Requirement } from './requirement.js';

// Section headings of the seeds, so that every entry spells them the same way.
const S000 = {
  intro: 'Plan for Internet-based client management in System Center Configuration Manager',
  features: 'Features that Are Not Supported on the Internet',
  untrusted: 'Considerations for client communications from the Internet or untrusted forest',
  planning: 'Planning for Internet-Based Clients',
  prerequisites: 'Prerequisites for Internet-Based Client Management',
} as const;
// The practitioner post (001) has no headings, only bullet titles.
const S001 = {
  dns: 'Public DNS Name',
  pki: 'Public Key Infrastructure (PKI)',
  trustedRoot: 'Trusted Root CA between Site System and Client',
  ports: 'Ports',
  firewalls: 'Firewalls / Web Proxy Servers',
  siteCertificates: 'Certificates for the Internet-facing site system',
  crlChecking: 'Certificate Revocation List (CRL) Checking',
  crlDistributionPoint: 'Certificate Revocation List (CRL) Distribution Point',
} as const;
const S003 = { manage: 'Manage clients over the internet with Configuration Manager' } as const;
// In 004 the network-location paragraph closes the "not supported" section.
const S004 = { features: 'Features that Are Not Supported on the internet' } as const;

export const requirements: readonly Requirement[] = Object.freeze<Requirement[]>([
  // ───────────────────────── PX — the published path (what a proxy or firewall must carry) ─────────────────────────
  {
    id: 'PX-HTTP11',
    area: 'PX',
    title: 'HTTP/1.1 with keep-alive on both legs',
    statement: 'Requests travel as HTTP/1.1 on the client leg and on the upstream leg, and persistent connections stay usable on both.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 34] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy speaks HTTP/1.0 to the site system, or closes the connection after every exchange.',
  },
  {
    id: 'PX-VERB-MP-HEAD',
    area: 'PX',
    title: 'HEAD reaches the management point',
    statement: 'A HEAD request from the client arrives at the internet MP as HEAD and its answer (headers only) returns unchanged.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 54] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy refuses HEAD or forwards it as another verb.',
  },
  {
    id: 'PX-VERB-MP-CCM_POST',
    area: 'PX',
    title: 'CCM_POST reaches the management point',
    statement:
      'The non-standard CCM_POST verb that carries client messages (registration, policy, location) arrives at the MP unchanged, with its body.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 10, 54] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy rejects CCM_POST as an unknown method (400/405/501) or rewrites it to POST.',
  },
  {
    id: 'PX-VERB-MP-BITS_POST',
    area: 'PX',
    title: 'BITS_POST reaches the management point',
    statement: 'BITS upload packets, sent with the BITS_POST verb, arrive at the MP unchanged and their acknowledgements come back.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 13, 36, 54] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy rejects BITS_POST as an unknown method or rewrites it to POST.',
  },
  {
    id: 'PX-VERB-MP-GET',
    area: 'PX',
    title: 'GET reaches the management point',
    statement: 'GET requests to the MP (MP lists, key information, policy bodies) arrive unchanged and their answers return unchanged.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 6, 54] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy blocks or rewrites GET requests to the MP.',
  },
  {
    id: 'PX-VERB-MP-PROPFIND',
    area: 'PX',
    title: 'PROPFIND reaches the management point',
    statement: 'WebDAV PROPFIND requests to the MP arrive as PROPFIND together with their XML body and Depth header.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 30, 54] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy blocks PROPFIND (405/501) or drops its body or Depth header.',
  },
  {
    id: 'PX-VERB-DP-HEAD',
    area: 'PX',
    title: 'HEAD reaches the distribution point',
    statement: 'The HEAD request a download starts with (to learn the file size) arrives at the internet DP unchanged.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 31, 34] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy refuses HEAD to the DP or answers it itself without asking the DP.',
  },
  {
    id: 'PX-VERB-DP-GET',
    area: 'PX',
    title: 'GET reaches the distribution point',
    statement: 'Content GET requests arrive at the internet DP unchanged and the content returns byte for byte.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 29, 31] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy blocks or rewrites content GETs to the DP.',
  },
  {
    id: 'PX-VERB-DP-PROPFIND',
    area: 'PX',
    title: 'PROPFIND reaches the distribution point',
    statement:
      'The PROPFIND a client uses to list the files of a content folder reaches the DP with its body and Depth header, and the multi-status reply returns.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 30, 31, 54] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy blocks PROPFIND to the DP (for example answering 405).',
  },
  {
    id: 'PX-VERB-FSP-POST',
    area: 'PX',
    title: 'Plain-HTTP POST on port 80 reaches the fallback status point',
    statement: 'A state-message POST over plain HTTP on port 80 reaches the FSP, even where every other published name is HTTPS-only.',
    source: { seed: '000', section: S000.prerequisites, wire: [38, 65], note: `also 001 "${S001.ports}" (FSP on 80)` },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy publishes HTTPS only, so a plain-HTTP POST to the FSP on port 80 never arrives.',
  },
  {
    id: 'PX-VERB-APPCAT-GET',
    area: 'PX',
    title: 'GET reaches the Application Catalog',
    statement: 'GET requests to the internet Application Catalog website point arrive unchanged.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 39] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy blocks GET to the Application Catalog.',
  },
  {
    id: 'PX-VERB-APPCAT-POST',
    area: 'PX',
    title: 'POST reaches the Application Catalog',
    statement: 'POST requests (catalog web-service calls) to the Application Catalog website point arrive unchanged, with their bodies.',
    source: { seed: '000', section: S000.prerequisites, wire: [2, 39] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy blocks POST to the Application Catalog or drops its body.',
  },
  {
    id: 'PX-HDR-MP-Range',
    area: 'PX',
    title: 'Range header reaches the management point',
    statement: 'A Range request header sent to the MP arrives byte-exact.',
    source: { seed: '000', section: S000.prerequisites, wire: [3, 34, 58] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy strips or rewrites the Range header on requests to the MP.',
  },
  {
    id: 'PX-HDR-MP-CCMClientID',
    area: 'PX',
    title: 'CCMClientID header reaches the management point',
    statement:
      'The CCMClientID header carrying the client GUID arrives at the MP once, its value byte-exact (the field name may be re-cased: names are case-insensitive, RFC 9110 §5.1).',
    source: { seed: '000', section: S000.prerequisites, wire: [3, 20, 55] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy drops CCMClientID, alters its value or repeats the field.',
  },
  {
    id: 'PX-HDR-MP-CCMClientIDSignature',
    area: 'PX',
    title: 'CCMClientIDSignature header reaches the management point',
    statement: 'The signature over the client ID arrives at the MP once, its value byte-exact, so the MP can still verify it.',
    source: { seed: '000', section: S000.prerequisites, wire: [3, 19, 20, 55] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy drops CCMClientIDSignature, changes its value (re-cases or trims the hex) or repeats the field.',
  },
  {
    id: 'PX-HDR-MP-CCMClientTimestamp',
    area: 'PX',
    title: 'CCMClientTimestamp header reaches the management point',
    statement: 'The signed request timestamp arrives at the MP once, its value byte-exact.',
    source: { seed: '000', section: S000.prerequisites, wire: [3, 20, 55] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy drops CCMClientTimestamp, alters its value or repeats the field.',
  },
  {
    id: 'PX-HDR-MP-CCMClientTimestampSignature',
    area: 'PX',
    title: 'CCMClientTimestampSignature header reaches the management point',
    statement:
      'The signature over the timestamp arrives at the MP once, its value byte-exact, under the name real clients use, CCMClientTimestampSignature.',
    source: {
      seed: '000',
      section: S000.prerequisites,
      wire: [3, 4, 20, 55],
      note:
        'The doc spells it CCMClientTimestampsSignature, a typo (W:4). The check sends the real spelling and the doc spelling; the ' +
        "SDK's CCMClientTimeStampSignature is the real field under another case (names are case-insensitive, RFC 9110 §5.1). The value must arrive byte-exact.",
    },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen:
      'The proxy header allow-list copied from the docs (with the extra "s") lets the doc spelling through but drops the real header.',
  },
  {
    id: 'PX-HDR-DP-Range',
    area: 'PX',
    title: 'Range header reaches the distribution point',
    statement: 'A Range request header sent to the DP arrives byte-exact, so BITS can fetch content piece by piece.',
    source: { seed: '000', section: S000.prerequisites, wire: [3, 34, 58] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy strips or rewrites the Range header on requests to the DP.',
  },
  {
    id: 'PX-HDR-EXTRA',
    area: 'PX',
    title: 'Undocumented ConfigMgr and BITS headers pass both ways',
    statement:
      'Headers used on the wire but missing from the documented allow-list (CCMAuthHeaderType*, ClientToken*, BITS-*) pass in requests and in responses.',
    source: { wire: [5, 21, 36, 55], note: 'Beyond the seeds: SDK strings and tools (W:5), BITS upload protocol (W:36).' },
    strength: 'recommended',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A header allow-list built only from the documented list drops one of these headers in either direction.',
  },
  {
    id: 'PX-CT-MULTIPART',
    area: 'PX',
    title: 'multipart/mixed messages arrive byte-exact',
    statement:
      'CCM message bodies (multipart/mixed: a UTF-16LE header part with BOM, then a zlib-compressed binary part) reach the MP, and replies reach the client, without a byte changed.',
    source: { seed: '000', section: S000.prerequisites, wire: [14, 15, 16, 18, 56] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy rejects or rewrites the multipart body (for example a WAF that demands Content-Disposition, or text-only parts).',
  },
  {
    id: 'PX-CT-OCTET',
    area: 'PX',
    title: 'application/octet-stream bodies arrive byte-exact',
    statement: 'Binary application/octet-stream bodies pass in both directions unaltered: not compressed, decompressed or transcoded.',
    source: { seed: '000', section: S000.prerequisites, wire: [18, 26] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy alters an octet-stream body (for example gzips it or changes its length).',
  },
  {
    id: 'PX-URL-EXACT',
    area: 'PX',
    title: 'Request targets arrive byte-exact',
    statement:
      'Request targets with "$" segments, the "sccm?/" form, ".sms_aut?MPLIST1&<site>" queries and %7B…%7D escapes reach the site system exactly as sent.',
    source: { wire: [6, 29, 57] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy normalises the target: decodes %7B/%7D, treats "sccm?" as a query, escapes "$" or re-cases the query.',
  },
  {
    id: 'PX-RANGE',
    area: 'PX',
    title: 'Ranged downloads work end to end',
    statement:
      'HEAD reports the file size, a ranged GET returns 206 with the matching Content-Range and exactly the requested bytes, and nothing is re-encoded.',
    source: { seed: '000', section: S000.prerequisites, wire: [34, 42, 58], note: 'The seed lists Range among the allowed headers.' },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy strips Range, answers 200 with the whole file, or changes the length or encoding of the content.',
  },
  {
    id: 'PX-BODY-LARGE',
    area: 'PX',
    title: 'Large uploads pass',
    statement: 'A multi-megabyte BITS upload and a large CCM_POST (inventory-sized) reach the MP complete and unaltered.',
    source: { wire: [37, 59] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy caps request bodies below the upload size (413) or truncates them.',
  },
  {
    id: 'PX-EMPTY-200',
    area: 'PX',
    title: 'An empty 200 reaches the client unchanged',
    statement: 'When the MP answers 200 with an empty body ("not ready"), the client receives exactly that: status 200 and no body.',
    source: { wire: [18, 66] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy turns the empty 200 into an error page, adds a body or changes the status.',
  },
  {
    id: 'PX-NTLM-AFFINITY',
    area: 'PX',
    title: 'Windows authentication keeps client and upstream connections paired',
    statement:
      'A multi-leg NTLM exchange (401 challenges) completes because each client connection maps to one upstream connection, and no upstream connection is ever shared between clients.',
    source: {
      seed: '000',
      section: S000.untrusted,
      wire: [23, 24, 60],
      note: 'User policy needs Windows authentication at the internet MP; Kerberos falls back to NTLM.',
    },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen:
      'The proxy pools or multiplexes upstream connections, so the NTLM legs land on different connections or one client rides on another client’s authenticated connection.',
  },
  {
    // Bridge only: the requirement is about what a bridging proxy does with certificates.
    id: 'PX-BRIDGE-MUTUAL',
    area: 'PX',
    title: 'Bridging authenticates both legs',
    statement:
      'The bridging proxy requires and verifies the client certificate, terminates TLS, and opens a new TLS connection to the site system in which it presents its own client certificate.',
    source: { seed: '000', section: S000.untrusted, wire: [48, 61], note: `also 001 "${S001.firewalls}"` },
    strength: 'required',
    modes: ['bridge'],
    failsWhen: 'The bridge lets a client in without a certificate, or connects upstream without presenting a client certificate.',
  },
  {
    id: 'PX-BRIDGE-NO-DOWNGRADE',
    area: 'PX',
    title: 'Scheme-changing bridges are reported as unsupported',
    statement:
      'Bridging HTTPS to HTTP (or HTTP to HTTPS) is not a supported configuration; the lab must report such a proxy as failing rather than pass it.',
    source: { seed: '000', section: S000.untrusted, wire: [48, 61] },
    strength: 'required',
    modes: ['bridge'],
    failsWhen: 'The proxy bridges client HTTPS to plain HTTP upstream (the MP), or a plain-HTTP published path (the FSP) to HTTPS.',
  },
  {
    id: 'PX-BRIDGE-IDENTITY',
    area: 'PX',
    title: 'The MP never takes the bridge for the client',
    statement:
      'Behind a bridge the MP identifies each client by its signed message and headers, not by the TLS certificate it sees; two clients behind one proxy never receive each other’s identity or policy.',
    source: { seed: '000', section: S000.untrusted, wire: [22, 48] },
    strength: 'required',
    modes: ['bridge'],
    failsWhen:
      'The proxy caches or cross-wires responses so one client gets another’s policy, or the MP authorises by the proxy’s certificate.',
  },
  {
    // Tunnel only: port forwarding, its lab-only variant, runs these checks too (PX-PORTFORWARD).
    id: 'PX-TUNNEL-PASSTHRU',
    area: 'PX',
    title: 'Tunnelling passes TLS through untouched',
    statement:
      'In tunnel mode TLS is not terminated: the MP sees the client’s own certificate, the client sees the MP’s certificate, and the proxy needs no certificate.',
    source: { seed: '000', section: S000.untrusted, note: `also 001 "${S001.firewalls}"` },
    strength: 'required',
    modes: ['tunnel'],
    failsWhen: 'The proxy terminates TLS: the MP sees a certificate other than the client’s, or the client sees the proxy’s.',
  },
  {
    id: 'PX-PORTS',
    area: 'PX',
    title: 'Roles are published on the documented ports',
    statement: 'From the internet the MP, DP and Application Catalog answer on 443, the SUP on 443 or 8531, and the FSP on 80.',
    source: { seed: '001', section: S001.ports, wire: [38, 40] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A role is reachable only on another port (for example the SUP only on 8530, or the FSP only on 443).',
  },
  {
    // There is no "portforward" mode: DESIGN.md makes port forwarding the lab-only variant of tunnel mode,
    // so the requirement applies where tunnel checks run.
    id: 'PX-PORTFORWARD',
    area: 'PX',
    title: 'Port forwarding behaves like a tunnel',
    statement:
      'Plain port forwarding (least secure, for labs only) carries TLS end to end as a tunnel does, so the tunnel checks are run against it.',
    source: { seed: '001', section: S001.firewalls },
    strength: 'informational',
    modes: ['tunnel'],
    failsWhen: 'The port forwarder terminates or alters TLS, so a tunnel check fails against it.',
  },
  {
    // Forward only: the requirement is about a client-side proxy; the direct half is every check's direct run.
    id: 'PX-CLIENT-PROXY',
    area: 'PX',
    title: 'Internet clients work through a client-side web proxy',
    statement:
      'An internet client reaches its internet site systems through a client-side HTTP CONNECT proxy just as it does over a direct connection.',
    source: { seed: '000', section: S000.prerequisites },
    strength: 'required',
    modes: ['forward'],
    failsWhen: 'The client-side proxy refuses CONNECT to the site system’s port, or the client ignores its proxy setting.',
  },
  {
    // All modes although only an HTTP-parsing proxy (bridge) can desynchronise: in tunnel, forward and
    // direct the check is the control showing the lab's own HTTP server is not the weak point.
    id: 'PX-SMUGGLE',
    area: 'PX',
    title: 'No request smuggling through the proxy',
    statement:
      'A request with conflicting framing (CL.TE, TE.CL or duplicate Content-Length) is rejected or normalised; it never leaves a second, hidden request on the upstream connection.',
    source: { note: 'Beyond the docs: security hardening, RFC 9112 section 6 (message body length).' },
    strength: 'recommended',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The proxy forwards the ambiguous framing so the site system sees an extra request the proxy did not.',
  },

  // ───────────────────────── PKI — certificates and revocation ─────────────────────────
  {
    id: 'PKI-MTLS',
    area: 'PKI',
    title: 'Mutual PKI authentication',
    statement:
      'Internet clients and the internet-facing site systems authenticate each other with PKI certificates over TLS (in bridge mode on both legs).',
    source: { seed: '000', section: S000.intro, wire: [46, 47], note: `also 001 "${S001.pki}"` },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen:
      'A site system accepts a client that presents no certificate, or a client connects to a site system without a PKI server certificate.',
  },
  {
    id: 'PKI-TRUST-CLIENT',
    area: 'PKI',
    title: 'Clients refuse servers whose root they do not trust',
    statement:
      'A client that does not trust the root of the server certificate on the published name (the MP’s, or the bridging proxy’s) does not connect.',
    source: { seed: '001', section: S001.trustedRoot, wire: [50, 61] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A client without the issuing root in its trust store still completes the connection.',
  },
  {
    // Who checks: the bridging proxy in bridge mode; the MP itself in tunnel, forward (the CONNECT tunnel
    // ends at the MP) and direct. REQUIREMENTS.md names bridge and tunnel; forward and direct follow.
    id: 'PKI-TRUST-SITE',
    area: 'PKI',
    title: 'Site side refuses clients from an untrusted root',
    statement:
      'The party that terminates the client’s TLS (the MP, or the bridging proxy) rejects a client certificate issued under a root it does not trust.',
    source: { seed: '001', section: S001.trustedRoot, wire: [47, 61] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The MP or the bridging proxy accepts a client certificate from an untrusted root.',
  },
  {
    id: 'PKI-SAN',
    area: 'PKI',
    title: 'Server certificates carry the internet FQDN',
    statement: 'The server certificate on an internet name must list that FQDN; a client refuses one that carries only other names.',
    source: { wire: [46, 61], note: 'PKI certificate requirements (memdocs), not in the seeds.' },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A server certificate that names only the intranet FQDN is accepted for the internet FQDN.',
  },
  {
    id: 'PKI-EKU',
    area: 'PKI',
    title: 'Certificates carry the right extended key usage',
    statement:
      'Site systems present certificates with server-authentication EKU and clients present client-authentication EKU; a certificate without the needed EKU is refused.',
    source: { wire: [46, 47], note: 'PKI certificate requirements (memdocs), not in the seeds.' },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A certificate lacking the needed EKU (server auth on a site system, client auth on a client) is accepted.',
  },
  {
    id: 'PKI-EXPIRED',
    area: 'PKI',
    title: 'Expired certificates are refused',
    statement:
      'An expired certificate is refused wherever it is presented: client to site system, site system to client, and on both bridge legs.',
    source: { wire: [47, 49], note: 'REQUIREMENTS.md gives no source; follows from the certificate validity rules (W:47, W:49).' },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An expired client or server certificate is accepted on either leg.',
  },
  {
    // Same split of who checks as PKI-TRUST-SITE.
    id: 'PKI-CRL-CLIENT-REVOKED',
    area: 'PKI',
    title: 'Revoked client certificates are refused',
    statement:
      "A client whose certificate is on the CRL, or whose issuing CA is on the root CA's CRL, is refused by the party that terminates its TLS: the MP, or the bridging proxy. Revocation is checked for the whole chain, not only the leaf.",
    source: { seed: '001', section: S001.crlChecking, wire: [50] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen:
      "The MP (tunnel, forward, direct) or the bridging proxy (bridge) accepts a revoked client certificate (revoked-client-accepted), or one issued by a revoked issuing CA (revoked-issuer-client-accepted) — e.g. a bridge that checks only the leaf's serial (Apache SSLCARevocationCheck leaf).",
  },
  {
    id: 'PKI-CRL-SERVER-REVOKED',
    area: 'PKI',
    title: 'Clients refuse revoked server certificates',
    statement:
      "A client that checks CRLs refuses a site system (or bridging proxy) whose server certificate, or whose issuing CA, has been revoked. In bridge mode the bridging proxy is the site system's client: it checks the site system's certificate chain against the upstream CRL and does not connect to a revoked one.",
    source: { seed: '001', section: S001.crlChecking, wire: [50, 62] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen:
      'A CRL-checking client connects to a server whose certificate is revoked (revoked-server-accepted) or whose issuing CA is revoked (revoked-issuer-server-accepted); in bridge mode, the bridge connects upstream to an MP whose certificate is revoked (upstream-revoked-accepted) or whose issuing CA is revoked (upstream-revoked-issuer-accepted).',
  },
  {
    id: 'PKI-CDP-HTTP',
    area: 'PKI',
    title: 'The CRL is published over HTTP for internet clients',
    statement:
      'The CRL must be reachable over HTTP from the internet. With an LDAP-only CDP a CRL-checking internet client fails every HTTPS connection, and succeeds once installed with /NoCRLCheck.',
    source: { seed: '001', section: S001.crlDistributionPoint, wire: [50, 62] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'With an LDAP-only CDP a CRL-checking internet client still connects, or a /NoCRLCheck client still fails.',
  },
  {
    id: 'PKI-CRL-UNREACHABLE',
    area: 'PKI',
    title: 'An unreachable CDP fails closed',
    statement: 'When the client cannot fetch the CRL it treats the chain as revoked and does not connect.',
    source: { wire: [50, 62] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A client whose CDP is down treats the certificate chain as valid and connects.',
  },
  {
    id: 'PKI-MPCONTROL',
    area: 'PKI',
    title: 'The site system checks its own MP with a client certificate',
    statement:
      'The internet-facing site system holds a client-authentication certificate of its own, with which its MP availability check reaches the HTTPS-only MP.',
    source: { seed: '001', section: S001.siteCertificates },
    strength: 'recommended',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The availability check reports the MP healthy although the site system has no usable client certificate.',
  },

  // ───────────────────────── LOC — network location and client modes ─────────────────────────
  {
    id: 'LOC-DETECT-INTRANET',
    area: 'LOC',
    title: 'Reaching a DC or intranet MP means "currently intranet"',
    statement:
      'A client that can reach a domain controller or an intranet management point classifies itself as on the intranet and uses intranet site systems.',
    source: { seed: '004', section: S004.features, wire: [43] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A client that reaches the domain-controller beacon or an intranet MP still talks to internet site systems.',
  },
  {
    id: 'LOC-DETECT-INTERNET',
    area: 'LOC',
    title: 'Otherwise the client is "currently internet"',
    statement:
      'A client that reaches neither a domain controller nor an intranet MP classifies itself as on the internet and uses the internet MP.',
    source: { seed: '004', section: S004.features, wire: [43], note: `also 000 "${S000.planning}"` },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A client that reaches neither stays intranet or never tries the internet MP.',
  },
  {
    id: 'LOC-SWITCH',
    area: 'LOC',
    title: 'Intranet-and-internet clients switch with the network',
    statement: 'A client installed for intranet and internet management switches between the two by itself when its network changes.',
    source: { seed: '000', section: S000.planning, wire: [28, 43] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'After a network change the client keeps using the previous network’s site systems.',
  },
  {
    id: 'LOC-INTERNET-ONLY',
    area: 'LOC',
    title: 'Internet-only clients use internet site systems only',
    statement: 'A client installed as internet-only talks only to internet-enabled site systems, also when it stands on the intranet.',
    source: { seed: '000', section: S000.planning, wire: [51] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An internet-only client on the intranet contacts an intranet-only site system.',
  },
  {
    id: 'LOC-WORKGROUP',
    area: 'LOC',
    title: 'Workgroup clients are internet-only',
    statement: 'A workgroup computer managed on the internet can only be installed as an internet-only client.',
    source: { seed: '000', section: S000.planning },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A workgroup client is installed for intranet-and-internet management and is managed over the internet.',
    // model: whether an installation of a computer without a domain is refused or made internet-only is
    // decided by the client installer alone (ClientInstallation in harness/client/install.ts). No proxy,
    // DNS record, CRL, route or site setting enters that decision, and the install properties are the
    // check's own inputs: a topology cannot make a workgroup computer domain-joined. What the installed
    // internet-only client then needs from the world (its internet MP reachable by the internet name, also
    // from the intranet) is LOC-INTERNET-ONLY, a world requirement with its own negative world.
    judges: 'model',
  },
  {
    id: 'LOC-MODE-FIXED',
    area: 'LOC',
    title: 'The management mode is fixed at install',
    statement: 'Whether a client is internet-only or intranet-and-internet is decided at install time; changing it takes a reinstall.',
    source: { seed: '000', section: S000.planning },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An installed client changes its management mode without a reinstall.',
    // model: whether an installed client changes its mode without a reinstall is the client's own logic
    // (ClientInstallation.reconfigure); nothing in the world is asked. The world-facing consequence of the
    // mode (an internet-only client on the intranet uses the internet MP) is LOC-INTERNET-ONLY's, a world
    // requirement with a negative world (intranet-dns-lacks-internet-names).
    judges: 'model',
  },
  {
    id: 'LOC-MP-REFRESH',
    area: 'LOC',
    title: 'Clients learn a new internet MP at the next MP-list refresh',
    statement: 'After an internet-capable MP is added to the site, clients become internet-capable when they next refresh their MP list.',
    source: { seed: '000', section: S000.planning, wire: [7, 28, 44], note: 'From the note under the section.' },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'After an internet MP is added, a client’s next MP-list refresh still leaves it without an internet MP.',
  },
  {
    id: 'LOC-RANDOM',
    area: 'LOC',
    title: 'Internet clients choose site systems at random',
    statement:
      'An internet client picks among the internet site systems of its site non-deterministically, regardless of bandwidth or location.',
    source: {
      seed: '000',
      section: S000.features,
      wire: [44],
      note: 'Also 001 ("not location aware"). Checked statistically over many first contacts.',
    },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The client always picks the same internet site system (the first listed, or the nearest).',
  },
  {
    id: 'LOC-FAILOVER',
    area: 'LOC',
    title: 'Repeated MP failures move the client to another MP',
    statement: 'After repeated failed attempts to reach its MP within a period, the client switches to another internet MP.',
    source: { wire: [45], note: 'Five attempts over ten minutes (FIND-RES); the simulator runs an accelerated clock.' },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The client keeps using an unreachable MP after repeated failures.',
  },
  {
    id: 'LOC-RESUME',
    area: 'LOC',
    title: 'Downloads resume across networks',
    statement:
      'A download started on the internet continues on the intranet (and the reverse) from where it stopped, without starting over.',
    source: { seed: '000', section: S000.planning, wire: [34] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A download interrupted by a network change restarts from byte 0.',
  },
  {
    id: 'LOC-DNS',
    area: 'LOC',
    title: 'Split-horizon names',
    statement: 'Internet FQDNs of site systems resolve from the internet view of DNS; intranet-only names do not resolve there.',
    source: { seed: '000', section: S000.prerequisites, wire: [64], note: `also 001 "${S001.dns}"` },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An intranet-only name resolves from the internet view, or an internet FQDN does not.',
  },

  // ───────────────────────── SU — software updates and the Microsoft Update fallback ─────────────────────────
  {
    id: 'SU-SCAN-INTERNET-SUP',
    area: 'SU',
    title: 'Internet clients scan against the internet SUP',
    statement: 'A client on the internet always runs its update scan against the internet-facing software update point.',
    source: { seed: '000', section: S000.features, wire: [40] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An internet client scans against an intranet SUP or somewhere else.',
  },
  {
    id: 'SU-MU-FIRST',
    area: 'SU',
    title: 'Microsoft Update first for update content',
    statement: 'A client on the internet tries Microsoft Update first when it downloads update content.',
    source: { seed: '000', section: S000.features, wire: [41, 42] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An internet client downloads update content from the internet DP although Microsoft Update is reachable.',
  },
  {
    id: 'SU-DP-FALLBACK',
    area: 'SU',
    title: 'Internet DP only when Microsoft Update fails',
    statement:
      'Only when Microsoft Update fails (name not resolving, connection refused, HTTP error, blocked by the proxy, timeout) does the client download from an internet DP, and that content verifies.',
    source: { seed: '000', section: S000.features, wire: [41, 42] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen:
      'After a Microsoft Update failure the client gives up instead of using the internet DP, or installs content that does not verify.',
  },
  {
    id: 'SU-INTRANET-NO-MU',
    area: 'SU',
    title: 'Clients without IBCM never use Microsoft Update',
    statement: 'A client not configured for internet-based management never contacts Microsoft Update for update content; it uses DPs.',
    source: { seed: '000', section: S000.features, wire: [41] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A client not configured for IBCM contacts Microsoft Update.',
  },

  // ───────────────────────── FEAT — what IBCM does not offer over the internet ─────────────────────────
  {
    id: 'FEAT-NO-CLIENT-PUSH',
    area: 'FEAT',
    title: 'No client push over the internet',
    statement: 'Client push and software-update-based client installation are not offered to internet clients; they are installed by hand.',
    source: { seed: '000', section: S000.features },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The site pushes a client installation to a client that is on the internet.',
  },
  {
    id: 'FEAT-NO-AUTO-SITE',
    area: 'FEAT',
    title: 'No automatic site assignment over the internet',
    statement: 'An internet client cannot be assigned to a site automatically; its site code has to be given at install.',
    source: { seed: '000', section: S000.features, wire: [51] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An internet client installed with SMSSITECODE=AUTO ends up assigned to a site.',
  },
  {
    id: 'FEAT-NO-WOL',
    area: 'FEAT',
    title: 'No Wake-on-LAN over the internet',
    statement: 'Wake-on-LAN is not used toward clients managed on the internet.',
    source: { seed: '000', section: S000.features },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A wake-up packet is sent toward an internet client.',
  },
  {
    id: 'FEAT-NO-REMOTE-CONTROL',
    area: 'FEAT',
    title: 'No remote control over the internet',
    statement: 'Remote control sessions are not available for clients managed on the internet.',
    source: { seed: '000', section: S000.features },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A remote-control session to an internet client is started.',
  },
  {
    id: 'FEAT-NO-OSD',
    area: 'FEAT',
    title: 'No OS deployment over the internet',
    statement:
      'Operating system deployment is refused to internet clients, while task sequences that deploy no OS image (scripts, maintenance) are allowed.',
    source: { seed: '000', section: S000.features },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An OS-image task sequence reaches an internet client, or a task sequence without an OS image is withheld.',
  },
  {
    id: 'FEAT-USER-POLICY',
    area: 'FEAT',
    title: 'User policy only with Windows authentication',
    statement:
      'Internet clients get user policy and user-targeted software only when the internet MP authenticates the user with Windows authentication (Kerberos, then NTLM) and both user-policy client settings are on; otherwise computer policy only.',
    source: { seed: '000', section: S000.prerequisites, wire: [23, 60], note: `also 000 "${S000.untrusted}"` },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen:
      'User policy reaches an internet client without Windows authentication of the user or with a client setting off, or is withheld when every condition holds.',
  },
  {
    id: 'FEAT-INTRANET-ONLY-POLICY',
    area: 'FEAT',
    title: 'Intranet-only policies stay on the intranet',
    statement: 'Policies flagged intranet-only are not handed to, nor fetched by, clients that are on the internet.',
    source: { wire: [25] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An internet client receives or fetches a policy flagged IntranetOnly.',
  },
  {
    id: 'FEAT-NO-ROAMING',
    area: 'FEAT',
    title: 'No roaming to the closest DP',
    statement: 'Internet clients do not roam to the nearest distribution point; they use the internet DPs of their assigned site.',
    source: { seed: '000', section: S000.features },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'An internet client is steered to the closest DP instead of its assigned site’s internet DPs.',
  },

  // ───────────────────────── MOB — mobile device clients ─────────────────────────
  {
    id: 'MOB-INTERNET-ONLY',
    area: 'MOB',
    title: 'Mobile clients with an internet MP are internet-only',
    statement: 'A mobile device client configured with an internet MP becomes internet-only without further configuration.',
    source: { seed: '000', section: S000.planning },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A mobile client configured with an internet MP also uses intranet site systems.',
  },
  {
    // About client-side proxies: forward is where it is tested, direct is where it must work.
    id: 'MOB-DIRECT',
    area: 'MOB',
    title: 'Mobile clients need a direct internet connection',
    statement:
      'Mobile device clients must reach the internet site systems directly; a client-side web proxy is not a supported path for them.',
    source: { seed: '000', section: S000.prerequisites },
    strength: 'required',
    modes: ['forward', 'direct'],
    failsWhen:
      'The lab passes a mobile device that only reaches the site through a client-side proxy, or one with a direct connection fails.',
  },
  {
    // Bridge must refuse or break enrolled devices; tunnel must carry them.
    id: 'MOB-ENROLLED-NO-BRIDGE',
    area: 'MOB',
    title: 'Enrolled mobile devices need tunnelling, not bridging',
    statement:
      'Mobile devices enrolled by ConfigMgr do not work through SSL bridging; tunnelling is their supported path. Checked as: the bridge refuses or breaks them, the tunnel carries them.',
    source: { seed: '000', section: S000.untrusted },
    strength: 'required',
    modes: ['bridge', 'tunnel'],
    failsWhen: 'An enrolled mobile device is reported as working through a bridge, or a tunnel does not carry it.',
  },
  {
    // Bridge only: user versus computer authentication is done by the bridging proxy.
    id: 'MOB-LEGACY-USER-AUTH',
    area: 'MOB',
    title: 'Bridges authenticate legacy mobile clients as users',
    statement:
      'A bridging proxy authenticates legacy mobile device clients by user authentication and client computers by computer authentication.',
    source: { seed: '000', section: S000.untrusted },
    strength: 'informational',
    modes: ['bridge'],
    failsWhen: 'The bridge authenticates a legacy mobile client by computer certificate, or a computer by user credentials.',
  },

  // ───────────────────────── ROLE, APPCAT, FSP, CMG — roles, site types, CMG ─────────────────────────
  {
    id: 'ROLE-UNTRUSTED',
    area: 'ROLE',
    title: 'Which roles accept internet clients',
    statement:
      'At a primary site the Application Catalog, Policy Module, DP, enrollment proxy point, FSP, MP and SUP accept clients from the internet; site systems of a secondary site refuse them.',
    source: { seed: '000', section: S000.untrusted },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A secondary-site system accepts an internet client, or a listed primary-site role refuses one.',
  },
  {
    id: 'APPCAT-BROWSER',
    area: 'APPCAT',
    title: 'Application Catalog works in a real browser',
    statement:
      'A real browser on the internet opens the Application Catalog through the proxy, presenting a client certificate and passing Windows authentication.',
    source: {
      seed: '000',
      section: S000.prerequisites,
      wire: [39],
      note: 'The catalog needs Windows authentication of the user on the internet.',
    },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen:
      'The catalog page fails through the proxy: the client certificate is not requested or not passed on, or Windows authentication breaks.',
  },
  {
    id: 'FSP-STATE',
    area: 'FSP',
    title: 'Unreachable MP is reported to the FSP',
    statement:
      'A client that cannot reach its MP (for example after a certificate failure) posts a state message to the fallback status point over plain HTTP.',
    source: { wire: [38, 49] },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'A client that cannot reach its MP sends no state message to the FSP.',
  },
  {
    id: 'CMG-COEXIST',
    area: 'CMG',
    title: 'IBCM and CMG side by side',
    statement:
      'A client given both IBCM and a CMG picks between them at random; if it does not trust the IBCM MP’s server certificate it uses only the CMG, and the reverse.',
    source: { seed: '003', section: S003.manage, note: 'From the note at the top of the page.' },
    strength: 'required',
    modes: ['bridge', 'tunnel', 'forward', 'direct'],
    failsWhen: 'The client always uses one of the two, or uses the one whose server certificate it does not trust.',
  },
]);
