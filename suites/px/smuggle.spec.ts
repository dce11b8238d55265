// PX-SMUGGLE (recommended; beyond the docs — RFC 9112 §6.1, §6.3, §11.2): a request with both
// Content-Length and Transfer-Encoding, or two Content-Length headers, must not desynchronise the
// proxy's connections to the site system: a request hidden in one client's body must never be
// completed by, or answered to, another client.
//
// A desync needs two parsers that disagree, so the check runs in a lab variant whose MP is the
// differential back end: it lets Transfer-Encoding win over Content-Length and the last of repeated
// Content-Length fields count, and keeps the connection open (RequestFraming
// 'transfer-encoding-wins', harness/http/message.ts). An attacker sends each ambiguous request with
// a hidden request *prefix* (a request line and an unfinished header) where its body would end for
// that MP; then a victim — another client, its own connections — sends ordinary requests. A proxy
// that rejects or normalises the framing leaves nothing behind (an unfinished prefix dies with the
// attacker's connection). A proxy that frames by Content-Length, forwards verbatim and hands the
// upstream connection to the next client lets the victim's request complete the hidden one: it
// surfaces in the MP's journal with the victim's request line inside its header, on the connection
// that carries the victim's traffic, and the victim gets the hidden request's answer.
// TE.CL (front end trusts Transfer-Encoding, back end Content-Length) cannot desynchronise a back
// end that lets Transfer-Encoding win, so it is not sent.
import { randomUUID } from 'node:crypto';
import type { Exchange } from '../../harness/client/index.js';
import type { JournalEntry } from '../../harness/http/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';

interface Attack {
  name: string;
  slug: string;
  bytes: string;
}

const PREFIX_HEADER = 'X-Smuggled-Prefix';

/** The hidden request: a request line and a header whose value is whatever comes next on the connection. */
const hiddenPrefix = (slug: string, marker: string) => `GET /smuggled-${slug}-${marker} HTTP/1.1\r\n${PREFIX_HEADER}: `;

function attacks(host: string, marker: string): Attack[] {
  const outer = (slug: string) => `POST /SMS_MP/.sms_aut?MPLIST&probe=attacker-${slug}-${marker} HTTP/1.1\r\nHost: ${host}\r\n`;
  // Content-Length covers the prefix; Transfer-Encoding ends the body at the empty last chunk before it.
  const clTeBody = `0\r\n\r\n${hiddenPrefix('cl-te', marker)}`;
  // The first Content-Length covers the prefix; the back end counts the last one (0).
  const dupClBody = hiddenPrefix('dup-cl', marker);
  return [
    {
      name: 'CL.TE',
      slug: 'cl-te',
      bytes: `${outer('cl-te')}Content-Length: ${clTeBody.length}\r\nTransfer-Encoding: chunked\r\n\r\n${clTeBody}`,
    },
    {
      name: 'duplicate Content-Length',
      slug: 'dup-cl',
      bytes: `${outer('dup-cl')}Content-Length: ${dupClBody.length}\r\nContent-Length: 0\r\n\r\n${dupClBody}`,
    },
  ];
}

const connectionOf = (entry: JournalEntry) =>
  `MP connection #${entry.connectionId} (from ${entry.remoteAddress}:${entry.remotePort} to ${entry.listener})`;
const connectionKey = (entry: JournalEntry) => `${entry.listener}#${entry.connectionId}`;
const isMpList = (exchange: Exchange) => exchange.status === 200 && (exchange.responseBody?.toString('utf8') ?? '').includes('<MPList');
const answer = (exchange: Exchange) =>
  exchange.error
    ? `${exchange.error.code} (${exchange.error.message})`
    : `${exchange.status} (${exchange.responseBodyLength ?? 0} bytes${isMpList(exchange) ? ', the MP list' : ''})`;

check(
  'PX-SMUGGLE',
  "CL.TE and duplicate Content-Length never let one client smuggle a request onto another client's MP connection",
  async ({ lab: running, newClient, evidence, variantLab }) => {
    // The lenient MP behind the proxy: a lab variant of its own, or — for an external appliance, which
    // publishes the run's lab only (its worksheet) — the running lab's MP made lenient for this check.
    const appliance = Boolean(running.worksheet);
    const lab = appliance ? running : await variantLab({ managementPointFraming: 'transfer-encoding-wins' });
    const mp = lab.siteSystem('management-point');
    const lenient = appliance ? await lab.lenientRequestFraming(mp.name) : undefined;
    const journal = lab.journal(mp.name);
    const mark = journal.mark();
    const logMark = lab.proxyLog().length;
    const profile = lab.clientProfile();
    const marker = randomUUID().slice(0, 8);
    const host = `${profile.install.CCMHOSTNAME}:${profile.install.CCMHTTPSPORT}`;
    evidence.note(
      `MP ${mp.name} of ${appliance ? 'the running lab (made lenient for this check)' : 'the lab variant'} parses with Transfer-Encoding winning over Content-Length and the last Content-Length counting (RFC 9112 §6.1), keeping the connection open; marker ${marker}`,
    );

    try {
      // Positive control: an ordinary client gets the MP list through the proxy before any attack.
      const control = newClient(profile);
      const controlMark = journal.mark();
      const before = await control.send({ method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST&probe=control-${marker}` });
      evidence.sent(before);
      await control.close();
      prerequisite(isMpList(before), `before any attack an ordinary MP list request through the proxy got ${answer(before)}`);
      // The victims' requests are told apart by their marked targets: a proxy that rewrites targets
      // (PX-URL-EXACT's finding) leaves this check nothing to recognise them by.
      const controlSeen = journal.since(controlMark).map((entry) => entry.target);
      prerequisite(
        controlSeen.includes(before.target),
        `before any attack the MP did not receive the marked request ${before.target} as sent (it received ${controlSeen.join(', ') || 'nothing'})`,
      );

      const attacker = newClient(profile);
      for (const attack of attacks(host, marker)) {
        const attackMark = journal.mark();
        const { response, error } = await attacker.transport.raw(
          attacker.managementPointOrigin,
          Buffer.from(attack.bytes, 'latin1'),
          800,
          300,
        );
        const statuses = [...response.toString('latin1').matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((match) => match[1]);
        evidence.note(
          `attacker ${attack.name}: ${statuses.length ? statuses.join('+') : error ? `connection error (${error})` : 'closed without a reply'}`,
        );
        // Let the proxy see the attacker's connection close before the victim connects.
        await new Promise((resolve) => setTimeout(resolve, 150));

        const victim = newClient(profile);
        const victimTag = `victim-${attack.slug}-${marker}`;
        const sent: Exchange[] = [];
        for (const n of [1, 2]) sent.push(await victim.send({ method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST&probe=${victimTag}-${n}` }));
        await victim.close();
        evidence.sent(...sent);
        const received = journal.since(attackMark);

        // The victim's connections: those on which its own requests arrived as its own.
        const victimEntries = received.filter((entry) => entry.target.includes(victimTag));
        const victimConnections = new Set(victimEntries.map(connectionKey));
        const victimAnswers = sent.map((exchange) => `${exchange.target} → ${answer(exchange)}`).join('; ');
        for (const hidden of received.filter((entry) => entry.target.includes(`/smuggled-${attack.slug}-${marker}`))) {
          const glued = hidden.headers.find(([, value]) => value.includes(victimTag));
          ensure(
            !glued,
            `${attack.name}: the attacker's hidden request "${hidden.requestLine}" surfaced on ${connectionOf(hidden)}, completed by the victim's request "${glued?.[1]}" (inside its ${glued?.[0]} header); the victim, which never sent it, was answered: ${victimAnswers} — the proxy and the MP disagree on where the attacker's request ends and the proxy gave the desynchronised connection to another client`,
            'request-smuggled',
          );
          ensure(
            !victimConnections.has(connectionKey(hidden)),
            `${attack.name}: the attacker's hidden request "${hidden.requestLine}" surfaced on ${connectionOf(hidden)}, the connection that carried the victim's requests (${victimEntries.map((entry) => entry.target).join(', ')}); the victim was answered: ${victimAnswers}`,
            'request-smuggled',
          );
          // On the attacker's own connection only (an unfinished prefix dropped when the attacker left): nobody else was touched.
          evidence.note(
            `${attack.name}: the hidden request "${hidden.requestLine}" reached the MP only on the attacker's ${connectionOf(hidden)}${hidden.error ? ` (${hidden.error})` : ''}`,
          );
        }
        const missing = sent.filter((exchange) => !victimEntries.some((entry) => entry.target === exchange.target));
        const wrong = sent.filter((exchange) => !isMpList(exchange));
        ensure(
          missing.length === 0 && wrong.length === 0,
          `${attack.name}: after the attack the victim's ordinary requests were not answered as their own: ${victimAnswers}${missing.length ? `; never reached the MP as requests of their own: ${missing.map((exchange) => exchange.target).join(', ')}` : ''} — the attack desynchronised a connection the victim was given`,
          'response-desync',
        );
      }
    } finally {
      await lenient?.restore();
      evidence.received(`${mp.name} [${lab.topology.name}]`, journal.since(mark));
      evidence.proxyLines(appliance ? 'the appliance' : 'smuggling lab variant', lab.proxyLog().slice(logMark));
    }
    evidence.pass(
      `neither CL.TE nor duplicate Content-Length left a hidden request for another client: the victim's requests reached the MP as its own and were answered with the MP list (${evidence.notes.slice(1).join('; ')})`,
    );
  },
);
