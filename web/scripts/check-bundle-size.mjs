// Fails the build when the JavaScript loaded on first visit (index.html's module script and its
// static imports, gzipped) exceeds the budget. Route chunks loaded later do not count.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 350 * 1024;
const dist = join(import.meta.dirname, '..', 'dist');
const manifestHtml = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set(
  [...manifestHtml.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/console\/([^"]+\.js)"/g)].map((m) => m[1]),
);
let total = 0;
for (const file of initial) {
  const size = gzipSync(readFileSync(join(dist, file))).length;
  total += size;
  console.log(`  ${file}: ${(size / 1024).toFixed(1)} KB gzipped`);
}
console.log(`Initial JavaScript: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
if (initial.size === 0 || total > BUDGET_BYTES) {
  console.error(initial.size === 0 ? 'No initial script found in dist/index.html' : 'Over budget');
  process.exit(1);
}
