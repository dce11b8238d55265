// PX-SMUGGLE (recommended; beyond the docs — RFC 9112 §6.3): a request with both Content-Length and
// Transfer-Encoding, or two Content-Length headers, must not desynchronise the connection to the
// site system: a request hidden in its body must never reach the MP as a request of its own.
import { randomUUID } from 'node:crypto';
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';

function variants(host: string, marker: string): { name: string; bytes: string }[] {
  const hidden = (kind: string) => `GET /smuggled-${kind}-${marker} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
  const clTeBody = `0\r\n\r\n${hidden('cl-te')}`;
  // For a parser that trusts Content-Length the hidden GET's body is `x=1` plus the chunked tail.
  const teClInner = `${hidden('te-cl').slice(0, -2)}Content-Length: 10\r\n\r\nx=1`;
  return [
    { name: 'CL.TE', bytes: `POST /SMS_MP/.sms_aut?MPLIST HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${clTeBody.length}\r\nTransfer-Encoding: chunked\r\n\r\n${clTeBody}` },
    { name: 'TE.CL', bytes: `POST /SMS_MP/.sms_aut?MPLIST HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${teClInner.length.toString(16)}\r\n${teClInner}\r\n0\r\n\r\n` },
    { name: 'duplicate Content-Length', bytes: `POST /SMS_MP/.sms_aut?MPLIST HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nContent-Length: ${hidden('dup-cl').length}\r\n\r\n${hidden('dup-cl')}` },
  ];
}

check('PX-SMUGGLE', 'CL.TE, TE.CL and duplicate Content-Length do not desynchronise the MP connection', async ({ lab, client, evidence }) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const marker = randomUUID().slice(0, 8);
  const host = `${client.profile.install.CCMHOSTNAME}:${client.profile.install.CCMHTTPSPORT}`;
  const replies: string[] = [];
  for (const variant of variants(host, marker)) {
    const { response, error } = await client.transport.raw(client.managementPointOrigin, Buffer.from(variant.bytes, 'latin1'), 800);
    const statuses = [...response.toString('latin1').matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((match) => match[1]);
    replies.push(`${variant.name}: ${statuses.length ? statuses.join('+') : error ? `connection error (${error})` : 'closed without a reply'}`);
  }
  // Give a desynchronised upstream connection a moment to deliver what it queued.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const received = journal.since(mark);
  evidence.received('mp1', received);
  evidence.note(replies.join('; '));
  const smuggled = received.filter((entry) => entry.target.includes(`-${marker}`));
  ensure(smuggled.length === 0, `a request hidden in a body reached the MP as a request of its own: ${smuggled.map((entry) => `${entry.method} ${entry.target}`).join(', ')} — the proxy and the MP disagree on where a request ends`);
  evidence.pass(`no hidden request reached the MP (replies: ${replies.join('; ')})`);
});
