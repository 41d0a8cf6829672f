/**
 * Flow datagrams as bytes: record what an exporter sends to a loopback UDP port (every datagram,
 * in arrival order, none lost to the kernel), keep them in a file, and send the same bytes to
 * a collector as fast as it takes them without a drop (or at top speed, to measure its drops).
 *
 * "No kernel drops" is checked, not hoped for: the `drops` column of /proc/net/udp for the
 * receiving socket (the kernel's count of datagrams that did not fit its receive buffer) must
 * not grow while recording, and `replay` keeps the receiver's queue (`rx_queue`, bytes waiting)
 * under a bound so that nothing is dropped on the way in.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { PcapWriter } from './pcap-writer.ts';

/** One UDP socket's line of /proc/net/udp. */
export interface UdpSocketState {
  /** Bytes queued for the reader (rx_queue). */
  rxQueue: number;
  /** Datagrams the kernel dropped for this socket (receive buffer full, ...). */
  drops: number;
}

/** Local addresses a loopback sender reaches: 127.0.0.1 and 0.0.0.0; ::, ::1 and ::ffff:127.0.0.1. */
const LOOPBACK_REACHABLE = new Set(['0100007F', '00000000', '00000000000000000000000000000000',
  '00000000000000000000000001000000', '0000000000000000FFFF00000100007F']);

/**
 * The state of the UDP socket bound to `port` on an address a datagram to 127.0.0.1 reaches
 * (127.0.0.1, 0.0.0.0, or IPv6 ::, ::1, ::ffff:127.0.0.1), or undefined when none is: read from
 * /proc/net/udp and /proc/net/udp6.
 */
export function udpSocketState(port: number): UdpSocketState | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 13) continue;
      const [addr, p] = f[1].split(':');
      if (p !== hexPort || !LOOPBACK_REACHABLE.has(addr)) continue;
      return { rxQueue: parseInt(f[4].split(':')[1], 16), drops: Number(f[12]) };
    }
  }
  return undefined;
}

/** Largest receive buffer asked for (net.core.rmem_max caps it; 4 MiB on the test machines). */
const RECV_BUFFER = 32 << 20;

/**
 * Records every datagram sent to 127.0.0.1:`port` (an ephemeral port unless given), bytes and
 * arrival order. `stop()` waits until nothing arrived for `quietMs`, closes the socket and fails
 * when the kernel dropped any datagram meant for it.
 */
export class DatagramRecorder {
  readonly datagrams: Buffer[] = [];
  readonly #socket: Socket;
  #last = Date.now();
  #dropsAtStart = 0;
  #closed = false;
  port = 0;
  /** The receive buffer the kernel granted (Linux reports twice what was asked, capped by rmem_max). */
  receiveBuffer = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (m) => {
      this.datagrams.push(m);
      this.#last = Date.now();
    });
  }

  /** Binds a recorder on 127.0.0.1 (port 0: any free port). */
  static async open(port = 0): Promise<DatagramRecorder> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER });
    const r = new DatagramRecorder(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    r.port = socket.address().port;
    r.receiveBuffer = socket.getRecvBufferSize();
    r.#dropsAtStart = udpSocketState(r.port)?.drops ?? 0;
    return r;
  }

  /** Waits for `quietMs` without a datagram (and an empty socket queue), closes, returns the datagrams. */
  async stop(quietMs = 300): Promise<Buffer[]> {
    for (;;) {
      const state = udpSocketState(this.port);
      if (Date.now() - this.#last >= quietMs && (state === undefined || state.rxQueue === 0)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const drops = (udpSocketState(this.port)?.drops ?? 0) - this.#dropsAtStart;
    this.close();
    if (drops !== 0) {
      throw new Error(`datagram recorder on 127.0.0.1:${this.port}: the kernel dropped ${drops} datagrams ` +
        `(receive buffer ${this.receiveBuffer} bytes): the recording is incomplete`);
    }
    return this.datagrams;
  }

  /** Closes the socket without waiting or checking (idempotent; for error paths). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }
}

/** Options of replay. */
export interface ReplayOptions {
  /** Destination host (default 127.0.0.1). */
  host?: string;
  /**
   * Most bytes allowed to wait in the receiver's socket queue (rx_queue of the socket bound to
   * `port`, read from /proc/net/udp: the kernel's truesize, ~2.3 KB for a 1 KB datagram on lo)
   * before the next burst is sent; the sender waits for the receiver to read. Default 64 KiB:
   * with a burst on top, under Linux's default receive buffer (rmem_default, 208 KiB).
   * `Infinity`: top speed, no flow control (the receiver may drop; udpSocketState says how many).
   */
  maxQueued?: number;
  /** Datagrams sent between two looks at the queue (default 16). */
  burst?: number;
  /** Local address to send from (any of 127.0.0.0/8 works on lo): one exporter per address. Default: the kernel's choice. */
  sourceAddress?: string;
}

/** What replay did. */
export interface ReplayResult {
  datagrams: number;
  bytes: number;
  /** Wall time of the sending, in seconds. */
  seconds: number;
  /** Growth of the receiver socket's drop counter during the replay (0 when no socket is bound to port). */
  drops: number;
}

/**
 * Sends `datagrams` in order from one ephemeral UDP socket to `host:port`, paced by the
 * receiver's queue (options.maxQueued); resolves when all were handed to the kernel. Pacing
 * reads the receiver's socket from /proc/net/udp{,6}: it must be on this machine, bound to
 * 127.0.0.1, 0.0.0.0 or :: (paced replay to 127.0.0.1 fails at once when no socket is bound there).
 */
export async function replay(datagrams: readonly Uint8Array[], port: number, options: ReplayOptions = {}): Promise<ReplayResult> {
  const host = options.host ?? '127.0.0.1';
  const maxQueued = options.maxQueued ?? 64 * 1024;
  const burst = options.burst ?? 16;
  const paced = Number.isFinite(maxQueued);
  const socket = createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    const connect = (): void => socket.connect(port, host, () => resolve());
    if (options.sourceAddress === undefined) connect();
    else socket.bind(0, options.sourceAddress, connect);
  });
  if (paced && host === '127.0.0.1' && udpSocketState(port) === undefined) {
    socket.close();
    throw new Error(`replay: no UDP socket is bound to port ${port} on 127.0.0.1, 0.0.0.0 or :: (nothing to pace by)`);
  }
  const dropsBefore = udpSocketState(port)?.drops ?? 0;
  const started = process.hrtime.bigint();
  let bytes = 0;
  try {
    for (let i = 0; i < datagrams.length; i += burst) {
      if (paced) {
        for (let waited = 0; (udpSocketState(port)?.rxQueue ?? 0) > maxQueued; waited++) {
          await new Promise((r) => setTimeout(r, waited < 20 ? 0 : 1));
        }
      }
      const end = Math.min(datagrams.length, i + burst);
      const sends: Promise<void>[] = [];
      for (let k = i; k < end; k++) {
        bytes += datagrams[k].length;
        sends.push(new Promise((resolve, reject) => socket.send(datagrams[k], (err) => (err ? reject(err) : resolve()))));
      }
      await Promise.all(sends);
    }
  } finally {
    socket.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { datagrams: datagrams.length, bytes, seconds, drops: (udpSocketState(port)?.drops ?? 0) - dropsBefore };
}

const LINKTYPE_RAW = 101;

/**
 * Writes datagrams as a pcap of IPv4/UDP packets (LINKTYPE_RAW) from 127.0.0.1:`srcPort` to
 * 127.0.0.1:`dstPort`, one per datagram in order, timestamps 1 µs apart: readDatagramsPcap reads
 * the payloads back, and tshark decodes them (`-d udp.port==P,cflow` or `,sflow`).
 */
export function writeDatagramsPcap(file: string, datagrams: readonly Uint8Array[], dstPort = 2055, srcPort = 40000): void {
  const w = new PcapWriter({ linkType: LINKTYPE_RAW, file });
  for (let k = 0; k < datagrams.length; k++) {
    const d = datagrams[k];
    const p = new Uint8Array(28 + d.length);
    const v = new DataView(p.buffer);
    v.setUint8(0, 0x45);
    v.setUint16(2, p.length);
    v.setUint8(8, 64);
    v.setUint8(9, 17);
    v.setUint32(12, 0x7f000001);
    v.setUint32(16, 0x7f000001);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += v.getUint16(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    v.setUint16(10, ~sum & 0xffff);
    v.setUint16(20, srcPort);
    v.setUint16(22, dstPort);
    v.setUint16(24, 8 + d.length);
    p.set(d, 28);
    w.add(p, { tsSec: 1_700_000_000 + Math.floor(k / 1_000_000), tsFrac: k % 1_000_000 });
  }
  w.close();
}

/** The UDP payloads of a pcap written by writeDatagramsPcap (little-endian µs pcap, LINKTYPE_RAW, IPv4). */
export function readDatagramsPcap(file: string): Buffer[] {
  const b = readFileSync(file);
  if (b.length < 24 || b.readUInt32LE(0) !== 0xa1b2c3d4 || b.readUInt32LE(20) !== LINKTYPE_RAW) {
    throw new Error(`readDatagramsPcap: ${file} is not a little-endian raw-IP pcap written by writeDatagramsPcap`);
  }
  const out: Buffer[] = [];
  for (let at = 24; at < b.length;) {
    if (at + 16 > b.length) throw new Error(`readDatagramsPcap: ${file} is truncated at byte ${at}`);
    const capLen = b.readUInt32LE(at + 8);
    const p = b.subarray(at + 16, at + 16 + capLen);
    if (p.length !== capLen || capLen < 28 || p[0] >> 4 !== 4 || p[9] !== 17) {
      throw new Error(`readDatagramsPcap: ${file}: record at byte ${at} is not a whole IPv4/UDP packet`);
    }
    const ihl = (p[0] & 15) * 4;
    out.push(Buffer.from(p.subarray(ihl + 8)));
    at += 16 + capLen;
  }
  return out;
}
