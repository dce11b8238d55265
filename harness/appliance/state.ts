// What lasts between runs in appliance mode. An appliance is configured once, by hand, from the
// worksheet: the CA bundle it trusts, the certificate it presents (bridge), the client certificate of
// its upstream leg. So the lab keeps, per listen address and mode, under .ibcm-lab/appliance/:
//   ca-keys/        the CA key pairs: every run makes its CA certificates anew with the same keys and
//                   names, so what the appliance holds still chains and verifies (harness/pki/hierarchy.ts)
//   proxy/          the appliance's own certificates, keys and PKCS#12 files, made on the first run and
//                   reused while they are valid for the same names; material.json says what is there
// Keys stay 0600 in 0700 folders, like every key of the lab, and never leave this machine's disk.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { IssuedCertificate, Pkcs12Export } from '../pki/index.js';

const HOUR = 3_600_000;

/** The state folder of an appliance lab: one per listen address and mode. */
export function applianceStateDir(listen: string, mode: string): string {
  return resolve('.ibcm-lab', 'appliance', `${listen.replace(/[^A-Za-z0-9.-]/g, '_')}-${mode}`);
}

export function caKeysDirOf(stateDir: string): string {
  return join(stateDir, 'ca-keys');
}

export interface ApplianceCertificates {
  /** The CA bundle (root + issuing CA) the appliance trusts: kept from the first run, valid for every later one (same keys). */
  caBundlePath: string;
  proxyServer?: IssuedCertificate;
  proxyClient?: IssuedCertificate;
  pkcs12?: { proxyServer: Pkcs12Export; proxyClient: Pkcs12Export };
}

interface Material extends ApplianceCertificates {
  madeAt: string;
}

/**
 * The appliance's certificates for this run: the ones kept from an earlier run when they are still
 * valid for the same names, else `fresh` (this run's), copied into the state folder and kept.
 * `made` says which: a worksheet prints the PKCS#12 password only when the material was just made.
 */
export function lastingApplianceCertificates(
  stateDir: string,
  fresh: ApplianceCertificates,
  now: Date,
): ApplianceCertificates & { made: boolean; madeAt: Date } {
  const dir = join(stateDir, 'proxy');
  const materialFile = join(dir, 'material.json');
  const kept = readMaterial(materialFile);
  if (kept && stillFits(kept, fresh, now)) return { ...kept, made: false, madeAt: new Date(kept.madeAt) };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keep = (certificate: IssuedCertificate | undefined): IssuedCertificate | undefined => {
    if (!certificate) return undefined;
    const at = (suffix: string) => join(dir, `${certificate.name}${suffix}`);
    copyFileSync(certificate.certPath, at('.pem'));
    copyFileSync(certificate.chainPath, at('-chain.pem'));
    copyFileSync(certificate.keyPath, at('.key'));
    return { ...certificate, certPath: at('.pem'), chainPath: at('-chain.pem'), keyPath: at('.key') };
  };
  const keepPkcs12 = (exported: Pkcs12Export, name: string): Pkcs12Export => {
    const path = join(dir, `${name}.p12`);
    copyFileSync(exported.path, path);
    return { ...exported, path };
  };
  const caBundlePath = join(dir, 'ca-bundle.pem');
  copyFileSync(fresh.caBundlePath, caBundlePath);
  const material: Material = {
    madeAt: now.toISOString(),
    caBundlePath,
    proxyServer: keep(fresh.proxyServer),
    proxyClient: keep(fresh.proxyClient),
    pkcs12: fresh.pkcs12 && {
      proxyServer: keepPkcs12(fresh.pkcs12.proxyServer, 'proxy-server'),
      proxyClient: keepPkcs12(fresh.pkcs12.proxyClient, 'proxy-client'),
    },
  };
  writeFileSync(materialFile, JSON.stringify(material, null, 2), { mode: 0o600 });
  return { ...material, made: true, madeAt: now };
}

function readMaterial(file: string): Material | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const material = JSON.parse(readFileSync(file, 'utf8')) as Material;
    if (!existsSync(material.caBundlePath)) return undefined;
    for (const certificate of [material.proxyServer, material.proxyClient]) {
      if (!certificate) continue;
      certificate.notBefore = new Date(certificate.notBefore);
      certificate.notAfter = new Date(certificate.notAfter);
      for (const path of [certificate.certPath, certificate.chainPath, certificate.keyPath]) if (!existsSync(path)) return undefined;
    }
    return material;
  } catch {
    return undefined;
  }
}

/** Kept material serves while it holds the same names and has at least a day of validity left. */
function stillFits(kept: Material, fresh: ApplianceCertificates, now: Date): boolean {
  const sameNames = (a?: IssuedCertificate, b?: IssuedCertificate) =>
    Boolean(a) === Boolean(b) && (!a || (a.subject === b!.subject && [...a.dnsNames].sort().join() === [...b!.dnsNames].sort().join()));
  const valid = (certificate?: IssuedCertificate) => !certificate || certificate.notAfter.getTime() - now.getTime() > 24 * HOUR;
  return (
    sameNames(kept.proxyServer, fresh.proxyServer) &&
    sameNames(kept.proxyClient, fresh.proxyClient) &&
    Boolean(kept.pkcs12) === Boolean(fresh.pkcs12) &&
    valid(kept.proxyServer) &&
    valid(kept.proxyClient)
  );
}
