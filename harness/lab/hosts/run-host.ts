// Runs one lab host from its spec, in this process: the embedded driver calls it for every host, and
// `ibcm-lab host` calls it inside a container. Owns the host's listeners and applies the lab's
// commands to them (take down, new certificate, new CRL, Microsoft Update faults, new DNS records).
import net from 'node:net';
import { startDnsServer, type DnsQueryLogEntry, type StartedDnsServer } from '../../dns/index.js';
import { Journal, startSiteServer, type JournalEntry, type SiteHandler, type SiteServerOptions, type StartedSiteServer } from '../../http/index.js';
import { cloudManagementGateway } from '../../roles/cloud-management-gateway/index.js';
import { crlDistributionPoint } from '../../roles/crl-distribution-point/index.js';
import { microsoftUpdate, type MicrosoftUpdateBehaviour } from '../../roles/microsoft-update/index.js';
import type { Segment } from '../../topology/index.js';
import { mpControlCheck } from '../mp-control.js';
import { siteRoleHandler, softwareUpdateFiles } from '../site-roles.js';
import type { BeaconConnection, CrlFile, HostCommand, HostSpec, ServerSpec } from './spec.js';


/** Where a host's records go besides memory (a container host's files). */
export interface HostRecorders {
  journal?: (entry: JournalEntry) => void;
  dnsQuery?: (segment: Segment, entry: DnsQueryLogEntry) => void;
  connection?: (entry: BeaconConnection) => void;
}

export interface RunningHost {
  readonly name: string;
  readonly journal: Journal;
  readonly dns: Map<Segment, StartedDnsServer>;
  readonly connections: BeaconConnection[];
  /** Applies a command; answers data for commands that ask (mp-control), else undefined. */
  control(command: HostCommand): Promise<unknown>;
  stop(): Promise<void>;
}

export async function runHost(spec: HostSpec, recorders: HostRecorders = {}): Promise<RunningHost> {
  const journal = new Journal(recorders.journal);
  const dns = new Map<Segment, StartedDnsServer>();
  const connections: BeaconConnection[] = [];
  let crlFiles: CrlFile[] = spec.kind === 'crl-distribution-point' ? spec.crls : [];
  let muBehaviour: MicrosoftUpdateBehaviour = { kind: 'normal' };
  let internetManagementPoints: string[] | undefined;
  const site = { internetManagementPoints: () => internetManagementPoints };
  let extraClose: (() => Promise<void>) | undefined;

  // HTTP(S) listeners: their options are kept, so a command can restart them with new TLS material.
  const serverOptions: SiteServerOptions[] = [];
  let servers: StartedSiteServer[] = [];
  const serverName = (): string => {
    switch (spec.kind) {
      case 'site-system':
        return spec.system.role.kind;
      case 'cloud-management-gateway':
        return 'cloud-management-gateway';
      default:
        return spec.kind;
    }
  };
  const handler = (): SiteHandler | undefined => {
    switch (spec.kind) {
      case 'site-system':
        return siteRoleHandler(spec.system, spec.topology, spec.siteSystems, spec.certificatePem ? { certPem: spec.certificatePem } : undefined, site);
      case 'cloud-management-gateway': {
        const mp = spec.managementPoint;
        return cloudManagementGateway({ mpRoleId: spec.mpRoleId, managementPoint: siteRoleHandler(mp.system, mp.topology, mp.siteSystems, mp.certificatePem ? { certPem: mp.certificatePem } : undefined) });
      }
      case 'crl-distribution-point':
        return crlDistributionPoint({ crls: () => crlFiles.map((crl) => ({ path: crl.path, der: Buffer.from(crl.derBase64, 'base64') })) });
      case 'microsoft-update':
        return microsoftUpdate({ files: softwareUpdateFiles(), behaviour: () => muBehaviour });
      default:
        return undefined;
    }
  };
  const siteHandler = handler();
  if ('servers' in spec && siteHandler) {
    // A lenient MP parser is a property of the role (topology), so it reaches a container host through its spec too.
    const requestFraming = spec.kind === 'site-system' && spec.system.role.kind === 'management-point' ? spec.system.role.requestFraming : undefined;
    for (const server of spec.servers as ServerSpec[]) serverOptions.push({ name: serverName(), host: server.host, port: server.port, journal, handler: siteHandler, tls: server.tls, requestFraming });
  }
  const listen = async () => {
    if (servers.length > 0) return;
    const started: StartedSiteServer[] = [];
    try {
      for (const options of serverOptions) started.push(await startSiteServer(options));
    } catch (error) {
      await Promise.all(started.map((server) => server.close()));
      throw error;
    }
    servers = started;
  };
  const stopListening = async () => {
    const running = servers;
    servers = [];
    await Promise.all(running.map((server) => server.close()));
    const close = extraClose;
    extraClose = undefined;
    await close?.();
  };
  const restartTls = async (tls: Partial<NonNullable<SiteServerOptions['tls']>>) => {
    const wasListening = servers.length > 0;
    await stopListening();
    for (const [index, options] of serverOptions.entries()) if (options.tls) serverOptions[index] = { ...options, tls: { ...options.tls, ...tls } };
    if (wasListening) await listen();
  };

  if (spec.kind === 'domain-controller') {
    // The beacon: a TCP listener on the LDAP port that notes who connected (network location, W:43).
    const beacon = net.createServer((socket) => {
      const entry = { at: new Date().toISOString(), remoteAddress: socket.remoteAddress ?? '' };
      connections.push(entry);
      recorders.connection?.(entry);
      socket.on('error', () => undefined);
      socket.end();
    });
    await new Promise<void>((resolve, reject) => {
      beacon.once('error', reject);
      beacon.listen(spec.listen.port, spec.listen.host, () => resolve());
    });
    extraClose = () => new Promise<void>((resolve) => beacon.close(() => resolve()));
  } else if (spec.kind === 'dns') {
    try {
      for (const view of spec.views) {
        const server = await startDnsServer({ host: view.host, port: view.port, view: { name: view.segment, records: view.records }, onQuery: recorders.dnsQuery && ((entry) => recorders.dnsQuery!(view.segment, entry)) });
        dns.set(view.segment, server);
      }
    } catch (error) {
      await Promise.all([...dns.values()].map((server) => server.close()));
      throw error;
    }
  } else {
    await listen();
  }

  const host: RunningHost = {
    name: spec.name,
    journal,
    dns,
    connections,
    async control(command) {
      switch (command.op) {
        case 'stop-listening':
          return stopListening();
        case 'listen':
          return listen();
        case 'set-tls':
          return restartTls({ key: command.key, cert: command.cert });
        case 'set-crls':
          return restartTls({ crl: command.crl });
        case 'set-crl-files':
          crlFiles = command.crls;
          return;
        case 'set-internet-management-points':
          internetManagementPoints = command.names;
          return;
        case 'set-records': {
          const server = dns.get(command.segment);
          if (!server) throw new Error(`host ${spec.name} has no DNS view for ${command.segment}`);
          server.setRecords(command.records);
          return;
        }
        case 'mp-control':
          return mpControlCheck(command.target, command.certificate);
        case 'set-microsoft-update': {
          await stopListening();
          muBehaviour = command.behaviour;
          if (command.listen === 'normal') return listen();
          if (command.listen === 'blackhole') {
            // A filter in the path that drops the connection without a word: accepted, then reset.
            const blackhole = net.createServer((socket) => {
              socket.once('data', () => socket.resetAndDestroy());
              socket.on('error', () => undefined);
            });
            const at = serverOptions[0]!;
            await new Promise<void>((resolve, reject) => {
              blackhole.once('error', reject);
              blackhole.listen(at.port, at.host, () => resolve());
            });
            extraClose = () => new Promise<void>((resolve) => blackhole.close(() => resolve()));
          }
          return;
        }
      }
    },
    async stop() {
      await stopListening();
      await Promise.all([...dns.values()].map((server) => server.close()));
      dns.clear();
    },
  };
  return host;
}
