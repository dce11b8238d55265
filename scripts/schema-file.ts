// The command-line end the schema scripts share: write the generated JSON Schema to its file, or
// with --check exit 1 when the committed file differs from what the zod schema generates.
import { readFileSync, writeFileSync } from 'node:fs';

export function writeOrCheckSchemaFile(file: string, fresh: string, script: string): void {
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // missing counts as different
    }
    if (current !== fresh) {
      process.stderr.write(`${file} is out of date: run npx tsx ${script}\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(file, fresh);
    process.stdout.write(`wrote ${file}\n`);
  }
}
