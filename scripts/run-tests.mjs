#!/usr/bin/env node
// `npm test [-- <jest args>]`: the whole suite, or what the arguments select.
// Without arguments: the console's unit tests (Vitest), the console build (the e2e suites serve
// web/dist and drive it in Chromium), then every Jest project. With arguments (a path, -t, …):
// Jest alone with them, building the console first only when web/dist is missing, so that a
// one-suite run stays quick and never rebuilds web/dist under a suite that is reading it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const listOnly = args.includes('--listTests');
if (args.length === 0) {
  run(npm, ['run', '--silent', 'test', '-w', 'web']);
  run(npm, ['run', '--silent', 'build', '-w', 'web']);
} else if (!listOnly && !existsSync(join(root, 'web', 'dist', 'index.html'))) {
  run(npm, ['run', '--silent', 'build', '-w', 'web']);
}
run(process.execPath, [
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
  '--config',
  'jest.config.ts',
  ...args,
]);
