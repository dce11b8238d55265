// PX-SMUGGLE's lab variant: the client's MP parses with Transfer-Encoding winning, as data in the
// topology (so the embedded driver and a container host built from its spec run the same parser).
import { describe, expect, it } from 'vitest';
import { variantKey, variantTopology } from '../../harness/lab/index.js';
import { loadTopology, parseTopology } from '../../harness/topology/index.js';

describe('lab variant managementPointFraming', () => {
  it("gives the client's MP requestFraming 'transfer-encoding-wins' and a key of its own", () => {
    const topology = loadTopology();
    const variant = { managementPointFraming: 'transfer-encoding-wins' } as const;
    const mp = variantTopology(topology, variant, 1).roles.find((role) => role.kind === 'management-point');
    expect(mp).toMatchObject({ kind: 'management-point', requestFraming: 'transfer-encoding-wins' });
    expect(variantKey(variant)).toBe('mp-transfer-encoding-wins');
    expect(topology.roles.some((role) => role.kind === 'management-point' && role.requestFraming !== undefined)).toBe(false);
  });

  it('refuses a framing policy the MP does not offer', () => {
    const topology = loadTopology();
    const roles = topology.roles.map((role) =>
      role.kind === 'management-point' ? { ...role, requestFraming: 'content-length-wins' } : role,
    );
    expect(() => parseTopology(JSON.stringify({ ...topology, roles }))).toThrow(/requestFraming/);
  });
});
