// Playwright fixtures: the lab is worker-scoped (one per worker and proxy mode, started once,
// stopped at the end — also on Ctrl-C, when Playwright tears fixtures down), a client and the
// evidence record are test-scoped. Lab variants (a bridge with a bad certificate, an LDAP-only CDP,
// a CMG) are small labs of their own, started on first use and kept for the worker's life.
// `check()` declares a conformance check for a requirement ID.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// Playwright's base test without its browser fixtures: the checks drive their own clients (and the one
// browser check launches its own Chromium, harness/client/chromium.ts), so the per-test trace and
// context fixtures the default \`test\` adds — and the stack each of their steps captures — buy nothing.
import { _baseTest as base } from '@playwright/test';
import { appliesIn, requirementById } from '../harness/catalog/index.js';
import { IbcmClient, type ClientProfile, type TransportOptions } from '../harness/client/index.js';
import { createSigningIdentity, type SigningIdentity } from '../harness/client/signing-identity.js';
import type { ImageRefs } from '../harness/drivers/docker/images.js';
import type { LabDriver } from '../harness/lab/driver.js';
import { MAX_VARIANT_SLOTS, startLab, variantKey, variantTopology, type Lab, type LabVariant } from '../harness/lab/index.js';
import { proxyFromRef, proxyRefText, type ProxyRef } from '../harness/proxies/index.js';
import { LabStartError } from '../harness/errors.js';
import { writeLabEvidence } from '../harness/report/lab-evidence.js';
import { labProgressToReporter } from '../harness/report/progress.js';
import { RUN_SETTINGS_ENV, checkEvidenceFile, readRunSettings, type RunSettings } from '../harness/run/settings.js';
import { loadTopology, type ProxyMode, type QuirkName, type Topology } from '../harness/topology/index.js';
import { CheckBlocked, CheckFailure, EVIDENCE_ATTACHMENT, Evidence } from './evidence.js';

export interface CheckFixtures {
  lab: Lab;
  mode: ProxyMode;
  /** A fresh simulated client (the topology's first) for this check. */
  client: IbcmClient;
  /**
   * Make more clients (closed at the end of the check): a client of the topology by name, or one
   * from a profile (a variant lab's, or a lab profile with another certificate or trust store).
   */
  newClient: (client?: string | ClientProfile, options?: TransportOptions) => IbcmClient;
  evidence: Evidence;
  /** A small lab of its own in a variant (same proxy and mode), started on first use in this worker. */
  variantLab: (variant: LabVariant) => Promise<Lab>;
}

/** The worker's lab, or why it could not start (then every check of the worker reports "could not run"). */
interface LabState {
  lab?: Lab;
  couldNotRun?: LabStartError;
}

/**
 * Under `ibcm-lab run` a check's failure is recorded in its evidence and the Playwright test ends
 * normally: Playwright replaces a worker after every failed test, which would rebuild the lab for
 * each failing check. Run directly (`npx playwright test`), failures throw as usual.
 */
/** The request header that marks a check's traffic in appliance mode (the worksheet asks the appliance to log it). */
export const CHECK_MARKER_HEADER = 'X-IBCM-Lab-Check';

/** True when a log line names a check mark (`<ID>.<test id>`) and none of its marks is this check's. */
function markedForAnother(line: string, testId: string): boolean {
  const marks = line.match(/\b[A-Z][A-Z0-9-]+\.[0-9a-f]{20}-[0-9a-f]{20}\b/g);
  return Boolean(marks) && !marks!.some((mark) => mark.endsWith(`.${testId}`));
}

const recordFailures = Boolean(process.env[RUN_SETTINGS_ENV]);

interface WorkerFixtures {
  labState: LabState;
  mode: ProxyMode;
  /** The proxy under test, as the CLI parsed `--proxy` (read from the project, never re-parsed here). */
  proxyRef: ProxyRef;
  /** Quirks this project adds to the topology (the self-test's faulty worlds). */
  quirks: QuirkName[];
  identities: Map<string, Promise<SigningIdentity>>;
  variantLabs: (variant: LabVariant) => Promise<Lab>;
}

interface TestFixtures extends Omit<CheckFixtures, 'lab' | 'mode' | 'client'> {
  /** Every client the check made (their transports say whether a revocation check failed). */
  clientsMade: IbcmClient[];
}

// The check-scoped fixtures are no steps of their own (box: 'self'): Playwright would otherwise capture
// a stack and send two messages to the runner for each, for every check — steps nobody reads here
// (the verdict is the evidence), a few percent of a run's CPU.
const QUIET = { box: 'self' } as const;

export const test = base.extend<TestFixtures, WorkerFixtures>({
  // One message-signing identity per computer for the worker's life, as a real client keeps its key.
  identities: [async ({}, use) => use(new Map()), { scope: 'worker' }],
  mode: [
    async ({}, use, workerInfo) =>
      use((workerInfo.project.metadata as { mode?: ProxyMode }).mode ?? (workerInfo.project.name as ProxyMode)),
    { scope: 'worker' },
  ],
  proxyRef: [
    async ({}, use, workerInfo) => {
      const metadata = workerInfo.project.metadata as { proxy?: string; proxyRef?: ProxyRef };
      // Run by `npx playwright test` alone there is no parsed reference: a built-in proxy by name.
      await use(metadata.proxyRef ?? { kind: 'builtin', name: metadata.proxy ?? readRunSettings().proxy });
    },
    { scope: 'worker' },
  ],
  quirks: [async ({}, use, workerInfo) => use((workerInfo.project.metadata as { quirks?: QuirkName[] }).quirks ?? []), { scope: 'worker' }],
  labState: [
    async ({ mode, proxyRef, quirks }, use, workerInfo) => {
      const settings = readRunSettings();
      const proxy = proxyFromRef(proxyRef);
      if (!proxy) {
        await use({ couldNotRun: new LabStartError(`unknown proxy "${proxyRefText(proxyRef)}"`) });
        return;
      }
      let lab: Lab;
      try {
        const driver = await labDriver(settings);
        lab = await startLab({
          driver,
          topology: withQuirks(loadTopology(settings.topology), quirks),
          mode,
          proxy,
          runId: settings.runId,
          dir: join(settings.runDir, `${workerInfo.project.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-w${workerInfo.parallelIndex}`),
          labIndex: (settings.labIndexBase + workerInfo.parallelIndex) % 200,
          onProgress: labProgressToReporter(`${workerInfo.project.name}-w${workerInfo.parallelIndex}`),
        });
      } catch (error) {
        // Every check of this worker then records "could not run" (exit 2), never a failed requirement.
        await use({ couldNotRun: error instanceof LabStartError ? error : new LabStartError((error as Error).message) });
        return;
      }
      await use({ lab });
      // The full journals, DNS logs and proxy log go into the lab's directory for the evidence bundle.
      try {
        writeLabEvidence(lab);
      } finally {
        await lab.stop();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  variantLabs: [
    async ({ mode, proxyRef, labState }, use, workerInfo) => {
      const settings = readRunSettings();
      const started = new Map<string, Promise<Lab>>();
      await use((variant) => {
        const lab = labState.lab;
        if (!lab) return Promise.reject(labState.couldNotRun!);
        const key = variantKey(variant);
        let pending = started.get(key);
        if (!pending) {
          const slot = started.size + 1;
          if (slot > MAX_VARIANT_SLOTS) return Promise.reject(new Error(`more than ${MAX_VARIANT_SLOTS} lab variants in one worker`));
          pending = labDriver(settings)
            .then((driver) =>
              startLab({
                driver,
                topology: variantTopology(lab.topology, variant, slot),
                mode,
                proxy: proxyFromRef(proxyRef),
                runId: settings.runId,
                dir: `${lab.dir}-${key}`,
                labIndex: (settings.labIndexBase + workerInfo.parallelIndex) % 200,
              }),
            )
            .catch((error: Error) => {
              throw new LabStartError(`lab variant ${key}: ${error.message}`);
            });
          started.set(key, pending);
        }
        return pending;
      });
      await Promise.all(
        [...started.values()].map((pending) =>
          pending.then(
            (lab) => lab.stop(),
            () => undefined,
          ),
        ),
      );
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  // An external appliance (address:) is configured once, from the worksheet, for the run's lab: a
  // variant lab with a proxy of its own cannot have it, so the check says so (not applicable) instead of failing.
  variantLab: [
    async ({ variantLabs, proxyRef, mode }, use, testInfo) =>
      use((variant) => {
        if (proxyRef.kind === 'address' && mode !== 'direct')
          testInfo.skip(
            true,
            `external appliance: this check needs a small lab of its own (${variantKey(variant)}) behind a proxy started for it; the appliance publishes the run's lab only, as its worksheet says`,
          );
        return variantLabs(variant);
      }),
    QUIET,
  ],
  clientsMade: [async ({}, use) => use([]), QUIET],
  newClient: [
    async ({ labState, identities, clientsMade: clients, proxyRef }, use, testInfo) => {
      // An external appliance's log is read per check: every request of the check carries its mark.
      const checkMarker: [string, string] | undefined =
        proxyRef.kind === 'address' ? [CHECK_MARKER_HEADER, `${testInfo.title.split(' ')[0]}.${testInfo.testId}`] : undefined;
      await use((name, options) => {
        if (!labState.lab) throw labState.couldNotRun!;
        const profile = typeof name === 'object' ? name : labState.lab.clientProfile(name);
        if (!identities.has(profile.computerName)) identities.set(profile.computerName, createSigningIdentity(profile.computerName));
        const client = new IbcmClient(profile, { checkMarker, ...options, identity: identities.get(profile.computerName) });
        clients.push(client);
        return client;
      });
      await Promise.all(clients.map((client) => client.close()));
    },
    QUIET,
  ],
  evidence: [
    async ({ labState }, use, testInfo) => {
      const evidence = new Evidence();
      const logMark = labState.lab?.proxyLog().length ?? 0;
      await use(evidence);
      const logged = labState.lab?.proxyLog().slice(logMark) ?? [];
      // A line that carries another check's mark (a late syslog datagram of the check before) is not this check's.
      evidence.proxyLog = logged.filter((line) => !markedForAnother(line, testInfo.testId));
      // Under `ibcm-lab run` (the run settings are set) the reporter reads it from the run folder.
      if (recordFailures) {
        const file = checkEvidenceFile(readRunSettings().runDir, testInfo.testId, testInfo.retry);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(evidence));
      } else await testInfo.attach(EVIDENCE_ATTACHMENT, { body: JSON.stringify(evidence), contentType: 'application/json' });
    },
    QUIET,
  ],
});

/** The embedded driver unless the run asked for docker (loaded only then: it brings testcontainers). */
async function labDriver(settings: RunSettings): Promise<LabDriver | undefined> {
  if (settings.driver !== 'docker') return undefined;
  const { createDockerDriver } = await import('../harness/drivers/docker/driver.js');
  return createDockerDriver({ images: settings.images as ImageRefs | undefined });
}

function withQuirks(topology: Topology, quirks: QuirkName[]): Topology {
  return quirks.length === 0 ? topology : { ...topology, quirks: [...new Set([...topology.quirks, ...quirks])] };
}

export interface CheckOptions {
  /** Further requirement IDs this check also gives evidence for. */
  also?: string[];
  /**
   * The client's revocation check of the site's certificates is what this check is about (PKI-CDP-HTTP,
   * PKI-CRL-UNREACHABLE): a client that could not get a CRL is evidence here, never a blocked prerequisite.
   */
  revocationIsSubject?: boolean;
}

/**
 * When a client of the check could not learn a site certificate's revocation status (no CRL could be
 * had: CERT_REV_FAILED), it refused that site system — it fails closed, as it must — so a check that is
 * not about revocation learnt nothing about its own requirement: blocked, naming the certificate, the
 * CRL URLs and what the client saw. The revocation checks themselves still fail (PKI-CDP-HTTP).
 */
function revocationBlocked(clients: IbcmClient[], evidence: Evidence, error: unknown): string | undefined {
  // The check's own clients, and any exchange it recorded (a mobile device's client is its own).
  const recorded = evidence.client.flatMap((exchange) =>
    exchange.tls?.revocation?.finding?.code === 'CERT_REV_FAILED' ? [exchange.tls.revocation.finding] : [],
  );
  const failure = [...clients.flatMap((client) => client.transport.revocationFailures), ...recorded][0];
  if (!failure) return undefined;
  const then = error instanceof Error ? error.message : String(error);
  return `blocked: the client could not check the revocation of the site's certificate, so it refused the connection — ${failure.message} (the check then said: ${then.length > 200 ? `${then.slice(0, 200)}…` : then})`;
}

/**
 * A conformance check for one requirement. The title starts with the ID (the CLI's --grep and the
 * catalog test rely on it); modes where the requirement does not apply are skipped as
 * "not applicable", never reported as passed.
 */
export function check(id: string, title: string, body: (fixtures: CheckFixtures) => Promise<void>, options: CheckOptions = {}): void {
  const requirement = requirementById(id);
  if (!requirement) throw new Error(`check names unknown requirement ${id}`);
  test(
    `${id} ${title}`,
    {
      annotation: [{ type: 'requirement', description: id }, ...(options.also ?? []).map((also) => ({ type: 'also', description: also }))],
    },
    async ({ labState, mode, newClient, evidence, variantLab, clientsMade }) => {
      test.skip(!appliesIn(id, mode), `not applicable in ${mode} mode (applies in ${requirement.modes.join(', ')})`);
      if (!labState.lab) {
        evidence.record('error', labState.couldNotRun!.message);
        if (recordFailures) return;
        throw labState.couldNotRun!;
      }
      try {
        // The default client is made when the check first asks for it: many checks make their own.
        let client: IbcmClient | undefined;
        await body({
          lab: labState.lab,
          mode,
          newClient,
          evidence,
          variantLab,
          get client() {
            return (client ??= newClient());
          },
        });
      } catch (error) {
        // A lab variant that could not start is "could not run", like the main lab.
        if (recordFailures && error instanceof LabStartError) {
          evidence.record('error', error.message);
          return;
        }
        // A client that could not get a CRL refused the site system: blocked, unless revocation is the subject.
        const blockedByRevocation =
          recordFailures && !options.revocationIsSubject && !(error instanceof CheckBlocked)
            ? revocationBlocked(clientsMade, evidence, error)
            : undefined;
        if (blockedByRevocation) {
          evidence.record('blocked', blockedByRevocation);
          return;
        }
        // A client that never registered cannot sign: every later step is blocked by that prerequisite.
        if (recordFailures && error instanceof Error && error.name === 'NotRegisteredError') {
          evidence.record('blocked', `blocked: ${error.message}`);
          return;
        }
        if (recordFailures && error instanceof CheckBlocked) {
          evidence.record('blocked', `blocked: ${error.message}`);
          return;
        }
        if (!(error instanceof CheckFailure) || !recordFailures) throw error;
        evidence.record('failed', error.message, error.code);
        return;
      }
      if (!evidence.reason) evidence.pass('all assertions held');
    },
  );
}
