// The site's network access account (NAA) as a secret policy (research W:26, W:71).
// - Assignment: one more `<PolicyAssignment>` in ReplyAssignments, PolicyCategory "NAAConfig",
//   PolicyFlags with the Secret bit (4) — SCCMSecrets `policies_dumper.py` flag table (W:25) and the
//   category name SharpSCCM/SCCMSecrets filter NAA policies by [TOOL].
// - Body: CMS (PKCS #7) EnvelopedData encrypted to the *encryption certificate the client registered*
//   (`<Certificates><Encryption>` of the registration request, W:24): sccmwtf decrypts the body with
//   the key it registered — RSA PKCS #1 v1.5 key transport and 3DES-CBC on older sites (W:26, [TOOL]);
//   the decrypted content is UTF-16LE XML. Newer sites use AES-256 + RSAES-OAEP (Metasploit); the lab
//   uses the sccmwtf form, which node-forge writes.
// - Inside: `instance class="CCM_NetworkAccessAccount"` with `property name="NetworkAccessUsername"` /
//   `"NetworkAccessPassword"`, each `<value>` an obfuscated blob — PXEThief `process_naa_xml`
//   (`//*[@class='CCM_NetworkAccessAccount']`, `.//*[@name='NetworkAccessUsername']`, `.find("value").text`)
//   and `deobfuscate_credential_string`: hex; bytes 4..44 key data; the ALG_ID at byte 56 (LE, 0x6603
//   CALG_3DES; `credential_string_algo` reads "0366"); ciphertext from byte 64; key = CryptDeriveKey(SHA-1)
//   of the key data (`aes_des_key_derivation`), 3DES-CBC with a zero IV; plaintext UTF-16LE cut at its
//   last NUL [TOOL]. The first four bytes 89 13 00 00 follow a public collector's note that 3DES
//   blobs start "8913" [TOOL]; bytes 44..56 and 60..64 are [INFER] (zero, and the plaintext length).
//   Element names `instance`/`property`/`value` and the root `Policy` are [INFER] (the tools match by
//   attribute).
// - Who gets it: the policy ID is derived from the client (as the lab's machine policy is), so a
//   secret body handed to another client is visible; the MP serves it only to the client it is
//   assigned to and refuses others with the ERROR page (W:26). [INFER] for the per-client ID; a real
//   MP checks the requester before it serves a secret policy (MP_GetPolicyBodyAfterAuthorization).
import { createCipheriv, createDecipheriv, createHash, randomBytes, type X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { escapeXml } from '../../ccm-messaging/index.js';

export interface NetworkAccessAccount {
  /** DOMAIN\user. */
  user: string;
  password: string;
}

export const NAA_POLICY_CATEGORY = 'NAAConfig';
/** Secret (4) | RequiresAuth (2): SCCMSecrets' flag table (W:25). */
export const NAA_POLICY_FLAGS = 6;

export function naaPolicyId(smsId: string): string {
  const digest = createHash('sha256').update(`network-access-account:${smsId}`).digest('hex').toUpperCase();
  return `{${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}}`;
}

/** CryptDeriveKey(CALG_SHA1 → CALG_3DES/AES): SHA-1 of the secret, then the ipad/opad expansion (PXEThief `aes_des_key_derivation`). */
export function deriveObfuscationKey(keyData: Buffer): Buffer {
  const digest = createHash('sha1').update(keyData).digest();
  const expand = (pad: number) => {
    const block = Buffer.alloc(64, pad);
    for (let index = 0; index < digest.length; index++) block[index] = digest[index]! ^ pad;
    return createHash('sha1').update(block).digest();
  };
  return Buffer.concat([expand(0x36), expand(0x5c)]);
}

/** A policy secret value as the site writes it (see the header): hex, upper case. */
export function obfuscateSecret(value: string, keyData: Buffer = randomBytes(40)): string {
  const plaintext = Buffer.from(`${value}\0`, 'utf16le');
  const cipher = createCipheriv('des-ede3-cbc', deriveObfuscationKey(keyData).subarray(0, 24), Buffer.alloc(8));
  const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const head = Buffer.alloc(64);
  head.writeUInt32LE(0x1389, 0);
  keyData.copy(head, 4, 0, 40);
  head.writeUInt32LE(0x6603, 56);
  head.writeUInt32LE(plaintext.length, 60);
  return Buffer.concat([head, encrypted]).toString('hex').toUpperCase();
}

/** The reverse, as PXEThief's `deobfuscate_credential_string` does it (the lab's own oracle uses this too). */
export function deobfuscateSecret(hex: string): string {
  const keyData = Buffer.from(hex.slice(8, 88), 'hex');
  const encrypted = Buffer.from(hex.slice(128), 'hex');
  const algorithm = Buffer.from(hex.slice(112, 120), 'hex').readUInt32LE(0);
  if (algorithm !== 0x6603) throw new Error(`ALG_ID 0x${algorithm.toString(16)} is not CALG_3DES`);
  const decipher = createDecipheriv('des-ede3-cbc', deriveObfuscationKey(keyData).subarray(0, 24), Buffer.alloc(8));
  decipher.setAutoPadding(false);
  const whole = encrypted.subarray(0, Math.floor(encrypted.length / 8) * 8);
  const text = Buffer.concat([decipher.update(whole), decipher.final()]).toString('utf16le');
  return text.slice(0, text.lastIndexOf('\0'));
}

/** The NAA policy's XML (before encryption). */
export function naaPolicyXml(policyId: string, siteCode: string, account: NetworkAccessAccount): string {
  const property = (name: string, value: string) =>
    `<property name="${name}" type="8" secret="1"><value><![CDATA[${obfuscateSecret(value)}]]></value></property>`;
  return (
    `<?xml version="1.0" encoding="utf-16"?><Policy PolicyID="${escapeXml(policyId)}" PolicyVersion="1.00" PolicyType="Machine" PolicySource="SMS:${siteCode}">` +
    `<PolicyRule PolicyRuleID="${escapeXml(policyId)}"><PolicyAction PolicyActionType="WMI-XML"><instance class="CCM_NetworkAccessAccount">` +
    `<property name="SiteSettingsKey" type="19"><value>1</value></property>` +
    property('NetworkAccessUsername', account.user) +
    property('NetworkAccessPassword', account.password) +
    `</instance></PolicyAction></PolicyRule></Policy>`
  );
}

/** CMS EnvelopedData (DER) of UTF-16LE(xml + NUL) to `certificate`: RSA PKCS #1 v1.5 key transport, 3DES-CBC (sccmwtf, W:26). */
export function envelopeTo(certificate: X509Certificate, xml: string): Buffer {
  const recipient = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(certificate.raw.toString('binary'))));
  const envelope = forge.pkcs7.createEnvelopedData();
  envelope.addRecipient(recipient);
  envelope.content = forge.util.createBuffer(Buffer.from(`${xml}\0`, 'utf16le').toString('binary'));
  envelope.encrypt(undefined, forge.pki.oids['des-EDE3-CBC']);
  return Buffer.from(forge.asn1.toDer(envelope.toAsn1()).getBytes(), 'binary');
}
