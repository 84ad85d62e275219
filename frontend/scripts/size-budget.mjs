// Fails the build when the JavaScript a first visit loads (the entry script and what it preloads)
// is over the budget, gzipped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 250 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map(
  (match) => match[1],
);
if (scripts.length === 0) {
  console.error('size budget: no script found in dist/index.html');
  process.exit(1);
}
let total = 0;
for (const script of scripts) {
  const size = gzipSync(readFileSync(join(dist, script))).length;
  total += size;
  console.log(`size budget: ${script} ${(size / 1024).toFixed(1)} KB gzipped`);
}
const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER';
console.log(`size budget: initial JS ${(total / 1024).toFixed(1)} KB gzipped, ${verdict} the ${BUDGET_BYTES / 1024} KB budget`);
if (total > BUDGET_BYTES) process.exit(1);
