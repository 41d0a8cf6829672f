import { createRequire } from 'node:module';
import type { PacketSink } from './packet-sink.ts';

const require = createRequire(import.meta.url);

/** A program compiled by libpcap, owned by the addon (freed when garbage-collected). */
type Program = object;

interface Native {
  compile(linkType: number, snaplen: number, bigEndian: boolean, expression: string): Program | string;
  match(program: Program, data: Uint8Array, offset: number, capturedLength: number, wireLength: number): boolean;
}

/**
 * Snaplen of the compiler's handle (libpcap's MAXIMUM_SNAPLEN): a compiled filter returns it for
 * an accepted packet, and any nonzero value means "accepted", as in pcap_offline_filter.
 */
const SNAPLEN = 262144;

/** The addon (build/Release/bpf_filter.node), or why it cannot be used. */
function loadNative(): Native | string {
  for (const rel of ['../../build/Release/bpf_filter.node', '../../../build/Release/bpf_filter.node']) {
    try {
      return require(rel) as Native;
    } catch {
      // try the next location (src/ in a checkout, dist/src/ when packaged)
    }
  }
  return 'the bpf_filter addon is not built (npm ci builds it from binding.gyp)';
}

let native: Native | string | undefined;

/**
 * `capture.filter` cannot be applied to a capture file: the expression does not compile for a
 * link type of the file (libpcap's message), or the addon is missing. One line, naming the key.
 */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

/**
 * A tcpdump filter expression applied to capture-file packets exactly as `tcpdump -r FILE EXPR`
 * does: libpcap's pcap_compile for each link type of the file, on a savefile handle with the
 * file's link type and byte order (as tcpdump's own), and libpcap's bpf_filter on every packet
 * (through the bpf_filter addon).
 *
 * Use: `prepare(linkType, where, bigEndian)` when a file announces a link type (pcap header,
 * pcapng IDB), which throws FilterError if the expression does not compile for it; then
 * `wrap(sink)` passes on only the packets the filter accepts. Packets of a link type that was
 * never prepared are dropped, never passed on unfiltered. A link type is compiled once, for the
 * byte order it was first announced in (tcpdump compiles once, for a pcapng file's first section).
 */
export class PacketFilter {
  readonly expression: string;
  readonly #native: Native;
  readonly #programs = new Map<number, Program>();

  /** Throws FilterError when the addon cannot be loaded. */
  constructor(expression: string) {
    native ??= loadNative();
    if (typeof native === 'string') {
      throw new FilterError(`capture.filter: ${JSON.stringify(expression)} cannot be applied to a capture file: ${native}`);
    }
    this.expression = expression;
    this.#native = native;
  }

  /**
   * Compiles the expression for LINKTYPE_* `linkType` in a file of the given byte order, once;
   * throws FilterError with libpcap's message naming `where` (the file).
   */
  prepare(linkType: number, where: string, bigEndian = false): void {
    if (this.#programs.has(linkType)) return;
    const program = this.#native.compile(linkType, SNAPLEN, bigEndian, this.expression);
    if (typeof program === 'string') {
      throw new FilterError(`capture.filter: ${JSON.stringify(this.expression)}: ${program} (link type ${linkType} of ${where})`);
    }
    this.#programs.set(linkType, program);
  }

  /** A sink that passes on to `inner` only the packets the filter accepts. */
  wrap(inner: PacketSink): PacketSink {
    return new FilteredSink(this.#native, this.#programs, inner);
  }
}

/** Per-packet filtering: one native call per packet, no allocation (the program is cached per link type). */
class FilteredSink implements PacketSink {
  readonly #native: Native;
  readonly #programs: Map<number, Program>;
  readonly #inner: PacketSink;
  #linkType = -1;
  #program: Program | undefined;

  constructor(native: Native, programs: Map<number, Program>, inner: PacketSink) {
    this.#native = native;
    this.#programs = programs;
    this.#inner = inner;
  }

  packet(data: Uint8Array, offset: number, capturedLength: number, wireLength: number, linkType: number,
    interfaceIndex: number): void {
    let program = this.#program;
    if (linkType !== this.#linkType || program === undefined) {
      this.#linkType = linkType;
      program = this.#program = this.#programs.get(linkType);
    }
    if (program === undefined || !this.#native.match(program, data, offset, capturedLength, wireLength)) return;
    this.#inner.packet(data, offset, capturedLength, wireLength, linkType, interfaceIndex);
  }
}
