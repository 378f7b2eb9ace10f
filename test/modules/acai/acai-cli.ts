import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

// The released acai CLI, unchanged, for the tests that run it against the server. ACAI_CLI names a
// node-runnable build of github.com/acai-sh/cli (acai.mjs); without one those tests skip.

const CLI = process.env.ACAI_CLI ?? '';
const run = promisify(execFile);

/** Whether ACAI_CLI names a build that exists (describe.skipIf(!hasAcaiCli)). */
export const hasAcaiCli = CLI !== '' && existsSync(CLI);

/** Runs `acai ...args` with exactly `env` in `cwd`: its exit code and its stdout followed by its stderr. */
export async function runAcai(options: { env: NodeJS.ProcessEnv; cwd: string }, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], options);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}
