// The appliance documentation (docs/appliance.md, docs/appliance-address.schema.json) never drifts
// from the zod schema of the address file, and the file's errors say where and what.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APPLIANCE_FILE_VERSION, ApplianceFile, ApplianceListener, parseApplianceFile } from '../../harness/appliance/address-file.js';
import { UsageError } from '../../harness/errors.js';
import { APPLIANCE_SCHEMA_FILE, applianceSchemaJson } from '../../scripts/appliance-schema.js';

const doc = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/appliance.md'), 'utf8');

const VALID = [
  "version: '1.0'",
  'mode: bridge',
  'listen: 127.0.0.2',
  'egress: 127.0.0.20',
  'listeners:',
  '  - publicName: mp.ibcm-lab.example',
  '    address: 127.0.0.21',
  '    port: 443',
  '  - publicName: fsp.ibcm-lab.example',
  '    address: 127.0.0.22',
  '    port: 80',
  '',
].join('\n');

/** The message of the usage error parseApplianceFile throws for `text`. */
function errorOf(text: string): string {
  try {
    parseApplianceFile(text, 'appliance.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('the file validated');
}

describe('the published appliance address file', () => {
  it('docs/appliance-address.schema.json is exactly what scripts/appliance-schema.ts generates (run it after changing the schema)', () => {
    expect(readFileSync(APPLIANCE_SCHEMA_FILE, 'utf8')).toBe(applianceSchemaJson());
  });

  it('the published schema is the input side: fields with a default are optional', () => {
    const schema = JSON.parse(applianceSchemaJson()) as { required: string[] };
    expect(schema.required).toEqual(['version', 'mode', 'listen', 'egress', 'listeners']);
  });

  it('the example address file in the document validates', () => {
    const example = /```yaml\n([\s\S]+?)\n```/.exec(doc.slice(doc.indexOf('## The address file')))?.[1];
    expect(example).toBeDefined();
    const file = parseApplianceFile(example!, 'docs/appliance.md');
    expect(file.version).toBe(APPLIANCE_FILE_VERSION);
    expect(file.listeners.length).toBeGreaterThan(0);
  });

  it('the document describes every field of the schema', () => {
    const fields = [
      ...Object.keys(ApplianceFile.shape),
      ...Object.keys(ApplianceListener.shape).map((key) => `listeners[].${key}`),
      ...Object.keys(ApplianceFile.shape.syslog.unwrap().shape).map((key) => `syslog.${key}`),
    ];
    const table = doc.slice(doc.indexOf('### Every field'), doc.indexOf('### An example'));
    const escape = (text: string) => text.replace(/[.[\]]/g, '\\$&');
    const missing = fields.filter((field) => !new RegExp('`' + escape(field) + '[`.[]').test(table));
    expect(missing).toEqual([]);
  });
});

describe('parseApplianceFile: errors name the file, the line and the field', () => {
  it('accepts a minimal file and fills in the defaults', () => {
    const file = parseApplianceFile(VALID, 'appliance.yaml');
    expect(file).toMatchObject({ name: 'appliance', readinessSeconds: 30, mode: 'bridge' });
    expect(file.syslog).toBeUndefined();
  });

  it('a name instead of an IP address in listen', () => {
    expect(errorOf(VALID.replace('listen: 127.0.0.2', 'listen: lab.example'))).toBe(
      'appliance.yaml:3: listen: an IP address (v4 or v6), not a name',
    );
  });

  it('a name instead of an IP address in a listener', () => {
    expect(errorOf(VALID.replace('address: 127.0.0.22', 'address: fsp.appliance.example'))).toBe(
      'appliance.yaml:10: listeners.1.address: an IP address (v4 or v6), not a name',
    );
  });

  it('a missing listeners (the line of the mapping it belongs in, the field, and that it is required)', () => {
    const message = errorOf(VALID.slice(0, VALID.indexOf('listeners:')));
    expect(message).toMatch(/^appliance\.yaml:1: listeners: missing \(required\)/);
  });

  it('a duplicated publicName (compared without regard to case)', () => {
    const message = errorOf(`${VALID}  - publicName: MP.ibcm-lab.example\n    address: 127.0.0.23\n    port: 443\n`);
    expect(message).toMatch(/^appliance\.yaml:\d+: listeners\.\d+\.publicName: /);
    expect(message).toContain('MP.ibcm-lab.example is named twice');
  });

  it('bad YAML', () => {
    expect(errorOf(`${VALID}syslog: [port: 5514\n`)).toMatch(/^appliance\.yaml:13: not valid YAML or JSON: /);
  });

  it('an unknown field', () => {
    expect(errorOf(`${VALID}readinesSeconds: 60\n`)).toMatch(/^appliance\.yaml(:\d+)?: \(root\): .*readinesSeconds/);
  });
});
