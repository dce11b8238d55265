// PX-NTLM-AFFINITY: Windows-integrated authentication through the proxy (seed 000, user policy;
// W:60). NTLM's 401 handshake is bound to one connection: one client connection must map to one
// upstream connection, never shared between clients, or clients authenticate as each other.
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { authenticatedAs, describeClientResult, siteReason } from '../verify.js';

check('PX-NTLM-AFFINITY', 'NTLM multi-leg 401 works and two concurrent clients stay themselves', async ({ lab, newClient, evidence }) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const clients = [newClient('ws01'), newClient('ws02')];
  // The legs in a fixed order, so a proxy that pools upstream connections is caught every time, not
  // only when the timing happens to share one: ws01 Negotiate, then ws02 Negotiate (a pooling proxy
  // hands it ws01's idle upstream connection, whose challenge becomes ws02's), then both Authenticate.
  const firstNegotiated = deferred();
  const secondNegotiated = deferred();
  const results = await Promise.all([
    // (`finally`: a handshake that stops at its first leg must not leave the other waiting.)
    clients[0]!
      .registerWithWindowsAuth({ afterNegotiate: async () => (firstNegotiated.resolve(), secondNegotiated.promise) })
      .finally(firstNegotiated.resolve),
    firstNegotiated.promise
      .then(() => clients[1]!.registerWithWindowsAuth({ afterNegotiate: async () => secondNegotiated.resolve() }))
      .finally(secondNegotiated.resolve),
  ]);
  const received = journal.since(mark).filter((entry) => entry.target.toLowerCase().startsWith('/ccm_system_windowsauth'));
  results.forEach((result) => evidence.sent(...result.legs));
  evidence.received('mp1', received);
  for (const [index, client] of clients.entries()) {
    const result = results[index]!;
    const account = `${client.profile.account!.domain}\\${client.profile.account!.user}`;
    const last = result.legs.at(-1)!;
    ensure(
      result.legs.length === 2,
      `${client.profile.computerName}: the NTLM handshake did not get past the first leg: ${describeClientResult(result.legs[0]!)}${siteReason(lab, result.legs[0]!)}`,
      'handshake-broken',
    );
    ensure(
      last.status === 200,
      `${client.profile.computerName} (${account}): the Authenticate leg was refused: ${describeClientResult(last)}${siteReason(lab, last)}`,
      'handshake-broken',
    );
    // Whom the MP authenticated is what it journaled for this leg (the reply's lab header crossed the proxy).
    const authorization = last.requestHeaders.find(([name]) => name.toLowerCase() === 'authorization')?.[1];
    const entry = received.find((candidate) =>
      candidate.headers.some(([name, value]) => name.toLowerCase() === 'authorization' && value === authorization),
    );
    const mpAuthenticated = authenticatedAs(entry);
    ensure(
      mpAuthenticated === account,
      `${client.profile.computerName} logged on as ${account} but the MP authenticated the connection as ${mpAuthenticated ?? '(nobody)'} (MP journal${entry ? ` #${entry.seq}` : ': no matching entry'}): connections were shared between clients`,
      'identity-mixed',
    );
  }
  // Both legs of each handshake must have used one MP connection, and the clients different ones.
  const connections = received.map((entry) => entry.connectionId);
  ensure(
    new Set(connections).size === 2,
    `the four legs reached the MP on ${new Set(connections).size} connection(s) (${connections.join(', ')}); expected one per client`,
    'connection-shared',
  );
  evidence.pass(
    `both clients completed Negotiate → 401 Challenge → Authenticate, each on its own MP connection (${[...new Set(connections)].join(' and ')}), and each was authenticated as itself`,
  );
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
