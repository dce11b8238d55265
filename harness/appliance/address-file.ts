// `--proxy address:<file>`: where an appliance the lab does not start listens. The vendor writes it
// after configuring the appliance from the publishing worksheet (`ibcm-lab worksheet`): per public
// name, the appliance's listener; the address its upstream connections come from; optionally where
// its syslog comes from. YAML or JSON, validated with the same schema library as the topology; the
// published JSON Schema (docs/appliance-address.schema.json) is generated from this one.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors.js';

export const APPLIANCE_FILE_VERSION = '1.0';

const Address = z.string().refine((value) => isIP(value) !== 0, { message: 'an IP address (v4 or v6), not a name' });
const Port = z.number().int().min(1).max(65535);

export const ApplianceListener = z
  .object({
    publicName: z.string().min(1).describe('The internet FQDN the worksheet says to publish (e.g. mp1.contoso.com).'),
    address: Address.describe('The appliance listener address for this name: the internet DNS view answers the name with it.'),
    port: Port.describe("The listener's port: the one the worksheet names (the site's port, which clients are installed with)."),
  })
  .strict();

export const ApplianceFile = z
  .object({
    version: z.literal(APPLIANCE_FILE_VERSION).describe('This file format version.'),
    name: z.string().min(1).default('appliance').describe("The appliance's name in results and reports (e.g. the product and model)."),
    mode: z.enum(['bridge', 'tunnel']).describe('How the appliance publishes the site systems (SSL bridging or SSL tunnelling).'),
    listen: Address.describe(
      "The lab's address the worksheet was made for (`ibcm-lab worksheet --listen`): where the site systems and the CDP listen for the appliance.",
    ),
    egress: Address.describe("The address the site systems see the appliance's upstream connections come from."),
    listeners: z.array(ApplianceListener).min(1).describe('One entry per public name of the worksheet.'),
    syslog: z
      .object({
        port: Port.default(5514).describe('Where on the lab address the syslog receiver listens (UDP and TCP).'),
        source: Address.optional().describe("The appliance's syslog source address (lines from other senders are ignored)."),
      })
      .strict()
      .optional()
      .describe("The appliance sends its log to the lab's syslog receiver (RFC 5424 or RFC 3164, UDP or TCP)."),
    readinessSeconds: z
      .number()
      .int()
      .min(0)
      .max(600)
      .default(30)
      .describe('How long the lab waits for every listener to accept connections before it gives up (exit 2).'),
  })
  .strict();
export type ApplianceFile = z.infer<typeof ApplianceFile>;
export type ApplianceListener = z.infer<typeof ApplianceListener>;

/** Reads and validates an address file: a usage error (exit 2) naming the file, line and field when it does not validate. */
export function loadApplianceFile(file: string): ApplianceFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--proxy address:${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseApplianceFile(text, file);
}

export function parseApplianceFile(text: string, file = '<address file>'): ApplianceFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    throw new UsageError(`${file}:${lineCounter.linePos(error.pos[0]).line}: not valid YAML or JSON: ${error.message.split('\n')[0]}`);
  }
  const result = ApplianceFile.safeParse(document.toJS() ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    // The deepest node that exists in the file gives the line (a missing key points at its parent).
    let line = 1;
    for (let depth = issue.path.length; depth >= 0; depth--) {
      const node = document.getIn(issue.path.slice(0, depth) as (string | number)[], true) as { range?: [number, number] } | undefined;
      if (node?.range) {
        line = lineCounter.linePos(node.range[0]).line;
        break;
      }
    }
    const missing = issue.code === 'invalid_type' && document.getIn(issue.path as (string | number)[], true) === undefined;
    throw new UsageError(`${file}:${line}: ${issue.path.join('.') || '(root)'}: ${missing ? 'missing (required)' : issue.message}`);
  }
  const names = new Map<string, number>();
  result.data.listeners.forEach((listener, index) => {
    const key = listener.publicName.toLowerCase();
    if (names.has(key)) {
      const node = document.getIn(['listeners', index, 'publicName'], true) as { range?: [number, number] } | undefined;
      const line = node?.range ? lineCounter.linePos(node.range[0]).line : 1;
      throw new UsageError(
        `${file}:${line}: listeners.${index}.publicName: ${listener.publicName} is named twice (also listeners.${names.get(key)})`,
      );
    }
    names.set(key, index);
  });
  return result.data;
}
