import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Connection {
  socket: Socket;
  /** Responses in progress on this connection (an SSE stream counts until it ends). */
  busy: number;
}

/**
 * Caps the open connections of an HTTP(S) server at `max` without letting idle ones lock out a
 * scrape: when a new connection would pass the cap, the connection idle longest (no response in
 * progress: never sent a complete request, or between keep-alive requests) is destroyed to make
 * room; only when every connection is serving a response is the new one refused (destroyed).
 * Node's own `server.maxConnections` refuses the newcomer instead, so a client holding idle
 * sockets would keep Prometheus out; and without any cap the process runs out of file
 * descriptors (1,100 idle connections under the usual limit of 1,024 made /metrics fail).
 *
 * Connections are keyed by remote address and port, which the raw socket of `connection` and the
 * TLS socket of `request` share.
 */
export class ConnectionLimit {
  readonly max: number;
  /** Open connections, least recently active first (a finished response moves one to the end). */
  readonly #open = new Map<string, Connection>();
  /** Connections destroyed to stay under the cap (idle ones evicted, and refused newcomers). */
  evicted = 0;
  refused = 0;

  constructor(server: Server, max: number) {
    this.max = max;
    server.on('connection', (socket: Socket) => this.#opened(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#request(req, res));
  }

  /** Connections currently open. */
  get size(): number {
    return this.#open.size;
  }

  #opened(socket: Socket): void {
    const key = keyOf(socket);
    if (key === undefined) {
      socket.destroy();
      return;
    }
    if (this.#open.size >= this.max) {
      let victim: string | undefined;
      for (const [k, c] of this.#open) {
        if (c.busy === 0) {
          victim = k;
          break;
        }
      }
      if (victim === undefined) {
        this.refused++;
        socket.destroy();
        return;
      }
      this.evicted++;
      this.#open.get(victim)!.socket.destroy();
      this.#open.delete(victim);
    }
    const conn: Connection = { socket, busy: 0 };
    this.#open.set(key, conn);
    socket.once('close', () => {
      if (this.#open.get(key) === conn) this.#open.delete(key);
    });
  }

  #request(req: IncomingMessage, res: ServerResponse): void {
    const key = keyOf(req.socket);
    const conn = key === undefined ? undefined : this.#open.get(key);
    if (!conn) return;
    conn.busy++;
    res.once('close', () => {
      conn.busy--;
      if (this.#open.get(key!) === conn) {
        this.#open.delete(key!);
        this.#open.set(key!, conn);
      }
    });
  }
}

function keyOf(socket: Socket): string | undefined {
  return socket.remoteAddress === undefined ? undefined : `${socket.remoteAddress}|${socket.remotePort}`;
}
