// MOB-INTERNET-ONLY and MOB-DIRECT (seed 000): a mobile device configured with an internet MP is
// internet-only by itself — on the intranet too it talks to the MP by its internet name, never to
// intranet site systems — and it reaches the site over a direct internet connection, never through
// the machine's web proxy. Verdicts rest on the device's result AND on the MP's journal (which name
// it was asked by, from which address); the control in each is a computer client in the same place,
// which the same assertions tell apart.
import { detectNetworkLocation, managementPointAt, type MobileDeviceClient } from '../../harness/client/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult } from '../verify.js';
import { closeAll, hostHeader, mobileDevice, remoteOf } from './support.js';

check(
  'MOB-INTERNET-ONLY',
  'a mobile device configured with an internet MP is internet-only, also on the intranet',
  async ({ lab, newClient, evidence }) => {
    const devices: MobileDeviceClient[] = [];
    try {
      const mp = lab.siteSystem('management-point');
      const journal = lab.journal(mp.name);
      const { device } = await mobileDevice(lab, 'enrolled', 'intranet', devices);
      ensure(
        device.managementMode === 'internet-only',
        `the device configured with ${device.profile.install.CCMHOSTNAME} (CCMALWAYSINF=0) is ${device.managementMode}`,
      );
      const mark = journal.mark();
      const result = await device.getMpList();
      evidence.sent(result.exchange);
      const seen = journal
        .since(mark)
        .filter((entry) => entry.target.includes('MPLIST') && remoteOf(entry) === device.profile.localAddress);
      evidence.received(mp.name, seen);
      ensure(
        !result.failure,
        `the device on the intranet could not reach its internet MP ${device.managementPointOrigin}: ${result.failure}`,
        'internet-mp-unreachable',
      );
      ensure(
        seen.length === 1 && seen.every((entry) => hostHeader(entry) === mp.internetFqdn),
        `the MP journal shows the device's MP-list request(s) by ${seen.map(hostHeader).join(', ') || 'nothing'}, expected one by its internet name ${mp.internetFqdn}`,
      );

      // Control: a computer installed the same way (CCMALWAYSINF=0) in the same place detects the
      // intranet and uses the MP by its intranet name — which the assertion above would refuse.
      const base = lab.clientProfile(undefined, { segment: 'intranet' });
      const computer = newClient({ ...base, install: { ...base.install, CCMALWAYSINF: 0 } });
      const detection = await detectNetworkLocation(computer);
      const origin = managementPointAt(computer, detection.location);
      const controlMark = journal.mark();
      const control = await computer.send(
        { method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST1&${computer.profile.install.SMSSITECODE}` },
        origin,
      );
      evidence.sent(control);
      const controlSeen = journal.since(controlMark).filter((entry) => entry.target.includes('MPLIST'));
      ensure(
        control.status === 200 && controlSeen.length > 0 && controlSeen.every((entry) => hostHeader(entry) === mp.intranetFqdn),
        `negative control: the computer client on the intranet did not use the intranet MP (${describeClientResult(control)}, journal ${controlSeen.map(hostHeader).join(', ') || 'nothing'})`,
      );
      evidence.pass(
        `on the intranet, with CCMALWAYSINF=0, the mobile device asked the MP as ${mp.internetFqdn} (MP journal, from ${device.profile.localAddress}) and detected nothing; control: a computer installed the same way there detected ${detection.location} and asked ${mp.intranetFqdn}`,
      );
    } finally {
      await closeAll(devices);
    }
  },
);

check(
  'MOB-DIRECT',
  'a mobile device reaches the site over a direct connection, never through a web proxy',
  async ({ lab, newClient, evidence }) => {
    const devices: MobileDeviceClient[] = [];
    try {
      const mp = lab.siteSystem('management-point');
      const journal = lab.journal(mp.name);
      const { device } = await mobileDevice(lab, 'enrolled', 'internet', devices);
      const mark = journal.mark();
      const result = await device.getMpList();
      evidence.sent(result.exchange);
      const seen = journal.since(mark).filter((entry) => entry.target.includes('MPLIST'));
      evidence.received(mp.name, seen);
      ensure(
        !result.failure,
        `the mobile device could not reach ${device.managementPointOrigin} over a direct connection: ${result.failure}`,
        'no-direct-connection',
      );
      ensure(
        seen.length === 1 && remoteOf(seen[0]!) === device.profile.localAddress,
        `the MP saw the device's request from ${seen.map(remoteOf).join(', ') || 'nowhere'}, not from the device's own address ${device.profile.localAddress}`,
      );
      if (lab.mode !== 'forward') {
        evidence.pass(
          `the mobile device reached ${mp.internetFqdn} directly: the MP journal shows its request from its own address ${device.profile.localAddress}`,
        );
        return;
      }
      prerequisite(device.ignoredWebProxy, "in forward mode the device's network has a web proxy to ignore");
      // Control: a computer client with the same proxy setting goes through the web proxy, and the
      // MP's journal then shows another address — the assertion above tells the two apart.
      const computer = newClient(lab.clientProfile());
      const controlMark = journal.mark();
      const control = await computer.getMpList();
      evidence.sent(control);
      const controlSeen = journal.since(controlMark).filter((entry) => entry.target.includes('MPLIST'));
      ensure(
        control.status === 200 && controlSeen.length === 1 && remoteOf(controlSeen[0]!) !== computer.profile.localAddress,
        `negative control: the computer client's request through the web proxy reached the MP from ${controlSeen.map(remoteOf).join(', ') || 'nowhere'} (${describeClientResult(control)})`,
      );
      const connects = lab.proxyLog().filter((line) => line.includes(device.profile.localAddress ?? '-') && /CONNECT/.test(line));
      evidence.pass(
        `with the web proxy ${device.ignoredWebProxy.host}:${device.ignoredWebProxy.port} set on its network the mobile device went direct: the MP journal shows its request from its own address ${device.profile.localAddress}${connects.length ? '' : ' and the proxy log no CONNECT from it'}; control: a computer client there reached the MP through the proxy (from ${remoteOf(controlSeen[0]!)})`,
      );
    } finally {
      await closeAll(devices);
    }
  },
);
