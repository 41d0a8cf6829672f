import type { Attributes } from '@opentelemetry/api';
import { Accountant, type AccountantOptions } from '../../src/account/accountant.ts';
import { AggregationSpec, SideMode } from '../../src/account/aggregation-spec.ts';
import { KEY_WORDS } from '../../src/account/flow-table.ts';
import { KeyWord } from '../../src/account/flow-key.ts';
import { NetworkLabels } from '../../src/account/network-labels.ts';
import { NetworkTables } from '../../src/account/network-tables.ts';
import { PrefixTrie, type PrefixEntry } from '../../src/account/prefix-trie.ts';
import { InterfaceRegistry } from '../../src/capture/interface-registry.ts';
import type { AggregationConfig } from '../../src/config/aggregations.ts';
import { resolveAggregations } from '../../src/config/aggregations.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { FlowAttributes } from '../../src/export/flow-attributes.ts';
import { parseIPv4, parseIPv6 } from './frames.ts';

/** A prefix entry from CIDR text (test helper; the product parses with networks-file.ts). */
export function cidr(text: string, name = text): PrefixEntry {
  const [addr, len] = text.split('/');
  const v6 = addr.includes(':');
  const bytes = v6 ? parseIPv6(addr) : parseIPv4(addr);
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) words.push(((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0);
  return { version: v6 ? 6 : 4, words, length: Number(len), name };
}

/** An accountant over `aggregations` plus what is needed to read its tables back as attributes. */
export class TestAccounting {
  readonly accountant: Accountant;
  readonly interfaces = new InterfaceRegistry();
  readonly attributes: FlowAttributes[];
  readonly labels = new NetworkLabels();
  readonly ifIndex: number;

  constructor(aggregations: AggregationConfig[], opts: {
    local?: string[]; named?: PrefixEntry[]; fallback?: string; samplingRate?: number; ports?: number[];
    internalTraffic?: AccountantOptions['internalTraffic']; maxFlows?: number; derive?: boolean; cardinalityLimit?: number;
  } = {}) {
    const specs = resolveAggregations({ aggregations, accounting: { dimensions: [] }, export: { cardinalityLimit: opts.cardinalityLimit ?? 1000 } }).map((r) => new AggregationSpec(r));
    const tables = new NetworkTables(
      opts.local ? PrefixTrie.build(opts.local.map((c) => cidr(c))) : undefined,
      opts.named ? PrefixTrie.build(opts.named) : undefined,
    );
    this.accountant = new Accountant({
      aggregations: specs, tables, maxFlows: opts.maxFlows ?? 4096, samplingRate: opts.samplingRate ?? 1,
      ports: opts.ports ?? [], internalTraffic: opts.internalTraffic ?? 'both', derive: opts.derive,
    });
    this.attributes = specs.map((s) => new FlowAttributes(s, this.interfaces, this.labels, opts.fallback ?? 'unknown'));
    this.ifIndex = this.interfaces.register('eth0');
  }

  /** Feeds one raw IP packet. */
  add(packet: Uint8Array): void {
    this.accountant.packet(packet, 0, packet.length, packet.length, LinkType.RAW, this.ifIndex);
  }

  /**
   * Aggregation `i`'s table as (JSON of attributes) → [bytes, packets]; keys with the same
   * attributes are summed, as the SDK does (the IP version is always in the key, not always an attribute).
   */
  rows(i: number): Map<string, [number, number]> {
    // As the flush does first: derived aggregations (per host, per site) receive the entries.
    this.accountant.derive();
    const t = this.accountant.flowTables[i];
    const out = new Map<string, [number, number]>();
    const key = new Uint32Array(KEY_WORDS);
    const named = this.accountant.tables.named;
    for (let e = 0; e < t.size; e++) {
      t.expand(e, key);
      // As the flush does: named-network entries of the current table become labels.
      const spec = this.accountant.aggregations[i];
      if (named && key[KeyWord.A_NET] !== 0) key[KeyWord.A_NET] = this.labels.of(named, key[KeyWord.A_NET] - 1, spec.aMode === SideMode.PREFIX);
      if (named && key[KeyWord.B_NET] !== 0) key[KeyWord.B_NET] = this.labels.of(named, key[KeyWord.B_NET] - 1, spec.bMode === SideMode.PREFIX);
      const attrs: Attributes = this.attributes[i].of(key, 0);
      const k = JSON.stringify(attrs);
      const [b, p] = out.get(k) ?? [0, 0];
      out.set(k, [b + t.bytes[e], p + t.packets[e]]);
    }
    if (t.overflowPackets > 0) out.set('{"otel.metric.overflow":true}', [t.overflowBytes, t.overflowPackets]);
    return out;
  }

  /** Sum of bytes over aggregation `i`. */
  sumBytes(i: number): number {
    return [...this.rows(i).values()].reduce((a, [b]) => a + b, 0);
  }
}
