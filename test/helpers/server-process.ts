import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '../../src/lib/paths.js';

/** A loopback port nothing listens on right now (the tests' servers, sshd, private Postgres). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Runs `src/server.ts` as a real process (through tsx) and waits until it listens. Ready means this
 * child logged that it listens on its port, not only that the port answers: a port found free can
 * be taken by another test's server in between, whose /_health would answer for a process that
 * never bound it (and, pointed at another database, is not ours). A child that lost its port that
 * way is started again on another one.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(env);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= 3) throw error;
    }
  }
}

class PortTakenError extends Error {}

const atMostInfo = (level: string | undefined) => (level === 'debug' || level === 'trace' ? level : 'info');

async function startOnce(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/server.ts')], {
    cwd: projectRoot,
    // At most info: readiness is read from the server's own "listening" line (an info line).
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), ...env, LOG_LEVEL: atMostInfo(env.LOG_LEVEL) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const listening = `Server listening at ${baseUrl}"`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (output.includes(listening)) {
      const up = await fetch(`${baseUrl}/_health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
    }
    if (child.exitCode !== null) {
      if (output.includes('EADDRINUSE')) throw new PortTakenError(`port ${port} was taken before the server bound it`);
      throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, baseUrl, output: () => output, exited };
}
