// Shared by the FEAT checks: a computer of the topology on the internet or on the intranet, the MP's
// journal read around an action, and the administrator's request to the site for a site-server
// action (client push, Wake-on-LAN, remote control).
import type { Exchange, IbcmClient, ClientProfile, MachinePolicyRound } from '../../harness/client/index.js';
import { managementPointAt } from '../../harness/client/index.js';
import type { JournalEntry } from '../../harness/http/index.js';
import type { Lab } from '../../harness/lab/index.js';
import { ensure, prerequisite } from '../evidence.js';
import type { CheckFixtures } from '../fixtures.js';
import { describeClientResult, nameReached, siteReason } from '../verify.js';

export const hostOf = nameReached;
export const responseHeader = (entry: JournalEntry, name: string) =>
  entry.response.headers.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase())?.[1];
export const exchangeHeader = (exchange: Exchange, name: string) =>
  exchange.responseHeaders?.find(([candidate]) => candidate === name.toLowerCase())?.[1];

/**
 * A computer of the topology (default: the first) where it stands: on the internet as installed
 * (internet-only), or moved onto the intranet installed intranet-and-internet (so it detects the
 * intranet and uses the intranet MP, as a client with full management there).
 */
export function computerOn(
  lab: Lab,
  where: 'internet' | 'intranet',
  name?: string,
  install: Partial<ClientProfile['install']> = {},
): ClientProfile {
  const base = lab.clientProfile(name, { segment: where });
  return { ...base, install: { ...base.install, ...(where === 'intranet' ? { CCMALWAYSINF: 0 as const } : {}), ...install } };
}

/** Runs `action` and returns the MP journal entries it caused, recorded as evidence under `label`. */
export async function watchMp<T>(
  lab: Lab,
  evidence: CheckFixtures['evidence'],
  label: string,
  action: () => Promise<T>,
): Promise<{ result: T; received: JournalEntry[] }> {
  const mp = lab.siteSystem('management-point');
  const journal = lab.journal(mp.name);
  const mark = journal.mark();
  const result = await action();
  const received = journal.since(mark);
  evidence.received(`${mp.name} (${label})`, received);
  return { result, received };
}

/** The machine policy round worked: assignments came back as a message (a prerequisite of every FEAT policy check). */
export function ensureRound(lab: Lab, round: MachinePolicyRound, label: string): void {
  prerequisite(
    round.exchange.status === 200 && round.reply && round.policies.length > 0,
    `${label}: machine policy assignments from ${round.origin} failed: ${describeClientResult(round.exchange)}${siteReason(lab, round.exchange)}`,
  );
}

export interface SiteActionReply {
  exchange: Exchange;
  entry?: JournalEntry;
  result?: string;
  reason?: string;
  target?: string;
  managedFrom?: string;
}

/**
 * The administrator asks the site to start a site-server action for a client (site-features.ts
 * explains the model): from a workstation on the intranet, to the MP host's AdminService by its
 * intranet name. The reply says Initiated (and what the site sends where) or Refused.
 */
export async function askSite(
  lab: Lab,
  admin: IbcmClient,
  action: 'ClientPush' | 'WakeOnLan' | 'RemoteControl',
  clientId: string,
  evidence: CheckFixtures['evidence'],
): Promise<SiteActionReply> {
  const { result: exchange, received } = await watchMp(lab, evidence, `${action} requested`, () =>
    admin.send(
      {
        method: 'POST',
        target: '/AdminService/v1.0/SiteActions',
        headers: [['Content-Type', 'application/json']],
        body: JSON.stringify({ Action: action, ClientID: clientId }),
      },
      managementPointAt(admin, 'intranet'),
    ),
  );
  evidence.sent(exchange);
  const entry = received.find((candidate) => candidate.target.toLowerCase().startsWith('/adminservice/'));
  let json: { Result?: string; Reason?: string; Target?: string; ManagedFrom?: string } = {};
  try {
    json = JSON.parse(exchange.responseBody?.toString('utf8') ?? '');
  } catch {
    // not JSON: reported below by the caller through `result` being undefined
  }
  ensure(
    exchange.status === 200 && json.Result,
    `the site did not answer the ${action} request for ${clientId}: ${describeClientResult(exchange)}${siteReason(lab, exchange)}`,
  );
  ensure(entry, `the MP journal shows no ${action} request`);
  return { exchange, entry, result: json.Result, reason: json.Reason, target: json.Target, managedFrom: json.ManagedFrom };
}

/** An administrator's workstation on the intranet (the topology's last computer). */
export function adminWorkstation(lab: Lab, newClient: CheckFixtures['newClient']): IbcmClient {
  return newClient(computerOn(lab, 'intranet', lab.topology.clients.at(-1)!.name));
}
