// PX-CT-OCTET, the response direction: a secret policy body (research W:26, W:71) is binary — CMS
// EnvelopedData encrypted to the certificate the client registered (sccmwtf; SharpSCCM `get secrets`
// in the Misconfiguration-Manager CRED-2 transcript) — served as application/octet-stream. A proxy
// must hand it to the client that owns it byte-exact, so that the client decrypts it with its own
// key, and must never hand it to another client: the MP serves a secret policy only to the client it
// is for. The oracle is the MP's journal (what it sent and to whom), never the reply that crossed the proxy.
import { createHash, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { IbcmClient } from '../../harness/client/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { arrival, describeClientResult, responseIntact, siteReason } from '../verify.js';

const MP = 'mp1';

/** The NAA policy of an assignment reply: PolicyCategory NAAConfig, the Secret flag (4) set (W:25, W:26). */
function secretPolicyOf(bodyXml: string | undefined): { policyId: string; location: string } | undefined {
  const match =
    /<Policy PolicyID="([^"]+)"[^>]*PolicyCategory="NAAConfig"[^>]*PolicyFlags="(\d+)"[^>]*>[\s\S]*?<!\[CDATA\[([^\]]+)\]\]>/.exec(
      bodyXml ?? '',
    );
  if (!match || (Number(match[2]) & 4) === 0) return undefined;
  return { policyId: match[1]!, location: match[3]! };
}

/** The client's side: CMS EnvelopedData opened with its own private key; the UTF-16LE XML inside, or why not. */
function decryptWith(privateKey: KeyObject, body: Buffer): { xml?: string; problem?: string } {
  try {
    const message = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(body.toString('binary'))));
    if (!('recipients' in message)) return { problem: 'the body is CMS but not EnvelopedData' };
    const envelope = message as forge.pkcs7.PkcsEnvelopedData & { content?: forge.util.ByteBuffer };
    const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    envelope.decrypt(envelope.recipients[0]!, key);
    if (!envelope.content) return { problem: 'the envelope did not open with the client key' };
    return { xml: Buffer.from(envelope.content.getBytes(), 'binary').toString('utf16le') };
  } catch (error) {
    return { problem: `not CMS EnvelopedData the client can open: ${(error as Error).message}` };
  }
}

const sha256 = (data: Buffer | undefined) =>
  createHash('sha256')
    .update(data ?? Buffer.alloc(0))
    .digest('hex');

const viaToken = (client: IbcmClient) => (header: [string, string]) =>
  header[0].toLowerCase() === 'clienttoken' && header[1].startsWith(`${client.smsId};`);

check(
  'PX-CT-OCTET',
  'a secret policy reaches its owner byte-exact and decrypts with its key; another client is refused',
  async ({ lab, newClient, evidence }) => {
    const journal = lab.journal(MP);
    const mark = journal.mark();
    const [owner, other] = [newClient('ws01'), newClient('ws02')];
    const registrations = await Promise.all([owner.register(), other.register()]);
    registrations.forEach((registration) => evidence.sent(registration.exchange));
    prerequisite(
      owner.smsId && other.smsId,
      `registration failed: ${registrations.map((r) => describeClientResult(r.exchange) + siteReason(lab, r.exchange)).join('; ')}`,
    );
    const assignments = await owner.requestAssignments();
    evidence.sent(assignments.exchange);
    const secret = secretPolicyOf(assignments.reply?.bodyXml);
    prerequisite(
      secret,
      `the owner's assignment reply carries no secret NAAConfig policy: ${describeClientResult(assignments.exchange)}${siteReason(lab, assignments.exchange)}`,
    );
    const assignment = { policyId: secret.policyId, location: secret.location };

    // The owner fetches its secret policy with ClientToken (W:21), as SharpSCCM does.
    const owned = await owner.getPolicyBody(assignment, { auth: 'ClientToken' });
    evidence.sent(owned);
    const received = journal.since(mark);
    const ownerRequests = received.filter((entry) => entry.method === 'GET' && entry.headers.some(viaToken(owner)));
    const { entry, problems } = arrival(owned, ownerRequests.length ? ownerRequests : received, {
      headers: ['ClientToken', 'ClientTokenSignature'],
    });
    // A 200 for a request that never reached the MP came from the proxy (a cache): whose body it is, the
    // MP cannot say — the secret policy was not served by the MP to the client it is for.
    ensure(
      entry || owned.status !== 200,
      `${owner.profile.computerName} (${owner.smsId}) got a ${owned.responseBodyLength}-byte 200 for its secret policy ${secret.policyId} but no request of its own reached the MP: the proxy answered it`,
      'policy-of-another-client',
    );
    ensure(entry, `${problems[0]}; ${describeClientResult(owned)}`, problems[0]?.code);
    ensure(problems.length === 0, problems.join('; '), problems[0]?.code);
    prerequisite(
      entry.response.status === 200,
      `the MP did not serve the secret policy to its owner (${entry.response.status}${siteReason(lab, owned)})`,
    );
    const changed = responseIntact(owned, entry);
    ensure(!changed, `the secret policy ${secret.policyId}: ${changed}`, 'body-changed');
    const identity = await owner.signingIdentity();
    const opened = decryptWith(identity.privateKey, owned.responseBody ?? Buffer.alloc(0));
    ensure(opened.xml, `the owner got the MP's ${entry.response.bodyLength} bytes but ${opened.problem}`, 'body-changed');
    ensure(
      /class="CCM_NetworkAccessAccount"/.test(opened.xml),
      'the decrypted secret policy carries no CCM_NetworkAccessAccount instance',
      'body-changed',
    );

    // Another registered client asks for the owner's secret policy with its own valid ClientToken.
    const foreignMark = journal.mark();
    const foreign = await other.getPolicyBody(assignment, { auth: 'ClientToken' });
    evidence.sent(foreign);
    const foreignReceived = journal.since(foreignMark);
    evidence.received(MP, [...received, ...foreignReceived]);
    const foreignEntry = foreignReceived.find((candidate) => candidate.method === 'GET' && candidate.headers.some(viaToken(other)));
    ensure(
      !(foreign.status === 200 && sha256(foreign.responseBody) === sha256(owned.responseBody)),
      `${other.profile.computerName} (${other.smsId}) received ${owner.profile.computerName}'s secret policy ${secret.policyId}${foreignEntry ? '' : ' without its request reaching the MP: the proxy answered it'}`,
      'policy-of-another-client',
    );
    ensure(
      foreignEntry,
      `${other.profile.computerName}'s request for another client's secret policy never reached the MP (${describeClientResult(foreign)}): the proxy answered it`,
      'policy-of-another-client',
    );
    prerequisite(
      foreignEntry.response.status === 403,
      `the MP answered another client's request for the secret policy with ${foreignEntry.response.status}, not 403`,
    );
    ensure(
      foreign.status === 403,
      `the MP refused ${other.profile.computerName} with 403 but the client got ${describeClientResult(foreign)}`,
      'response-changed',
    );
    evidence.pass(
      `the secret NAA policy (${entry.response.bodyLength}-byte CMS EnvelopedData, application/octet-stream) reached its owner ${owner.smsId} byte-exact (sha256 ${entry.response.bodySha256.slice(0, 12)}…) and opened with its key; ${other.profile.computerName}'s request for it was refused by the MP (403) and the refusal reached it`,
    );
  },
);
