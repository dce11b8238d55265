// Writes docs/appliance-address.schema.json from the zod schema of the appliance address file
// (harness/appliance/address-file.ts), so the published JSON Schema is never edited by hand.
//   npx tsx scripts/appliance-schema.ts          write the file
//   npx tsx scripts/appliance-schema.ts --check  exit 1 when the file differs from the schema
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { writeOrCheckSchemaFile } from './schema-file.js';
import { APPLIANCE_FILE_VERSION, ApplianceFile } from '../harness/appliance/address-file.js';

export const APPLIANCE_SCHEMA_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../docs/appliance-address.schema.json');

/** True for a string schema carrying a refinement: in this schema, only the IP address fields. */
function isAddress(schema: z.core.$ZodType): boolean {
  const def = schema._zod.def as { type: string; checks?: { _zod: { def: { check: string } } }[] };
  return def.type === 'string' && (def.checks ?? []).some((check) => check._zod.def.check === 'custom');
}

/**
 * The JSON Schema text, exactly as committed (2-space indent, trailing newline). It describes the
 * file a vendor writes, so it is the schema's input side: fields with a default (`name`,
 * `readinessSeconds`, `syslog.port`) are optional. It stays strict (`additionalProperties: false`)
 * because the lab refuses unknown fields; an address, checked in the lab by a refinement, is
 * published as the formats `ipv4` or `ipv6`.
 */
export function applianceSchemaJson(): string {
  const { $schema, ...generated } = z.toJSONSchema(ApplianceFile, {
    target: 'draft-2020-12',
    io: 'input',
    override: (ctx) => {
      if (isAddress(ctx.zodSchema)) ctx.jsonSchema.anyOf = [{ format: 'ipv4' }, { format: 'ipv6' }];
    },
  }) as Record<string, unknown>;
  const schema = {
    $schema,
    title: `ibcm-lab appliance address file ${APPLIANCE_FILE_VERSION}`,
    description:
      'Where an appliance the lab does not start listens (`ibcm-lab run --proxy address:<file>`), written by the vendor after configuring the appliance from the publishing worksheet. YAML or JSON. Generated from harness/appliance/address-file.ts by scripts/appliance-schema.ts; see docs/appliance.md.',
    ...generated,
  };
  return JSON.stringify(schema, null, 2) + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  writeOrCheckSchemaFile(APPLIANCE_SCHEMA_FILE, applianceSchemaJson(), 'scripts/appliance-schema.ts');
