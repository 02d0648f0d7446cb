// Turns the service's OpenAPI document into web/src/api/schema.d.ts (openapi-typescript).
// Usage: node web/scripts/generate-api-schema.mjs <openapi.json> [--check]
// --check: exit 1 when the committed file differs from what the document generates.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';

const [source, flag] = process.argv.slice(2);
if (!source) {
  console.error('usage: generate-api-schema.mjs <openapi.json> [--check]');
  process.exit(2);
}
const target = join(import.meta.dirname, '..', 'src', 'api', 'schema.d.ts');
const document = JSON.parse(readFileSync(source, 'utf8'));
const header =
  "// Generated from the service's OpenAPI document by `npm run api:generate`: do not edit.\n" +
  "// CI fails when this file and the running service's /docs-json differ.\n";
const generated = header + astToString(await openapiTS(document, { alphabetize: true }));
if (flag === '--check') {
  const committed = readFileSync(target, 'utf8');
  if (committed !== generated) {
    console.error('web/src/api/schema.d.ts is stale: run `npm run api:generate` and commit it');
    process.exit(1);
  }
  console.log('web/src/api/schema.d.ts matches the service');
} else {
  writeFileSync(target, generated);
  console.log(`wrote ${target}`);
}
