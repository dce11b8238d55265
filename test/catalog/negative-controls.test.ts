// Every requirement of the catalog has a negative control — a faulty proxy or a faulty world that
// must fail it — and each names the reason code of the assertion that must fail (issue 11: a check
// no world can fail is not a verdict; a kill "for any reason" is not a kill).
import { describe, expect, it } from 'vitest';
import { judgesOf, modelRequirementIds, requirementById, requirements } from '../../harness/catalog/index.js';
import {
  KNOWN_GAPS,
  modelRequirementsWithControls,
  negativeControls,
  requirementsWithoutNegativeControl,
} from '../../harness/cli/negative-controls.js';
import { UNPINNED } from '../../harness/cli/selftest.js';
import { builtInProxies } from '../../harness/proxies/index.js';

describe('negative controls', () => {
  it('exist for every world requirement of the catalog but the known gaps, and every known gap is still one', () => {
    expect(requirementsWithoutNegativeControl()).toEqual(Object.keys(KNOWN_GAPS).sort());
  });

  it('fail the catalog test when a world requirement has none and is not a documented known gap', () => {
    const controls = negativeControls();
    const uncontrolledWorld = requirements
      .filter((requirement) => judgesOf(requirement.id) === 'world' && (controls.get(requirement.id) ?? []).length === 0)
      .map((requirement) => requirement.id)
      .filter((id) => !(id in KNOWN_GAPS));
    expect(
      uncontrolledWorld,
      'world requirements no faulty proxy or world targets (add a control, or a KNOWN_GAPS entry with a reason)',
    ).toEqual([]);
    for (const [id, reason] of Object.entries(KNOWN_GAPS)) {
      expect(judgesOf(id), `${id} is a known gap but a model requirement`).toBe('world');
      expect(reason.trim().length, `${id}: a known gap says why`).toBeGreaterThan(10);
    }
  });

  it('are never built for model requirements: a world that fails one would make it a world requirement', () => {
    expect(modelRequirementIds().length).toBeGreaterThan(0);
    expect(modelRequirementsWithControls()).toEqual([]);
    for (const id of modelRequirementIds()) expect(requirementsWithoutNegativeControl()).not.toContain(id);
  });

  it('name only catalog requirements, each with a kebab-case reason code', () => {
    for (const [id, controls] of negativeControls()) {
      expect(requirementById(id), id).toBeDefined();
      for (const control of controls) {
        expect(control.code, `${control.control} → ${id}`).not.toBe(UNPINNED);
        expect(control.code, `${control.control} → ${id}`).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      }
    }
  });

  it('target requirements that apply in a mode the control runs in', () => {
    for (const proxy of builtInProxies.filter((candidate) => candidate.kind === 'faulty')) {
      for (const id of Object.keys(proxy.breaks ?? {})) {
        const modes = requirementById(id)?.modes ?? [];
        expect(
          proxy.modes.some((mode) => (modes as string[]).includes(mode)),
          `${proxy.name} targets ${id}, which applies in ${modes.join(', ')}`,
        ).toBe(true);
      }
    }
  });

  it('are the only proxies that name targets: benign and reference proxies break nothing', () => {
    for (const proxy of builtInProxies.filter((candidate) => candidate.kind !== 'faulty'))
      expect(proxy.breaks ?? {}, proxy.name).toEqual({});
  });
});
