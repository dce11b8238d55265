// Registered clients, keyed by SMSID. The MP learns a client's signing key at registration and from
// then on identifies the client by signatures made with it — never by the TLS peer, which in bridge
// mode is the proxy (PX-BRIDGE-IDENTITY, research W:48).
import { createHash, type KeyObject, type X509Certificate } from 'node:crypto';

export interface RegisteredClient {
  smsId: string;
  netbiosName: string;
  fqdn: string;
  signingKey: KeyObject;
  /** The certificate of `<Certificates><Encryption>` at registration (W:24): secret policy is encrypted to it (W:26). */
  encryptionCertificate?: X509Certificate;
  registeredAt: string;
}

export class ClientRegistry {
  private readonly clients = new Map<string, RegisteredClient>();

  /** The same signing key always gets the same SMSID, as re-registration does on a real site. */
  register(signingKey: KeyObject, netbiosName: string, fqdn: string, encryptionCertificate?: X509Certificate): RegisteredClient {
    const digest = createHash('sha256')
      .update(signingKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
      .toUpperCase();
    const smsId = `GUID:${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
    const client = { smsId, netbiosName, fqdn, signingKey, encryptionCertificate, registeredAt: new Date().toISOString() };
    this.clients.set(smsId, client);
    return client;
  }

  find(smsId: string | undefined): RegisteredClient | undefined {
    return smsId === undefined ? undefined : this.clients.get(smsId);
  }
}
