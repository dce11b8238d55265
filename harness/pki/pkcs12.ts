/**
 * PKCS#12 export (node-forge) of a key with its certificate chain, for proxies and appliances that
 * import only PKCS#12 (DESIGN.md, pki: "PKCS#12 export for appliances").
 *
 * Key bag: PKCS#12 PBE with SHA-1 and 3-key triple DES, certificates unencrypted, HMAC-SHA1 MAC —
 * the classic, widely importable form. Not RC2-40 (node-forge's default for some bags), which
 * OpenSSL 3 reads only with its legacy provider.
 */
import forge from 'node-forge';

export interface Pkcs12Input {
  /** PKCS#8 ("PRIVATE KEY") or PKCS#1 PEM. */
  keyPem: string;
  /** Leaf first, then its issuers. */
  chainPems: string[];
  password: string;
  /** friendlyName attribute of the bags (what Windows' certificate import shows). */
  friendlyName?: string;
}

export function pkcs12Der(input: Pkcs12Input): Buffer {
  if (input.chainPems.length === 0) throw new Error('pkcs12Der: the chain needs at least the leaf certificate');
  const key = forge.pki.privateKeyFromPem(input.keyPem);
  const chain = input.chainPems.map((pem) => forge.pki.certificateFromPem(pem));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, chain, input.password, {
    algorithm: '3des',
    friendlyName: input.friendlyName,
    generateLocalKeyId: true,
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
