import { FlowError } from './flow-sink.ts';
import type { NetflowContext } from './netflow-context.ts';
import { decodeDataSet } from './netflow-data-set.ts';
import { readU16 } from './netflow-record-reader.ts';
import { parseTemplateSet } from './netflow-template-set.ts';
import { TemplateFields } from './netflow-template.ts';

/**
 * Walks the FlowSets of a NetFlow v9 packet (RFC 3954 §5: id 0 templates, 1 options templates,
 * 2..255 reserved, 256+ data) or the Sets of an IPFIX message (RFC 7011 §3.3: id 2 templates,
 * 3 options templates, 0..1 and 4..255 reserved, 256+ data) in `data[start .. end)`. Each set
 * header is id (2) and length (4 + body, 2). A length under 4 (BAD_TEMPLATE) or past the end
 * (TRUNCATED) ends the walk; reserved sets are skipped; fewer than 4 bytes left are padding.
 */
export class SetWalker {
  readonly #fields = new TemplateFields();

  /**
   * Data records read (options data included; how many of them were options data is left in
   * ctx.optionsRecords), or -1 when some set could not be counted.
   */
  walk(ctx: NetflowContext, data: Uint8Array, start: number, end: number, exporter: number, domain: number,
    ipfix: boolean, nowMs: number): number {
    const templateSet = ipfix ? 2 : 0;
    const optionsSet = ipfix ? 3 : 1;
    let p = start;
    let records = 0;
    let complete = true;
    ctx.optionsRecords = 0;
    while (end - p >= 4) {
      const id = readU16(data, p);
      const length = readU16(data, p + 2);
      if (length < 4) {
        ctx.stats.error(exporter, FlowError.BAD_TEMPLATE);
        return -1;
      }
      const setEnd = p + length;
      if (setEnd > end) {
        ctx.stats.error(exporter, FlowError.TRUNCATED);
        return -1;
      }
      if (id >= 256) {
        const n = decodeDataSet(ctx, data, p + 4, setEnd, exporter, domain, id, ipfix, nowMs);
        if (n < 0) complete = false;
        else records += n;
      } else if (id === templateSet || id === optionsSet) {
        parseTemplateSet(ctx, this.#fields, data, p + 4, setEnd, exporter, domain, ipfix, id === optionsSet, nowMs);
      }
      p = setEnd;
    }
    return complete ? records : -1;
  }
}
