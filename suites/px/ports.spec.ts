// PX-PORTS: MP, DP and Application Catalog on 443, the SUP on 443 or 8531, the FSP on 80 (seed 001
// "ports"; W:40). The check asks every published role on its documented port (shifted by the
// embedded driver's offset) through the path under test.
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult } from '../verify.js';

const DOCUMENTED: Record<string, number[]> = {
  'management-point': [443],
  'distribution-point': [443],
  'application-catalog': [443],
  'software-update-point': [443, 8531],
  'fallback-status-point': [80],
};

const PROBES: Record<string, { method: string; target: string; ok: number[] }> = {
  'management-point': { method: 'GET', target: '/SMS_MP/.sms_aut?MPLIST', ok: [200] },
  'distribution-point': { method: 'GET', target: '/SMS_DP_SMSPKG$/', ok: [200, 403, 404] },
  // 401: the catalog's Windows-authentication challenge (it needs Windows authentication, seed 000).
  'application-catalog': { method: 'GET', target: '/CMApplicationCatalog', ok: [200, 401] },
  'software-update-point': { method: 'GET', target: '/selfupdate/wuident.cab', ok: [200] },
  'fallback-status-point': { method: 'GET', target: '/SMS_FSP/.sms_fsp', ok: [405] },
};

check('PX-PORTS', 'each role is reachable on its documented port', async ({ lab, client, evidence }) => {
  const offset = lab.topology.drivers.embedded.portOffset;
  const seen: string[] = [];
  for (const endpoint of client.profile.siteSystems) {
    const system = lab.siteSystems.find((candidate) => candidate.name === endpoint.name)!;
    const service = system.services.find((candidate) => candidate.port === endpoint.port)!;
    const documented = DOCUMENTED[endpoint.role] ?? [];
    ensure(
      documented.includes(service.wellKnownPort),
      `${endpoint.role} ${endpoint.fqdn} is configured on port ${service.wellKnownPort}; documented: ${documented.join(' or ')}`,
    );
    const probe = PROBES[endpoint.role]!;
    const journal = lab.journal(endpoint.name);
    const mark = journal.mark();
    const exchange = await client.send(
      { method: probe.method, target: probe.target },
      `${endpoint.scheme}://${endpoint.fqdn}:${endpoint.port}`,
    );
    evidence.sent(exchange);
    const received = journal.since(mark);
    evidence.received(endpoint.name, received);
    ensure(
      received.length > 0 && probe.ok.includes(exchange.status ?? 0),
      `${endpoint.role} on ${endpoint.scheme} port ${service.wellKnownPort}${offset ? ` (${endpoint.port} here)` : ''} is not reachable through the published path: ${describeClientResult(exchange)}`,
      'port-not-published',
    );
    seen.push(`${endpoint.role} ${endpoint.scheme}/${service.wellKnownPort}`);
  }
  evidence.pass(`reachable on the documented ports${offset ? ` (embedded driver: +${offset})` : ''}: ${seen.join(', ')}`);
});
