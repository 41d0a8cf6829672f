import { createSocket, type Socket } from 'node:dgram';

/** The PTR query name of an address: `7.2.0.192.in-addr.arpa` / nibbles `.ip6.arpa`. */
export function ptrName(address: string): string {
  if (address.includes(':')) {
    const [head, tail = ''] = address.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((g) => g.padStart(4, '0'));
    return `${[...groups.join('')].reverse().join('.')}.ip6.arpa`;
  }
  return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
}

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) for tests: answers PTR queries from
 * `names` (address → name), NXDOMAIN for the rest; `silent` addresses get no answer at all (a
 * timeout). Records every query name, and the most queries it had waiting at once when `delayMs`
 * holds answers back.
 */
export class DnsResponder {
  readonly queries: string[] = [];
  maxPending = 0;
  #pending = 0;
  readonly #socket: Socket;
  readonly #ptr = new Map<string, string>();
  readonly #silent = new Set<string>();
  readonly #delayMs: number;
  port = 0;
  #closed = false;

  private constructor(names: Record<string, string>, silent: string[], delayMs: number) {
    for (const [a, n] of Object.entries(names)) this.#ptr.set(ptrName(a), n);
    for (const a of silent) this.#silent.add(ptrName(a));
    this.#delayMs = delayMs;
    this.#socket = createSocket('udp4');
    this.#socket.on('message', (msg, from) => this.#answer(msg, from.port, from.address));
  }

  static async start(names: Record<string, string>, o: { silent?: string[]; delayMs?: number } = {}): Promise<DnsResponder> {
    const d = new DnsResponder(names, o.silent ?? [], o.delayMs ?? 0);
    await new Promise<void>((r) => d.#socket.bind(0, '127.0.0.1', r));
    d.port = d.#socket.address().port;
    return d;
  }

  /** `127.0.0.1:port`, as Resolver.setServers takes it. */
  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): void {
    this.#closed = true;
    this.#socket.close();
  }

  #answer(msg: Buffer, port: number, address: string): void {
    if (msg.length < 17) return;
    const labels: string[] = [];
    let at = 12;
    while (at < msg.length && msg[at] !== 0) {
      labels.push(msg.subarray(at + 1, at + 1 + msg[at]).toString('ascii'));
      at += 1 + msg[at];
    }
    const qname = labels.join('.').toLowerCase();
    const qtype = msg.readUInt16BE(at + 1);
    const question = msg.subarray(12, at + 5);
    this.queries.push(qname);
    if (this.#silent.has(qname)) return;
    const name = qtype === 12 ? this.#ptr.get(qname) : undefined;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8400 | (msg[2] & 1) << 8 | (name === undefined ? 3 : 0), 2); // QR AA, RD copied, NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(name === undefined ? 0 : 1, 6);
    const parts = [header, question];
    if (name !== undefined) {
      const rdata = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(12, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(300, 6);
      rr.writeUInt16BE(rdata.length, 10);
      parts.push(rr, rdata);
    }
    const reply = Buffer.concat(parts);
    this.#pending++;
    this.maxPending = Math.max(this.maxPending, this.#pending);
    setTimeout(() => {
      this.#pending--;
      if (!this.#closed) this.#socket.send(reply, port, address);
    }, this.#delayMs);
  }
}
