import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../harness/errors.js';
import { loadTopology, parseTopology, topologyDigest } from '../../harness/topology/index.js';

const base = `site: {code: LAB}
domains: {intranet: corp.lab.test, internet: lab.example}
roles:
  - kind: management-point
    name: mp1
    intranetFqdn: mp1.corp.lab.test
    internetFqdn: mp.lab.example
  - kind: crl-distribution-point
    name: cdp
    fqdn: crl.lab.example
clients:
  - name: ws01
    computerName: WS01
    install: {CCMHOSTNAME: mp.lab.example, SMSSITECODE: LAB, CCMALWAYSINF: 1}
`;

function errorOf(text: string): TopologyError {
  try {
    parseTopology(text, 'customer.yaml');
  } catch (error) {
    if (error instanceof TopologyError) return error;
    throw error;
  }
  throw new Error('expected a TopologyError');
}

describe('topology', () => {
  it('loads the default preset with defaults filled in', () => {
    const topology = loadTopology();
    expect(topology.site.code).toBe('LAB');
    expect(topology.roles.map((role) => role.kind)).toContain('management-point');
    expect(topology.drivers.embedded.portOffset).toBe(20000);
    expect(topologyDigest(topology)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('accepts a minimal customer topology', () => {
    const topology = parseTopology(base);
    expect(topology.proxy.mode).toBe('bridge');
    expect(topology.clients[0]!.segment).toBe('internet');
  });

  it('names the path and line of a bad field', () => {
    const error = errorOf(base.replace('internetFqdn: mp.lab.example', 'internetFqdn: not_a_name'));
    expect(error.path).toBe('roles[0].internetFqdn');
    expect(error.line).toBe(7);
    expect(error.message).toBe('customer.yaml:7: roles[0].internetFqdn: must be a fully qualified domain name such as mp.contoso.example');
  });

  it('names unknown fields, missing fields and unknown role kinds', () => {
    expect(errorOf(base.replace('site: {code: LAB}', 'site: {code: LAB, colour: red}')).message).toMatch(/site: unknown field "colour"/);
    expect(errorOf(base.replace('domains: {intranet: corp.lab.test, internet: lab.example}\n', '')).message).toMatch(
      /domains: is required/,
    );
    expect(errorOf(base.replace('kind: crl-distribution-point', 'kind: crl-point')).path).toBe('roles[1].kind');
  });

  it('checks cross-references: the client MP must exist and the site code must match', () => {
    expect(errorOf(base.replace('CCMHOSTNAME: mp.lab.example', 'CCMHOSTNAME: other.lab.example')).path).toBe(
      'clients[0].install.CCMHOSTNAME',
    );
    expect(errorOf(base.replace('SMSSITECODE: LAB', 'SMSSITECODE: XYZ')).path).toBe('clients[0].install.SMSSITECODE');
    expect(errorOf(base.replace('name: cdp', 'name: mp1')).message).toMatch(/duplicate host name "mp1"/);
  });

  it('reports YAML syntax errors with a line', () => {
    const error = errorOf('site: [\n  code: LAB\n');
    expect(error.message).toMatch(/^customer\.yaml:\d+: \(root\): not valid YAML/);
  });

  it('reports an unreadable file', () => {
    expect(() => loadTopology('/nonexistent/customer.yaml')).toThrow(/cannot read the file \(ENOENT\)/);
  });
});
