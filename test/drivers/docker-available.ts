// Whether the docker-driver tests can run here: an engine answers and the lab's images are built for
// these sources. Where none answers they are skipped, saying why on stderr; CI, where an engine always
// answers, sets IBCM_LAB_EXPECT_DOCKER=1 so that a skip can never pass for green (.ci/run).
import { dockerReadiness } from '../../harness/drivers/docker/readiness.js';

export async function dockerUnavailable(): Promise<string | undefined> {
  const problem = await dockerReadiness({ kind: 'builtin', name: 'node' });
  if (problem && process.env.IBCM_LAB_EXPECT_DOCKER === '1')
    throw new Error(`IBCM_LAB_EXPECT_DOCKER=1, but the docker-driver tests cannot run: ${problem}`);
  if (problem) process.stderr.write(`docker-driver tests skipped: ${problem}\n`);
  return problem;
}
