// PX-HTTP11: HTTP/1.1 with keep-alive on both legs (seed 000, "Prerequisites": proxies must
// support HTTP 1.1; BITS requires it, W:34). Two requests must go on one client connection (the
// client's own record of its connections) and reach the MP as HTTP/1.1 on one upstream connection
// (the MP journal's connection identity): a proxy that speaks 1.0 or closes after every request
// loses keep-alive, and with it connection-oriented authentication.
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { arrival, describeClientResult, responseHeader } from '../verify.js';

check('PX-HTTP11', 'HTTP/1.1 with keep-alive reaches the MP', async ({ lab, client, evidence }) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const first = await client.getMpList();
  const second = await client.send({ method: 'HEAD', target: '/CCM_Client/ccmsetup.exe', headers: [['User-Agent', 'Microsoft BITS/7.8']] });
  const received = journal.since(mark);
  evidence.sent(first, second);
  evidence.received('mp1', received);
  const entries = [first, second].map((exchange) => arrival(exchange, received, { headers: [] }).entry);
  ensure(
    entries[0] && entries[1],
    `both requests must reach the MP: ${describeClientResult(first)}, ${describeClientResult(second)}; MP received ${received.length}`,
    'not-received',
  );
  // The site system's leg, from the MP's journal.
  const versions = entries.map((entry) => entry!.version);
  ensure(
    versions.every((version) => version === 'HTTP/1.1'),
    `the MP received ${versions.join(' and ')}: the proxy does not speak HTTP/1.1 upstream`,
    'upstream-not-http11',
  );
  const connections = new Set(entries.map((entry) => entry!.connectionId));
  ensure(
    connections.size === 1,
    `two requests on one client connection reached the MP on ${connections.size} different connections: keep-alive is not carried through`,
    'upstream-keepalive-lost',
  );
  const closing = entries.find((entry) =>
    entry!.headers.some(([name, value]) => name.toLowerCase() === 'connection' && /close/i.test(value)),
  );
  ensure(!closing, 'the proxy asked the MP to close the connection after a request (Connection: close)', 'upstream-keepalive-lost');
  // The client's leg: the proxy answered over HTTP/1.1 and kept the client's connection open.
  ensure(
    first.connection !== undefined && first.connection === second.connection,
    `the client had to open a new connection for its second request (connections #${first.connection} and #${second.connection}): the proxy closed the client's connection after a response`,
    'client-keepalive-lost',
  );
  const clientClose = [first, second].find((exchange) => /\bclose\b/i.test(responseHeader(exchange, 'connection') ?? ''));
  ensure(!clientClose, `the proxy answered the client's ${clientClose?.method} with Connection: close`, 'client-keepalive-lost');
  evidence.pass(
    `both requests went on one client connection (#${first.connection}) and arrived as HTTP/1.1 on one MP connection (#${[...connections][0]}), kept alive on both legs`,
  );
});
