import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * README: `npm test -- <path>` runs that suite alone. An array option at the end of the `test`
 * script (e.g. `--selectProjects a b c`) swallows the path as one more project name, and the
 * whole suite runs instead.
 */
describe('npm test -- <path>', () => {
  it('lists only the suite named on the command line', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['test', '--silent', '--', 'test/e2e/audit.e2e-spec.ts', '--listTests'],
      { cwd: join(__dirname, '..', '..') },
    );
    const listed = stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(line));
    expect(listed).toEqual([join(__dirname, 'audit.e2e-spec.ts')]);
  });
});
