/**
 * A `node:http` server for the receiver with the limits a public endpoint needs: connections
 * capped (in all and per client address), header and request timeouts, and a shutdown that ends
 * within a bounded grace period whatever clients do (a slow sender, a stalled `/events` reader).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { toNodeListener, type FetchHandler } from './toNodeListener.js';

export interface ServerLimits {
  /** Connections at once; more are closed as they arrive. Default 1024. */
  readonly maxConnections?: number;
  /** Connections at once from one address (a reverse proxy is one address). Default 256. */
  readonly maxConnectionsPerAddress?: number;
  /** Time to receive a request's headers. Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Time to receive a whole request. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open. Default 5 s. */
  readonly keepAliveTimeoutMs?: number;
}

export interface RunningServer {
  readonly address: AddressInfo;
  /**
   * Stops accepting, closes idle connections at once and the rest once they finish or
   * `graceMs` has passed, whichever is first; resolves when every connection is closed.
   */
  stop(graceMs: number): Promise<void>;
}

/** Listens on `host:port`; rejects with the listen error (EADDRINUSE, EACCES) instead of throwing later. */
export async function startServer(handle: FetchHandler, host: string, port: number, limits: ServerLimits = {}): Promise<RunningServer> {
  const server: Server = createServer(toNodeListener(handle));
  server.maxConnections = limits.maxConnections ?? 1024;
  server.headersTimeout = limits.headersTimeoutMs ?? 10_000;
  server.requestTimeout = limits.requestTimeoutMs ?? 30_000;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs ?? 5_000;
  const perAddress = limits.maxConnectionsPerAddress ?? 256;
  const byAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?';
    const count = (byAddress.get(address) ?? 0) + 1;
    if (count > perAddress) {
      socket.destroy();
      return;
    }
    byAddress.set(address, count);
    socket.once('close', () => {
      const left = byAddress.get(address)! - 1;
      if (left === 0) byAddress.delete(address);
      else byAddress.set(address, left);
    });
  });
  // A client that resets or sends garbage is that client's problem, never the process's.
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    async stop(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Connections that finish their request meanwhile become idle: close those as they do.
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      // After server.close() Node no longer enforces header and request timeouts, so the grace
      // period is what bounds a slow client.
      const grace = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(idle);
      clearTimeout(grace);
    },
  };
}
