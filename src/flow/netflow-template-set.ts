import { FlowCounter, FlowError } from './flow-sink.ts';
import type { NetflowContext } from './netflow-context.ts';
import { readU16 } from './netflow-record-reader.ts';
import { compileTemplate, MAX_TEMPLATE_FIELDS, type TemplateFields } from './netflow-template.ts';
import { PutResult } from './netflow-template-cache.ts';

/** Template-cache key id: the template id, with bit 16 set for IPFIX (v9 and IPFIX kept apart). */
export function templateKey(id: number, ipfix: boolean): number {
  return ipfix ? id | 0x10000 : id;
}

/**
 * Parses the template records of one (options) template set `data[start .. end)` (the set
 * header excluded) of `exporter`/`domain` into the template cache:
 *
 * - NetFlow v9 template FlowSet (id 0, RFC 3954 §5.2): template id, field count, (type, length)*.
 * - v9 options template FlowSet (id 1, §6.1): template id, scope length and option length in
 *   bytes, then the scope fields and the option fields; padded to 4 bytes.
 * - IPFIX template set (id 2, RFC 7011 §3.4.1): template id, field count, field specifiers of 4
 *   bytes, 8 with the enterprise bit (§3.2); field count 0 withdraws the template (§8.1), and
 *   template id 2 with field count 0 withdraws them all.
 * - IPFIX options template set (id 3, §3.4.2.2): template id, field count, scope field count
 *   (1 .. field count), fields; withdrawal as above (template id 3: all options templates).
 *
 * A template identical to the one held is only refreshed; a new or changed one is compiled once.
 * Bad records count BAD_TEMPLATE (or TRUNCATED when they run past the set) and end the set. A
 * template the full cache refuses counts TEMPLATE_CACHE_FULL; one evicted to make room counts
 * EVICTED for the exporter that held it.
 * Fewer bytes left than a record header are padding.
 */
export function parseTemplateSet(ctx: NetflowContext, f: TemplateFields, data: Uint8Array, start: number, end: number,
  exporter: number, domain: number, ipfix: boolean, options: boolean, nowMs: number): void {
  const stats = ctx.stats;
  const headerLength = options ? 6 : 4;
  let p = start;
  while (end - p >= 4) {
    const id = readU16(data, p);
    const second = readU16(data, p + 2);
    if (ipfix && second === 0) {
      // Withdrawal (RFC 7011 §8.1): 4 bytes, options or not.
      if (id === (options ? 3 : 2)) ctx.templates.withdrawAll(exporter, domain, 0x10000, options);
      else if (id >= 256) ctx.templates.withdraw(exporter, domain, templateKey(id, true));
      else if (id !== 0) { stats.error(exporter, FlowError.BAD_TEMPLATE); return; }
      else return; // zero padding
      p += 4;
      continue;
    }
    if (end - p < headerLength) return; // padding
    if (id < 256) {
      if (id !== 0) stats.error(exporter, FlowError.BAD_TEMPLATE);
      return; // id 0: padding
    }
    let q = p + headerLength;
    let count: number;
    if (!ipfix && options) {
      // v9: scope and option lengths in bytes, 4 per field.
      const scopeBytes = second;
      const optionBytes = readU16(data, p + 4);
      if ((scopeBytes & 3) !== 0 || (optionBytes & 3) !== 0 || optionBytes === 0) {
        stats.error(exporter, FlowError.BAD_TEMPLATE);
        return;
      }
      f.scopeCount = scopeBytes >> 2;
      count = f.scopeCount + (optionBytes >> 2);
    } else {
      count = second;
      f.scopeCount = options ? readU16(data, p + 4) : 0;
      if (options && (f.scopeCount === 0 || f.scopeCount > count)) {
        stats.error(exporter, FlowError.BAD_TEMPLATE);
        return;
      }
      if (!ipfix && count === 0) {
        stats.error(exporter, FlowError.BAD_TEMPLATE);
        return;
      }
    }
    if (count > MAX_TEMPLATE_FIELDS) {
      stats.error(exporter, FlowError.BAD_TEMPLATE);
      return;
    }
    for (let i = 0; i < count; i++) {
      if (q + 4 > end) {
        stats.error(exporter, FlowError.TRUNCATED);
        return;
      }
      const ie = readU16(data, q);
      f.lengths[i] = readU16(data, q + 2);
      q += 4;
      if (ipfix && (ie & 0x8000) !== 0) {
        // Enterprise-specific IE (RFC 7011 §3.2): a 4-byte enterprise number follows; not read.
        if (q + 4 > end) {
          stats.error(exporter, FlowError.TRUNCATED);
          return;
        }
        q += 4;
        f.ies[i] = ie & 0x7fff;
        f.enterprise[i] = 1;
      } else {
        f.ies[i] = ie;
        f.enterprise[i] = 0;
      }
    }
    f.count = count;
    const key = templateKey(id, ipfix);
    if (!ctx.templates.refreshIfSame(exporter, domain, key, data, p, q - p, nowMs)) {
      const t = compileTemplate(f, ipfix, options, data.slice(p, q));
      if (t === null) stats.error(exporter, FlowError.BAD_TEMPLATE);
      else if (ctx.templates.put(exporter, domain, key, t, nowMs) === PutResult.FULL) stats.error(exporter, FlowError.TEMPLATE_CACHE_FULL);
      else if (ctx.templates.evicted >= 0) stats.add(ctx.templates.evicted, FlowCounter.EVICTED, 1);
    }
    p = q;
  }
}
