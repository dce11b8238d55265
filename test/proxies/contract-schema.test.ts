// The published contract (docs/proxy-contract.schema.json, docs/proxy-contract.md) never drifts
// from the zod schema the lab writes contracts with.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROXY_CONTRACT_VERSION, ProxyContract, ProxyListener } from '../../harness/proxies/contract/schema.js';
import { CONTRACT_SCHEMA_FILE, contractSchemaJson } from '../../scripts/contract-schema.js';

const doc = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/proxy-contract.md'), 'utf8');

describe('the published proxy contract', () => {
  it('docs/proxy-contract.schema.json is exactly what scripts/contract-schema.ts generates (run it after changing the schema)', () => {
    expect(readFileSync(CONTRACT_SCHEMA_FILE, 'utf8')).toBe(contractSchemaJson());
  });

  it('the example contract.json in the document is a valid contract of the current version', () => {
    const example = /```json\n([\s\S]+?)\n```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const contract = ProxyContract.parse(JSON.parse(example!));
    expect(contract.contractVersion).toBe(PROXY_CONTRACT_VERSION);
    expect(doc).toContain(`version ${PROXY_CONTRACT_VERSION}`);
  });

  it('the document describes every field of the schema', () => {
    const fields = [
      ...Object.keys(ProxyContract.shape),
      ...Object.keys(ProxyListener.shape).map((key) => `listeners[].${key}`),
      ...Object.keys(ProxyListener.shape.upstream.shape).map((key) => `listeners[].upstream.${key}`),
    ];
    const table = doc.slice(doc.indexOf('### Every field'), doc.indexOf('## What your proxy must do'));
    const escape = (text: string) => text.replace(/[.[\]]/g, '\\$&');
    // `field`, `field.sub…`, `field[]…`, or a row naming a sibling and then `.last` (`upstream.host`, `.port`).
    const described = (field: string) => {
      if (new RegExp('`' + escape(field) + '[`.[]').test(table)) return true;
      const dot = field.lastIndexOf('.');
      if (dot < 0) return false;
      const parent = field.slice(0, dot);
      return table.split('\n').some((row) => row.includes('`' + parent + '.') && row.includes('`' + field.slice(dot) + '`'));
    };
    const missing = fields.filter((field) => !described(field));
    expect(missing).toEqual([]);
  });
});
