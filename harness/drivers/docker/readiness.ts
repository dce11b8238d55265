// Before a docker run starts any lab: an engine that answers, and the images it needs, built.
import { engineProblem, engine } from './engine.js';
import type { ProxyRef } from '../../proxies/index.js';
import { imageRefs, proxyImage, type ImageRefs } from './images.js';

/** Why a docker run cannot start, in one line with what to do; undefined when it can. */
export async function dockerReadiness(proxy: ProxyRef, images?: ImageRefs): Promise<string | undefined> {
  const problem = await engineProblem();
  if (problem) return problem;
  const refs = images ?? (await imageRefs());
  const needed = [refs.node, proxy.kind === 'image' ? proxy.image : proxyImage(refs, proxy.kind === 'builtin' ? proxy.name : 'node')];
  for (const ref of new Set(needed)) {
    try {
      await engine().getImage(ref).inspect();
    } catch {
      return ref.startsWith('ibcm-lab/')
        ? `the image ${ref} is not built (the lab's sources changed or it was never built): run \`npx ibcm-lab images build\``
        : `the proxy image ${ref} is not on this engine: load or build it first (docker load / docker build)`;
    }
  }
  return undefined;
}
