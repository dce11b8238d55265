// The negative controls of the catalog: for each requirement, the faulty proxies and faulty worlds
// built to break it, with the reason code the failing check must give. `ibcm-lab requirements` shows
// them, the self-test runs them, and a catalog test fails when a `world` requirement has none — a check
// that no world can fail is not a verdict. `model` requirements (only the client's own logic decides
// them, see Judge in catalog/requirement.ts) have none by definition and are reported apart.
import { judgesOf, modelRequirementIds, requirements } from '../catalog/index.js';
import { builtInProxies } from '../proxies/index.js';
import { QUIRKS, quirkNames } from '../topology/index.js';

export interface NegativeControl {
  /** The faulty proxy's name, or `world:<quirk>` for a faulty world. */
  control: string;
  code: string;
  modes: string[];
}

export const worldName = (quirk: string) => `world:${quirk}`;

export function negativeControls(): Map<string, NegativeControl[]> {
  const controls = new Map<string, NegativeControl[]>(requirements.map((requirement) => [requirement.id, []]));
  const add = (id: string, control: NegativeControl) => controls.set(id, [...(controls.get(id) ?? []), control]);
  for (const proxy of builtInProxies) {
    if (proxy.kind !== 'faulty') continue;
    for (const [id, code] of Object.entries(proxy.breaks ?? {})) add(id, { control: proxy.name, code, modes: [...proxy.modes] });
  }
  for (const quirk of quirkNames) {
    for (const [id, code] of Object.entries(QUIRKS[quirk].breaks))
      add(id, { control: worldName(quirk), code, modes: [...QUIRKS[quirk].selftestModes] });
  }
  return controls;
}

/**
 * `world` requirements that have no negative control yet, each with why — said out loud by the self-test on
 * every run, never hidden. A requirement missing a control that is not listed here fails the self-test
 * and the catalog test; one listed here that has gained a control fails the catalog test too, so the
 * list stays true.
 */
export const KNOWN_GAPS: Record<string, string> = {};

/**
 * `world` requirements of the catalog that no built-in faulty proxy or faulty world is built to break
 * (known gaps included). `model` requirements are not among them: no world can fail them.
 */
export function requirementsWithoutNegativeControl(): string[] {
  return [...negativeControls()]
    .filter(([id, controls]) => controls.length === 0 && judgesOf(id) === 'world')
    .map(([id]) => id)
    .sort();
}

/** `model` requirements that a faulty proxy or world claims to break: then a world decides them after all, and the catalog is wrong. */
export function modelRequirementsWithControls(): string[] {
  const controls = negativeControls();
  return modelRequirementIds().filter((id) => (controls.get(id) ?? []).length > 0);
}
