import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTHORISATION_MATRIX_PATH, renderAuthorisationMatrix } from '../src/policies/authorisation-matrix';

// Renders docs/authorisation-matrix.md from the rule table (npm run docs:matrix).
const target = join(__dirname, '..', AUTHORISATION_MATRIX_PATH);
writeFileSync(target, renderAuthorisationMatrix(), 'utf8');
process.stdout.write(`Wrote ${AUTHORISATION_MATRIX_PATH}\n`);
