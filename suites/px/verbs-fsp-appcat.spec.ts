// PX-VERB-FSP-POST and PX-VERB-APPCAT-*: the fallback status point takes plain-HTTP POST on port 80
// even where everything else is HTTPS-only (seed 000 "Prerequisites"; seed 001 ports; W:38, W:65);
// the Application Catalog website point takes GET and POST (seed 000; W:39). The catalog needs
// Windows authentication (seed 000), so its checks answer the NTLM challenge first: the type-3
// token then rides on the request under test, on the connection that received the challenge.
import { fspStateMessage } from '../../harness/ccm-messaging/index.js';
import type { Exchange, IbcmClient } from '../../harness/client/index.js';
import { createAuthenticate, createNegotiate } from '../../harness/ntlm/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { arrival, describeClientResult, responseIntact } from '../verify.js';

async function reaches(
  fixtures: CheckFixtures,
  kind: 'fallback-status-point' | 'application-catalog',
  send: (origin: string) => Promise<Exchange>,
  expectedStatus: number,
  more?: (exchange: Exchange) => string | undefined,
): Promise<Exchange> {
  const { lab, client, evidence } = fixtures;
  const system = lab.siteSystem(kind);
  const journal = lab.journal(system.name);
  const mark = journal.mark();
  const exchange = await send(client.originOf(kind));
  const received = journal.since(mark);
  evidence.sent(exchange);
  evidence.received(system.name, received);
  const { entry, problems } = arrival(exchange, received);
  ensure(entry, `${problems[0]}; ${describeClientResult(exchange)}`, problems[0]?.code);
  ensure(problems.length === 0, problems.join('; '), problems[0]?.code);
  const intact = responseIntact(exchange, entry);
  ensure(!intact, intact!, 'response-changed');
  ensure(exchange.status === expectedStatus, `the ${kind} answered ${exchange.status}, expected ${expectedStatus}`, 'unexpected-status');
  const extra = more?.(exchange);
  ensure(!extra, extra!, 'response-changed');
  return exchange;
}

/** NTLM Negotiate → 401 Challenge on the catalog; returns the Authorization header for the next request on that connection. */
async function windowsAuthorization(
  fixtures: CheckFixtures,
  client: IbcmClient,
  role: 'the check' | 'a prerequisite' = 'the check',
): Promise<[string, string]> {
  const account = client.profile.account;
  prerequisite(account, `${client.profile.computerName} has no domain account for the catalog's Windows authentication`);
  const negotiate = await client.send(
    { method: 'GET', target: '/CMApplicationCatalog', headers: [['Authorization', createNegotiate()]] },
    client.originOf('application-catalog'),
  );
  fixtures.evidence.sent(negotiate);
  const challenge = negotiate.responseHeaders?.filter(([name]) => name === 'www-authenticate').map(([, value]) => value) ?? [];
  const challenged = negotiate.status === 401 && challenge.length > 0;
  const reason = `the catalog's Windows authentication did not answer the NTLM Negotiate with a challenge: ${describeClientResult(negotiate)}`;
  // For the GET check the Negotiate is the GET under test; for the POST check it only opens the page.
  if (role === 'a prerequisite') prerequisite(challenged, reason);
  else ensure(challenged, reason, 'catalog-get-refused');
  return ['Authorization', createAuthenticate(challenge, account, { workstation: client.profile.computerName })];
}

check('PX-VERB-FSP-POST', 'plain-HTTP POST on port 80 reaches the fallback status point', async (fixtures) => {
  const { client, lab, evidence } = fixtures;
  const body = fspStateMessage({
    clientName: client.profile.computerName,
    siteCode: lab.topology.site.code,
    stateId: 2,
    message: 'lab check: the FSP path is open',
  });
  const exchange = await reaches(
    fixtures,
    'fallback-status-point',
    (origin) =>
      client.send(
        {
          method: 'POST',
          target: '/SMS_FSP/.sms_fsp',
          headers: [
            ['User-Agent', 'SMS CCM 5.0'],
            ['Content-Type', 'text/xml'],
          ],
          body,
        },
        origin,
      ),
    200,
  );
  const origin = client.originOf('fallback-status-point');
  ensure(origin.startsWith('http://'), `the FSP is published as ${origin}; it must be plain HTTP`, 'scheme-changed');
  evidence.pass(
    `POST /SMS_FSP/.sms_fsp (${exchange.requestBodyLength}-byte state message) reached the FSP over plain HTTP at ${origin} byte-exact and was acknowledged`,
  );
});

check('PX-VERB-APPCAT-GET', 'GET reaches the Application Catalog', async (fixtures) => {
  const authorization = await windowsAuthorization(fixtures, fixtures.client);
  const exchange = await reaches(
    fixtures,
    'application-catalog',
    (origin) =>
      fixtures.client.send({ method: 'GET', target: '/CMApplicationCatalog', headers: [['Accept', 'text/html'], authorization] }, origin),
    200,
    (e) =>
      /name="applicationId"/.test(e.responseBody?.toString() ?? '')
        ? undefined
        : 'the catalog page reached the client without its application list',
  );
  fixtures.evidence.pass(
    `GET /CMApplicationCatalog (NTLM-authenticated) reached the catalog and its ${exchange.responseBodyLength}-byte page reached the client unchanged`,
  );
});

check('PX-VERB-APPCAT-POST', 'POST reaches the Application Catalog (an application request)', async (fixtures) => {
  const { client, evidence } = fixtures;
  const page = await client.send(
    {
      method: 'GET',
      target: '/CMApplicationCatalog',
      headers: [['Accept', 'text/html'], await windowsAuthorization(fixtures, client, 'a prerequisite')],
    },
    client.originOf('application-catalog'),
  );
  evidence.sent(page);
  const applicationId = /name="applicationId" value="([^"]+)"/.exec(page.responseBody?.toString() ?? '')?.[1];
  prerequisite(applicationId, `the catalog page did not list an application: ${describeClientResult(page)}`);
  const exchange = await reaches(
    fixtures,
    'application-catalog',
    (origin) =>
      client.send(
        {
          method: 'POST',
          target: '/CMApplicationCatalog/Request',
          headers: [['Content-Type', 'application/x-www-form-urlencoded']],
          body: `applicationId=${encodeURIComponent(applicationId)}`,
        },
        origin,
      ),
    200,
  );
  evidence.pass(
    `POST /CMApplicationCatalog/Request for ${applicationId} reached the catalog byte-exact and was acknowledged (${exchange.responseBodyLength} bytes)`,
  );
});
