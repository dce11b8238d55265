// MOB-ENROLLED-NO-BRIDGE and MOB-LEGACY-USER-AUTH (seed 000, "SSL bridging to SSL" / "Tunneling"):
// "Mobile devices that are enrolled by Configuration Manager do not support SSL bridging" — the MP
// knows an enrolled device by its enrollment certificate, which a bridge replaces with its own
// (roles/management-point/mobile-devices.ts says why the lab models it so) — while a tunnel carries
// the device's own handshake; and "mobile device legacy clients are authenticated by using user
// authentication" at the bridge, computers by computer authentication. Evidence: the device's
// result and the MP journal's TLS facts (whose certificate the MP saw). For the legacy client the
// oracle is the MP's own record of who it authenticated (`decided.authenticatedAs`, journaled at the
// site, never read from the response): the user its certificate names, not the bridge nor a computer.
import { X509Certificate } from 'node:crypto';
import { MOBILE_DEVICE_SYNC_PATH, MobileDeviceClient } from '../../harness/client/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult, proxyLogLines } from '../verify.js';
import { closeAll, mobileDevice, sameSerial } from './support.js';

check(
  'MOB-ENROLLED-NO-BRIDGE',
  'an enrolled mobile device is broken by a bridge and carried by a tunnel',
  async ({ lab, newClient, evidence }) => {
    const devices: MobileDeviceClient[] = [];
    try {
      const mp = lab.siteSystem('management-point');
      const journal = lab.journal(mp.name);
      const { device, certificate } = await mobileDevice(lab, 'enrolled', 'internet', devices);
      const mark = journal.mark();
      const result = await device.sync();
      evidence.sent(result.exchange);
      const seen = journal.since(mark).filter((entry) => entry.target.startsWith(MOBILE_DEVICE_SYNC_PATH));
      evidence.received(mp.name, seen);
      const sawAs =
        seen.map((entry) => `${entry.tls?.peerCertificate?.subject ?? 'no certificate'} → ${entry.response.status}`).join('; ') ||
        'nothing';
      const asDevice = seen.filter(
        (entry) => sameSerial(entry.tls?.peerCertificate?.serialNumber, certificate.serialNumber) && entry.response.status === 200,
      );
      if (lab.mode === 'bridge') {
        ensure(
          result.failure,
          `the enrolled device worked through the bridge (${describeClientResult(result.exchange)}); the MP saw ${sawAs}`,
          'enrolled-device-bridged',
        );
        ensure(asDevice.length === 0, `the MP accepted the device's own certificate through a bridge: ${sawAs}`);
        // Control: the same bridge carries a computer client, whose identity is in its payload.
        const computer = newClient();
        const control = await computer.getMpList();
        evidence.sent(control);
        prerequisite(
          control.status === 200,
          `control: the bridge does not carry a computer client either (${describeClientResult(control)}), so the device's failure says nothing about devices`,
        );
        evidence.pass(
          `through the bridge the MP saw ${sawAs} instead of the device's enrollment certificate ${certificate.subject}, and the device failed: ${result.failure}; control: a computer client's MP list through the same bridge: HTTP 200`,
        );
        return;
      }
      ensure(
        !result.failure,
        `the tunnel did not carry the enrolled device: ${result.failure}; the MP saw ${sawAs}`,
        'tunnel-did-not-carry',
      );
      ensure(
        asDevice.length === 1,
        `the MP did not see the device's own enrollment certificate (serial ${certificate.serialNumber}): ${sawAs}`,
      );
      // Control: the MP refuses a certificate that is not an enrolled device's (a computer's), so the
      // device's success rests on its own certificate arriving.
      const asComputer = new MobileDeviceClient('enrolled', lab.clientProfile());
      devices.push(asComputer);
      const control = await asComputer.sync();
      evidence.sent(control.exchange);
      ensure(
        control.failure && control.exchange.status === 403,
        `negative control: the MP took a computer's certificate for an enrolled device (${describeClientResult(control.exchange)})`,
      );
      evidence.pass(
        `through the tunnel the device synchronised (HTTP 200) and the MP saw its own enrollment certificate ${certificate.subject}; control: a computer's certificate is refused there (${control.failure})`,
      );
    } finally {
      await closeAll(devices);
    }
  },
);

check(
  'MOB-LEGACY-USER-AUTH',
  'a bridge authenticates a legacy mobile client as its user, a computer as the computer',
  async ({ lab, newClient, evidence }) => {
    const devices: MobileDeviceClient[] = [];
    try {
      const mp = lab.siteSystem('management-point');
      const journal = lab.journal(mp.name);
      const { device: legacy, certificate } = await mobileDevice(lab, 'legacy', 'internet', devices);
      const presented = new X509Certificate(certificate.certPem);
      prerequisite(
        !/DNS:/.test(presented.subjectAltName ?? ''),
        `the legacy client's certificate names a computer (${presented.subjectAltName})`,
      );
      // The user the certificate names (UPN user@domain), as the MP's Windows authentication records it (DOMAIN\user).
      const upn =
        /(?:^|,\s*)CN=([^,@]+)@/i.exec(certificate.subject)?.[1] ?? /UPN:?\s*([^@,]+)@/i.exec(presented.subjectAltName ?? '')?.[1];
      prerequisite(upn && !upn.endsWith('$'), `the legacy client's certificate names no user (${certificate.subject})`);
      prerequisite(legacy.profile.account, "the topology has no domain account for the legacy client's user");
      const mark = journal.mark();
      const result = await legacy.getMpList();
      evidence.sent(result.exchange);
      const seen = journal.since(mark).filter((entry) => entry.target.includes('MPLIST'));
      evidence.received(`${mp.name} (legacy mobile client)`, seen);
      ensure(
        !result.failure,
        `the bridge did not admit the legacy mobile client authenticated as the user ${certificate.subject}: ${result.failure}`,
        'legacy-user-refused',
      );
      ensure(
        seen.length === 1 && !sameSerial(seen[0]!.tls?.peerCertificate?.serialNumber, certificate.serialNumber),
        `the MP journal shows ${seen.length} request(s) from the legacy client, seen as ${seen.map((entry) => entry.tls?.peerCertificate?.subject ?? 'no certificate').join(', ') || 'nothing'} (expected one, bridged under the proxy's own certificate)`,
      );
      // User authentication: the MP itself must have authenticated the user the certificate names.
      const authMark = journal.mark();
      const auth = await legacy.authenticateUser();
      evidence.sent(...auth.legs);
      const authSeen = journal.since(authMark).filter((entry) => /ccm_system_windowsauth/i.test(entry.target));
      evidence.received(`${mp.name} (legacy mobile client, user authentication)`, authSeen);
      const recorded = authSeen.map((entry) => entry.decided?.authenticatedAs).filter((who): who is string => Boolean(who));
      const asUser = recorded.filter((who) => who.split('\\').at(-1)!.toLowerCase() === upn.toLowerCase());
      ensure(
        asUser.length > 0 && recorded.length === asUser.length,
        `the MP did not authenticate the legacy mobile client as its user ${upn}: it recorded ${recorded.length ? recorded.join(', ') : 'no authenticated account'} (${authSeen.map((entry) => `${entry.method} → ${entry.response.status}${entry.headers.some(([name]) => name.toLowerCase() === 'authorization') ? ' with Authorization' : ' without Authorization'}`).join(', ') || 'no request'}; client: ${auth.failure ?? describeClientResult(auth.exchange)}); upstream the MP saw ${authSeen.map((entry) => entry.tls?.peerCertificate?.subject ?? 'no certificate').at(-1) ?? 'nothing'}`,
        'user-not-authenticated',
      );
      // A computer through the same bridge, by its computer certificate.
      const computer = newClient();
      const computerMark = journal.mark();
      const control = await computer.getMpList();
      evidence.sent(control);
      evidence.received(
        `${mp.name} (computer)`,
        journal.since(computerMark).filter((entry) => entry.target.includes('MPLIST')),
      );
      ensure(control.status === 200, `the bridge did not admit the computer by its computer certificate: ${describeClientResult(control)}`);
      const userLines = await proxyLogLines(lab, (line) => line.includes(certificate.subject.replace(/^.*CN=/, '')), 1000);
      if (userLines.length) evidence.note(`proxy log: ${userLines.slice(0, 2).join(' | ')}`);
      evidence.pass(
        `the bridge admitted the legacy mobile client by its user's certificate (${certificate.subject}, no computer name) and bridged it to the MP (journal: seen as ${seen[0]!.tls?.peerCertificate?.subject ?? '-'}); the MP authenticated it as the user ${asUser[0]} (its journal's record of the Windows authentication); the computer was admitted by its computer certificate (${computer.profile.fqdn})`,
      );
    } finally {
      await closeAll(devices);
    }
  },
);
