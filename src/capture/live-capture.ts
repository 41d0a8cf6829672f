import { createRequire } from 'node:module';
import { LinkType } from '../decode/link-type.ts';
import type { InterfaceRegistry } from './interface-registry.ts';
import { interfaceState } from './interface-state.ts';
import type { PacketSink } from './packet-sink.ts';
import { systemInterfaces } from './default-interface.ts';
import { socketFds, type KernelStats } from './kernel-stats.ts';

const require = createRequire(import.meta.url);

/** A Cap of otelacct's patched build (scripts/cap-patch.mjs): opens once; close() is final. */
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer, snaplen: number): string;
  close(): void;
  /** Set by LiveCapture: called for every packet (see fastEmit). */
  onPacket?: (capturedLength: number, wireLength: number) => void;
}

type CapClass = { new (): CapHandle; prototype: { emit: (...args: unknown[]) => unknown } };

/** The patch level of cap this code needs (scripts/cap-patch.mjs PATCH_LEVEL). */
const CAP_PATCH_LEVEL = 2;

/**
 * The patched cap calls the `emit` it found on the object when it was constructed, once per
 * packet, with ('packet', capturedLength, truncated, wireLength). EventEmitter.emit does generic
 * listener bookkeeping on every call; this replacement calls the object's `onPacket` directly
 * (measured: less CPU per packet). Installed on cap's prototype once, before any Cap is created;
 * other events keep the original.
 */
function installFastEmit(Cap: CapClass): void {
  const original = Cap.prototype.emit;
  if ((original as { otelacctFast?: boolean }).otelacctFast) return;
  // No rest parameter: it would build an array on every packet.
  const fast = function (this: CapHandle, event: unknown, nbytes: unknown, _truncated: unknown, wire: unknown): unknown {
    if (event === 'packet' && this.onPacket !== undefined) {
      this.onPacket(nbytes as number, wire as number);
      return true;
    }
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as unknown[]);
  };
  (fast as { otelacctFast?: boolean }).otelacctFast = true;
  Cap.prototype.emit = fast;
}

/** cap's link-type names to LINKTYPE_* numbers (Linux DLT_RAW is 12). */
const CAP_LINK_TYPES: Record<string, number> = {
  ETHERNET: LinkType.ETHERNET,
  NULL: LinkType.NULL,
  RAW: LinkType.RAW_BSD,
  LINKTYPE_LINUX_SLL: LinkType.LINUX_SLL,
};

export interface LiveCaptureOptions {
  interfaces: string[];
  filter: string;
  bufferSize: number;
  snaplen: number;
}

/** Events worth a log line (interface lost, back, capture stalled). */
export type CaptureEvent = (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>, repeating?: boolean) => void;

/** A live-capture failure, with a message naming the interface and what to do. */
export class CaptureError extends Error {
  override name = 'CaptureError';
}

interface Port {
  name: string;
  index: number;
  buffer: Buffer;
  cap: CapHandle | undefined;
  ifindex: number;
  /** Packets cap delivered on this interface (for stall detection). */
  delivered: number;
  lastDelivered: number;
  lastReceived: number;
  stalledTicks: number;
}

/** How often interfaces are checked for loss, return and stalls (ms). */
const WATCH_MS = 1000;

/**
 * Live capture with libpcap (npm `cap`) on one or more interfaces, promiscuous, feeding `sink`.
 * Each interface has its own `snaplen`-byte buffer that cap overwrites for every packet, so the
 * sink sees it only for the duration of its call. The kernel keeps `snaplen` bytes of each packet
 * (byte counts come from the IP header, so they stay exact) and reports the wire length, which
 * counts packets whose IP header carries no length (IPv4 total length 0 from BIG TCP / TSO).
 *
 * Every open makes a new Cap and every close is final: the patched cap (scripts/cap-patch.mjs)
 * lets libuv release a closed capture before the garbage collector frees it, so dropping a
 * closed Cap (reload, interface loss) is safe.
 *
 * Interfaces that disappear, go down or stop delivering (libpcap's socket failed while the
 * kernel still queues packets) are closed and reopened when they are back: checked every second,
 * reported through `onEvent` and `states()`. The series keep their names, so counting resumes.
 */
export class LiveCapture {
  readonly #ports: Port[] = [];
  readonly #options: LiveCaptureOptions;
  readonly #sink: PacketSink;
  readonly #kernel: KernelStats | undefined;
  readonly #onEvent: CaptureEvent;
  readonly #Cap: CapClass;
  #timer: NodeJS.Timeout | undefined;

  /**
   * Opens every interface or none: on the first failure the ones opened are closed again.
   * `kernel`, when given, is told which packet socket belongs to which interface (drop counts).
   */
  constructor(options: LiveCaptureOptions, sink: PacketSink, interfaces: InterfaceRegistry, kernel?: KernelStats,
    onEvent: CaptureEvent = () => {}) {
    this.#options = options;
    this.#sink = sink;
    this.#kernel = kernel;
    this.#onEvent = onEvent;
    this.#Cap = loadCap();
    installFastEmit(this.#Cap);
    try {
      for (const name of options.interfaces) {
        const port: Port = {
          name, index: interfaces.register(name), buffer: Buffer.alloc(options.snaplen), cap: undefined, ifindex: -1,
          delivered: 0, lastDelivered: 0, lastReceived: 0, stalledTicks: 0,
        };
        this.#ports.push(port);
        this.#open(port);
      }
    } catch (err) {
      this.close();
      throw err;
    }
    this.#timer = setInterval(() => this.#watch(), WATCH_MS).unref();
  }

  /** Interface index → capturing now (true) or lost/down (false). */
  states(): ReadonlyMap<number, boolean> {
    return new Map(this.#ports.map((p) => [p.index, p.cap !== undefined]));
  }

  /** Opens `port`; throws CaptureError with a one-line message. */
  #open(port: Port): void {
    const cap = new this.#Cap();
    const before = this.#kernel ? socketFds() : undefined;
    let linkName: string;
    try {
      linkName = cap.open(port.name, this.#options.filter, this.#options.bufferSize, port.buffer, this.#options.snaplen);
    } catch (err) {
      throw new CaptureError(describeOpenError(port.name, this.#options.filter, err as Error), { cause: err });
    }
    const linkType = CAP_LINK_TYPES[linkName];
    if (linkType === undefined) {
      closeQuietly(cap);
      throw new CaptureError(`capture.interfaces: "${port.name}": link type not supported (${linkName}); supported: Ethernet, Linux cooked (any), raw IP, BSD loopback`);
    }
    port.cap = cap;
    port.ifindex = interfaceState(port.name).ifindex;
    if (this.#kernel && before) this.#kernel.track(port.index, before);
    port.lastReceived = this.#kernel?.received().get(port.index) ?? 0;
    port.lastDelivered = port.delivered;
    port.stalledTicks = 0;
    const sink = this.#sink;
    const buffer = port.buffer;
    const index = port.index;
    cap.onPacket = (capturedLength: number, wireLength: number) => {
      port.delivered++;
      sink.packet(buffer, 0, capturedLength, wireLength, linkType, index);
    };
  }

  #closePort(port: Port): void {
    if (!port.cap) return;
    this.#kernel?.poll();
    this.#kernel?.untrack(port.index);
    closeQuietly(port.cap);
    port.cap = undefined;
  }

  /** One check of every interface: lost, back, or stalled. */
  #watch(): void {
    this.#kernel?.poll();
    for (const port of this.#ports) {
      const st = interfaceState(port.name);
      if (port.cap) {
        const reason = !st.exists ? 'disappeared' : !st.up ? 'went down' : st.ifindex !== port.ifindex ? 'was recreated' : undefined;
        if (reason) {
          this.#closePort(port);
          this.#onEvent('warn', 'interface lost; capture stopped until it is back', { interface: port.name, reason });
          if (reason !== 'was recreated') continue;
        } else {
          // The kernel queued packets for us but cap delivered none, three checks in a row (more
          // than the 1 s a block may wait in the ring without immediate mode): libpcap's socket
          // failed (it stops polling after an error). Reopen.
          const received = this.#kernel?.received().get(port.index) ?? 0;
          const stalled = received > port.lastReceived && port.delivered === port.lastDelivered;
          port.stalledTicks = stalled ? port.stalledTicks + 1 : 0;
          port.lastReceived = received;
          port.lastDelivered = port.delivered;
          if (port.stalledTicks < 3) continue;
          this.#closePort(port);
          this.#onEvent('warn', 'capture stalled; reopening', { interface: port.name });
        }
      }
      if (!st.exists || !st.up) continue;
      try {
        this.#open(port);
        this.#onEvent('info', 'interface back; capturing again', { interface: port.name });
      } catch (err) {
        this.#onEvent('warn', 'interface not capturable yet', { interface: port.name, error: (err as Error).message }, true);
      }
    }
  }

  /** Stops capturing on every interface. Idempotent. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const port of this.#ports) this.#closePort(port);
  }
}

/**
 * cap's Cap class, when the addon is otelacct's patched build. An unpatched cap crashes when a
 * closed capture is garbage-collected (after a reload or an interface loss), aborts when an
 * interface goes away and miscounts packets over the snaplen: refuse it.
 */
function loadCap(): CapClass {
  const cap = require('cap') as { Cap: CapClass; otelacctPatch?: number };
  if (cap.otelacctPatch !== CAP_PATCH_LEVEL) {
    throw new CaptureError(`the cap addon (${require.resolve('cap/build/Release/cap.node')}) is not otelacct's patched build (patch level ${cap.otelacctPatch ?? 'none'}, need ${CAP_PATCH_LEVEL}); reinstall: npm ci, or scripts/bootstrap.sh`);
  }
  return cap.Cap;
}

function closeQuietly(cap: CapHandle): void {
  try {
    cap.close();
  } catch {
    // already closed
  }
}

function describeOpenError(name: string, filter: string, err: Error): string {
  const msg = err.message;
  if (/permission|not permitted/i.test(msg)) {
    return `capture.interfaces: "${name}": ${msg} — run as root or grant CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin+eip on the node binary, or AmbientCapabilities in systemd)`;
  }
  if (/no such device|doesn't exist|not found/i.test(msg)) {
    return `capture.interfaces: "${name}" not found (available: ${systemInterfaces().join(', ') || 'none'})`;
  }
  if (filter && /syntax|filter|expression|parse/i.test(msg)) {
    return `capture.filter: "${filter}": ${msg}`;
  }
  return `capture.interfaces: "${name}": ${msg}`;
}
