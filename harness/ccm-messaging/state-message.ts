// A state-message report as a client posts it to the fallback status point (W:38). Shared by the
// simulated client (which sends it) and tests of the FSP role; the format is the protocol's, not a role's.
import { escapeXml } from './xml.js';

export interface FspStateMessageInput {
  /** NetBIOS name of the client that could not reach its MP. */
  clientName: string;
  siteCode: string;
  /** State ID within the topic, e.g. a certificate-selection failure. */
  stateId: number;
  /** Free text carried as the message's insertion string. */
  message: string;
  /** Client ID when known; a client that never registered has none. */
  clientId?: string;
  /** Default: now. */
  time?: Date;
  /** Topic type; default 1000 (an FSP/client-deployment topic) — [INFER]. */
  topicType?: number;
}

/**
 * A state-message report as a client posts it to the FSP: `<Report><ReportHeader>…</ReportHeader>
 * <ReportBody><StateMessage>…</StateMessage></ReportBody></Report>`.
 *
 * [INFER] The outline (Report / ReportHeader / Identification / ReportDetails with ReportContent
 * "State Message Data", then StateMessage with Topic, State and UserParameters) follows the state
 * messages ConfigMgr clients send to MPs as seen in public tooling and the Messaging SDK's string
 * table (W:38); attribute names, topic types and the WMI-style date format are not publicly
 * specified and are the lab's choice. The role does not depend on any of it (it accepts any
 * non-empty body unless `requireStateMessage` is set).
 */
export function fspStateMessage(input: FspStateMessageInput): string {
  const time = input.time ?? new Date();
  const iso = time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const wmiDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}.000000+000`;
  const x = escapeXml;
  return [
    '<?xml version="1.0"?>',
    '<Report>',
    '<ReportHeader>',
    '<Identification>',
    '<Machine>',
    `<ClientInstalled>${input.clientId ? 1 : 0}</ClientInstalled>`,
    '<ClientType>1</ClientType>',
    input.clientId ? `<ClientID>${x(input.clientId)}</ClientID>` : '<ClientID/>',
    '<ClientVersion>5.00.9128.1000</ClientVersion>',
    `<NetBIOSName>${x(input.clientName)}</NetBIOSName>`,
    '<CodePage>437</CodePage>',
    '<SystemDefaultLCID>1033</SystemDefaultLCID>',
    `<SiteCode>${x(input.siteCode)}</SiteCode>`,
    '</Machine>',
    '</Identification>',
    '<ReportDetails>',
    '<ReportContent>State Message Data</ReportContent>',
    '<ReportType>Full</ReportType>',
    `<Date>${wmiDate}</Date>`,
    '<Version>1.0</Version>',
    '<Format>1.0</Format>',
    '</ReportDetails>',
    '</ReportHeader>',
    '<ReportBody>',
    `<StateMessage MessageTime="${iso}" SerialNumber="1">`,
    `<Topic ID="${x(input.clientName)}" Type="${input.topicType ?? 1000}" IDType="0"/>`,
    `<State ID="${input.stateId}" Criticality="0"/>`,
    `<UserParameters Flags="0" Count="1"><Param>${x(input.message)}</Param></UserParameters>`,
    '</StateMessage>',
    '</ReportBody>',
    '</Report>',
  ].join('');
}
