import { createRequire } from 'node:module';
import { LinkType } from '../decode/link-type.ts';
import type { InterfaceRegistry } from './interface-registry.ts';
import type { PacketSink } from './packet-sink.ts';
import { systemInterfaces } from './default-interface.ts';
import { socketFds, type KernelStats } from './kernel-stats.ts';

const require = createRequire(import.meta.url);

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  close(): void;
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

/**
 * Cap objects whose open() failed. cap leaves such an object half-initialised: its destructor
 * (when the garbage collector frees it) stops a libuv poll handle that was never started and
 * aborts the process. Keeping them referenced means they are never freed before exit.
 */
const failedOpens: CapHandle[] = [];

/** A live-capture failure, with a message naming the interface and what to do. */
export class CaptureError extends Error {
  override name = 'CaptureError';
}

/**
 * Live capture with libpcap (npm `cap`) on one or more interfaces, promiscuous, feeding `sink`.
 * Each interface has its own `snaplen`-byte buffer that cap overwrites for every packet, so the
 * sink sees it only for the duration of its call. Packets longer than snaplen arrive truncated
 * (byte counts come from the IP header, so they stay exact).
 */
export class LiveCapture {
  readonly #handles: CapHandle[] = [];

  readonly #tracked: number[] = [];
  readonly #kernel: KernelStats | undefined;

  /**
   * Opens every interface or none: on the first failure the ones opened are closed again.
   * `kernel`, when given, is told which packet socket belongs to which interface (drop counts).
   */
  constructor(options: LiveCaptureOptions, sink: PacketSink, interfaces: InterfaceRegistry, kernel?: KernelStats) {
    this.#kernel = kernel;
    const { Cap } = require('cap') as { Cap: new () => CapHandle };
    try {
      for (const name of options.interfaces) {
        const cap = new Cap();
        const buffer = Buffer.alloc(options.snaplen);
        let linkName: string;
        const before = kernel ? socketFds() : undefined;
        try {
          linkName = cap.open(name, options.filter, options.bufferSize, buffer);
        } catch (err) {
          failedOpens.push(cap);
          throw new CaptureError(describeOpenError(name, options.filter, err as Error), { cause: err });
        }
        this.#handles.push(cap);
        const linkType = CAP_LINK_TYPES[linkName];
        if (linkType === undefined) {
          throw new CaptureError(`capture.interfaces: "${name}": link type not supported (${linkName}); supported: Ethernet, Linux cooked (any), raw IP, BSD loopback`);
        }
        const index = interfaces.register(name);
        if (kernel && before && kernel.track(index, before)) this.#tracked.push(index);
        cap.on('packet', (nbytes: number) => sink.packet(buffer, 0, nbytes, nbytes, linkType, index));
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Stops capturing on every interface. Idempotent. */
  close(): void {
    this.#kernel?.poll();
    for (const i of this.#tracked.splice(0)) this.#kernel?.untrack(i);
    for (const h of this.#handles.splice(0)) {
      try {
        h.close();
      } catch {
        // already closed
      }
    }
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
