// Validates JUnit XML against Maven Surefire's report schema (vendored in fixtures/) with libxml2's
// own validator — xmllint compiled to WebAssembly, so no native build and no Java.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';

const XSD = readFileSync(fileURLToPath(new URL('./fixtures/surefire-test-report-3.0.xsd', import.meta.url)), 'utf8');

/** The schema's complaints about a document; empty when it is valid. */
export async function surefireProblems(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }],
    schema: [{ fileName: 'surefire-test-report-3.0.xsd', contents: XSD }],
  });
  return result.valid ? [] : result.errors.map((error) => error.rawMessage);
}
