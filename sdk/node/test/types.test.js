// The package's TypeScript declarations cover every runtime export of every entry point (package.json
// "exports"), so the types cannot silently fall behind the JavaScript.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));

for (const [entry, target] of Object.entries(pkg.exports)) {
  test(`declarations cover every export of '${entry}'`, async () => {
    const runtime = await import(join(here, target.default));
    const declarations = readFileSync(join(here, target.types), 'utf8');
    for (const name of Object.keys(runtime)) {
      assert.match(declarations, new RegExp(`export declare (class|function|const) ${name}\\b`), `${target.types} does not declare ${name}`);
    }
  });
}
