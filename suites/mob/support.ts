// Mobile devices for the MOB checks: an enrolled device (its enrollment certificate, issued by the
// site's PKI for `<device>.devices.<intranet domain>`) or a legacy mobile client (its user's
// certificate), standing where a check puts it. Each is closed at the end of the check.
import { MobileDeviceClient, type ClientProfile, type MobileDeviceKind } from '../../harness/client/index.js';
import type { JournalEntry } from '../../harness/http/index.js';
import { nameReached } from '../verify.js';
import type { Lab, LabClientCertificate } from '../../harness/lab/index.js';
import type { Segment } from '../../harness/topology/index.js';

export interface MobileDevice {
  device: MobileDeviceClient;
  certificate: LabClientCertificate;
}

/** A mobile device configured with the lab's internet MP (CCMALWAYSINF left at 0: it must not matter). */
export async function mobileDevice(
  lab: Lab,
  kind: MobileDeviceKind,
  segment: Segment,
  devices: MobileDeviceClient[],
): Promise<MobileDevice> {
  const name = kind === 'enrolled' ? 'WM-0001' : 'PDA-LEGACY';
  // A user account (a computer's ends in `$`): the legacy client's certificate and Windows authentication are its user's.
  const account = lab.topology.domain.accounts.find((candidate) => !candidate.user.endsWith('$'));
  const user = `${account?.user ?? 'mobileuser'}@${lab.topology.domains.intranet}`;
  const certificate = await lab.pki.issueClientCertificate({
    variant: 'valid',
    subject: kind === 'enrolled' ? { kind: 'device', name } : { kind: 'user', name: user },
  });
  const base = lab.clientProfile(undefined, { segment });
  const profile: ClientProfile = {
    ...base,
    name: name.toLowerCase(),
    computerName: name,
    fqdn: certificate.dnsNames[0] ?? name.toLowerCase(),
    install: { ...base.install, CCMALWAYSINF: 0 },
    certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem, chainPem: certificate.chainPem },
    otherCertificates: undefined,
    // A device joins no domain and knows no DC; it is given no intranet site systems.
    domainController: undefined,
    intranetSiteSystems: undefined,
    // A legacy mobile client's user (the one its certificate names) authenticates with Windows authentication.
    account:
      kind === 'legacy' && account
        ? { domain: lab.topology.domain.netbiosName, user: account.user, password: account.password }
        : undefined,
    cloudManagementGateway: undefined,
  };
  const device = new MobileDeviceClient(kind, profile);
  devices.push(device);
  return { device, certificate };
}

export const remoteOf = (entry: JournalEntry) => entry.remoteAddress.replace(/^::ffff:/, '');
export const hostHeader = nameReached;
export const sameSerial = (a?: string, b?: string) =>
  Boolean(a && b) && a!.toUpperCase().replace(/^0+/, '') === b!.toUpperCase().replace(/^0+/, '');

/** Closes the devices a check made (the fixtures close computer clients themselves). */
export async function closeAll(devices: MobileDeviceClient[]): Promise<void> {
  await Promise.all(devices.map((device) => device.close()));
}
