import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { ExporterRegistry } from './exporter-registry.ts';
import { FlowCounter, FlowError, type FlowDecoder, type FlowStats } from './flow-sink.ts';

/** A problem a listener reports: level, message and fields, as Logger.log takes them. */
export type FlowLog = (level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>, repeating?: boolean) => void;

export interface FlowListenerOptions {
  /** Which protocol family the sockets serve (`sflow`, `netflow`): logs and self-telemetry. */
  name: string;
  /** Listen address; empty: all interfaces, IPv4 and IPv6 (one dual-stack socket per port). */
  host: string;
  ports: readonly number[];
  /** SO_RCVBUF asked for, per socket. */
  receiveBufferSize: number;
  decoder: FlowDecoder;
  /** Shared by every listener: an exporter has one id whatever it sends. */
  registry: ExporterRegistry;
  stats: FlowStats;
  log: FlowLog;
  now?: () => number;
}

/** One bound socket, as started. */
export interface BoundSocket {
  address: string;
  port: number;
  /** SO_RCVBUF the kernel granted (Linux reports twice what it allows for data). */
  receiveBuffer: number;
}

/** Why a listener could not start: one line naming the key, address and reason. */
export class FlowListenError extends Error {
  override name = 'FlowListenError';
}

/**
 * UDP sockets for one flow protocol family. Per datagram: the exporter id of its source address
 * (ExporterRegistry; past flow.maxExporters, or outside flow.allowedExporters, the datagram is
 * dropped and counted in `refused`), the
 * DATAGRAMS counter, then the decoder. Node's dgram hands over a new Buffer per datagram (that
 * is unavoidable); nothing else is made per datagram except, for IPv4 sources on a dual-stack
 * socket, the address without its `::ffff:` prefix.
 */
export class FlowListener {
  readonly name: string;
  /** Datagrams dropped because their source would have been one exporter too many, or is not allowed. */
  refused = 0;
  /** Decoders that threw (a decoder bug: they must not); the datagram counts as malformed. */
  decoderFailures = 0;
  readonly #o: FlowListenerOptions;
  readonly #sockets: Socket[] = [];
  readonly #now: () => number;
  #bound: BoundSocket[] = [];

  constructor(o: FlowListenerOptions) {
    this.name = o.name;
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** Ports bound (as started). */
  get bound(): readonly BoundSocket[] {
    return this.#bound;
  }

  /** Binds every port; throws FlowListenError (after closing what was bound) if one cannot be. */
  async start(): Promise<readonly BoundSocket[]> {
    try {
      for (const port of this.#o.ports) this.#bound.push(await this.#bind(port));
    } catch (err) {
      this.close();
      throw err;
    }
    return this.#bound;
  }

  async #bind(port: number): Promise<BoundSocket> {
    const { host } = this.#o;
    const attempts: Array<{ type: 'udp4' | 'udp6'; address: string }> = host === ''
      ? [{ type: 'udp6', address: '::' }, { type: 'udp4', address: '0.0.0.0' }]
      : [{ type: host.includes(':') ? 'udp6' : 'udp4', address: host }];
    let last: NodeJS.ErrnoException | undefined;
    for (const { type, address } of attempts) {
      const socket = createSocket({ type, ipv6Only: false });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind({ port, address, exclusive: true }, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        last = err as NodeJS.ErrnoException;
        socket.close();
        // No IPv6 on this host: the IPv4 wildcard instead.
        if (host === '' && (last.code === 'EAFNOSUPPORT' || last.code === 'EADDRNOTAVAIL')) continue;
        break;
      }
      let granted = 0;
      try {
        socket.setRecvBufferSize(this.#o.receiveBufferSize);
      } catch (err) {
        this.#o.log('warn', 'flow socket receive buffer not set', { listener: this.name, port, requested: this.#o.receiveBufferSize, error: (err as Error).message });
      }
      try {
        granted = socket.getRecvBufferSize();
      } catch {
        granted = 0;
      }
      const a = socket.address();
      // Linux doubles SO_RCVBUF for its bookkeeping and caps the request at net.core.rmem_max.
      if (granted > 0 && granted < 2 * this.#o.receiveBufferSize) {
        this.#o.log('warn', 'flow socket receive buffer smaller than asked: raise net.core.rmem_max', {
          listener: this.name, port: a.port, requested: this.#o.receiveBufferSize, granted,
        });
      }
      socket.on('message', (msg, rinfo) => this.#datagram(msg, rinfo));
      socket.on('error', (err) => this.#o.log('error', 'flow socket error', { listener: this.name, port, error: err.message }, true));
      this.#sockets.push(socket);
      this.#o.log('info', 'flow listener started', { listener: this.name, address: a.address, port: a.port, receiveBuffer: granted });
      return { address: a.address, port: a.port, receiveBuffer: granted };
    }
    const key = this.name === 'sflow' ? 'flow.sflow' : 'flow.netflow';
    throw new FlowListenError(`${key}: cannot listen on ${host === '' ? '*' : host} udp port ${port} (${last?.code ?? last?.message ?? 'unknown error'})`, { cause: last });
  }

  #datagram(msg: Buffer, rinfo: RemoteInfo): void {
    let address = rinfo.address;
    // A dual-stack socket reports IPv4 sources as ::ffff:a.b.c.d: one exporter, one id, whichever socket it reaches.
    if (address.charCodeAt(0) === 58 /* : */ && address.startsWith('::ffff:') && address.includes('.')) address = address.slice(7);
    const id = this.#o.registry.id(address);
    if (id < 0) {
      this.refused++;
      return;
    }
    this.#o.stats.add(id, FlowCounter.DATAGRAMS, 1);
    try {
      this.#o.decoder.datagram(msg, msg.length, id, this.#now());
    } catch (err) {
      // Decoders never throw by contract; one that does must not take the collector down.
      this.decoderFailures++;
      // MALFORMED once per datagram: not again if the decoder counted an error before it threw.
      this.#o.stats.error(id, FlowError.DECODER_FAILURE);
      this.#o.log('error', 'flow decoder failed on a datagram', { listener: this.name, exporter: address, error: String(err) }, true);
    }
  }

  /** Closes every socket. */
  close(): void {
    for (const s of this.#sockets) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
    this.#sockets.length = 0;
  }
}
