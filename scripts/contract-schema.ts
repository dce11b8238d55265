// Writes docs/proxy-contract.schema.json from the zod schema of the proxy contract
// (harness/proxies/contract/schema.ts), so the published JSON Schema is never edited by hand.
//   npx tsx scripts/contract-schema.ts          write the file
//   npx tsx scripts/contract-schema.ts --check  exit 1 when the file differs from the schema
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { writeOrCheckSchemaFile } from './schema-file.js';
import { PROXY_CONTRACT_VERSION, ProxyContract } from '../harness/proxies/contract/schema.js';

export const CONTRACT_SCHEMA_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../docs/proxy-contract.schema.json');

/**
 * The lab writes contracts with the strict schema, but the published one lets unknown fields pass:
 * changes within 1.x are additive, so a proxy validating with the 1.0 schema must accept a 1.1
 * contract.
 */
function permissive(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(permissive);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
      .map(([key, value]) => [key, permissive(value)]),
  );
}

/** The JSON Schema text, exactly as committed (2-space indent, trailing newline). */
export function contractSchemaJson(): string {
  const { $schema, ...generated } = permissive(z.toJSONSchema(ProxyContract, { target: 'draft-2020-12' })) as Record<string, unknown>;
  const schema = {
    $schema,
    title: `ibcm-lab proxy contract ${PROXY_CONTRACT_VERSION}`,
    description:
      'What ibcm-lab hands a proxy under test (contract.json, named by the environment variable IBCM_PROXY_CONTRACT). Generated from harness/proxies/contract/schema.ts by scripts/contract-schema.ts; see docs/proxy-contract.md. Unknown fields must be ignored: changes within 1.x only add fields.',
    ...generated,
  };
  return JSON.stringify(schema, null, 2) + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  writeOrCheckSchemaFile(CONTRACT_SCHEMA_FILE, contractSchemaJson(), 'scripts/contract-schema.ts');
