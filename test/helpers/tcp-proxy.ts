import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A forwarder between the app and a server it talks to (its database, a git
 * remote), so a test can take that server away (cut), make it stop answering
 * (hang) and give it back (restore) without touching either side.
 *
 * It listens where its target does: on 127.0.0.1 for a TCP target, and on a Unix socket
 * in a fresh 0700 directory for a Unix-socket target (the embedded database, which takes
 * any password and is kept off TCP for that reason; the proxy must not reopen that door).
 */
export class TcpProxy {
  private server = net.createServer((client) => this.accept(client));
  private sockets = new Set<net.Socket>();
  private mode: 'open' | 'closed' | 'hanging' = 'open';
  /** The TCP port listened on; for a Unix-socket proxy, the port in the socket's name (.s.PGSQL.<port>). */
  port = 0;
  /** For a Unix-socket proxy: the private directory holding its socket. */
  socketDir: string | null = null;

  constructor(
    private readonly target: net.NetConnectOpts,
    private readonly listenOn: { unixSocketPort: number } | 'tcp' = 'tcp',
  ) {}

  /** `?host=<dir>` (the embedded database's Unix socket, as pg reads it) wins over the URL's host. */
  static forUrl(url: string): TcpProxy {
    const parsed = new URL(url);
    const port = Number(parsed.port || 5432);
    const socketDir = parsed.searchParams.get('host');
    if (socketDir?.startsWith('/')) return new TcpProxy({ path: `${socketDir}/.s.PGSQL.${port}` }, { unixSocketPort: port });
    return new TcpProxy({ host: parsed.hostname, port });
  }

  async start(): Promise<void> {
    if (this.listenOn === 'tcp') {
      await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
      this.port = (this.server.address() as net.AddressInfo).port;
      return;
    }
    // mkdtemp creates the directory 0700: no other user can reach the socket inside.
    this.socketDir = mkdtempSync(join(tmpdir(), 'db-proxy-'));
    this.port = this.listenOn.unixSocketPort;
    const path = join(this.socketDir, `.s.PGSQL.${this.port}`);
    await new Promise<void>((resolve) => this.server.listen(path, resolve));
  }

  /** The same URL, pointed at the proxy. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    if (this.socketDir) {
      parsed.searchParams.set('host', this.socketDir);
      return parsed.toString();
    }
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    parsed.searchParams.delete('host');
    return parsed.toString();
  }

  private accept(client: net.Socket): void {
    if (this.mode === 'closed') {
      client.destroy();
      return;
    }
    if (this.mode === 'hanging') {
      // Accepted, read and never answered: what a wedged server or a black-holed route looks like.
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      client.resume();
      return;
    }
    const upstream = net.connect(this.target);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /** Drops every connection and refuses new ones. */
  cut(): void {
    this.mode = 'closed';
    for (const socket of this.sockets) socket.destroy();
  }

  /** Drops every connection; new ones are accepted and then never answered. */
  hang(): void {
    this.cut();
    this.mode = 'hanging';
  }

  /** Keeps every connection open but forwards nothing more either way; new ones are accepted and never answered. */
  freeze(): void {
    this.mode = 'hanging';
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  restore(): void {
    this.mode = 'open';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.socketDir) rmSync(this.socketDir, { recursive: true, force: true });
  }
}
