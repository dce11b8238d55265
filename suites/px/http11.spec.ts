// PX-HTTP11: HTTP/1.1 with keep-alive on both legs (seed 000, "Prerequisites": proxies must
// support HTTP 1.1; BITS requires it, W:34). Two requests on one client connection must reach
// the MP as HTTP/1.1, and on one upstream connection (a proxy that speaks 1.0 or closes after
// every request loses keep-alive, and with it connection-oriented authentication).
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { arrival, describeClientResult } from '../verify.js';

check('PX-HTTP11', 'HTTP/1.1 with keep-alive reaches the MP', async ({ lab, client, evidence }) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const first = await client.getMpList();
  const second = await client.send({ method: 'HEAD', target: '/CCM_Client/ccmsetup.exe', headers: [['User-Agent', 'Microsoft BITS/7.8']] });
  const received = journal.since(mark);
  evidence.sent(first, second);
  evidence.received('mp1', received);
  const entries = [first, second].map((exchange) => arrival(exchange, received).entry);
  ensure(entries[0] && entries[1], `both requests must reach the MP: ${describeClientResult(first)}, ${describeClientResult(second)}; MP received ${received.length}`);
  const versions = entries.map((entry) => entry!.version);
  ensure(versions.every((version) => version === 'HTTP/1.1'), `the MP received ${versions.join(' and ')}: the proxy does not speak HTTP/1.1 upstream`);
  const connections = new Set(entries.map((entry) => entry!.connectionId));
  ensure(connections.size === 1, `two requests on one client connection reached the MP on ${connections.size} different connections: keep-alive is not carried through`);
  const closing = entries.find((entry) => entry!.headers.some(([name, value]) => name.toLowerCase() === 'connection' && /close/i.test(value)));
  ensure(!closing, 'the proxy asked the MP to close the connection after a request (Connection: close)');
  evidence.pass(`both requests arrived as HTTP/1.1 on one MP connection (#${[...connections][0]}), kept alive`);
});
