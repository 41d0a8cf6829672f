import { FlowCounter, FlowError } from './flow-sink.ts';
import type { NetflowContext } from './netflow-context.ts';
import { templateKey } from './netflow-template-set.ts';

/**
 * Decodes the data set `data[start .. end)` (set header excluded) with set id `setId` of
 * `exporter`/`domain`. Flow records go to the sink (RECORDS counted; implausible ones are
 * counted IMPLAUSIBLE_COUNT instead, NetflowContext.emit); options data records
 * teach the sampler table. Returns the data records read (options data records included, as
 * IPFIX sequence numbers count them; those are also added to ctx.optionsRecords), or -1 when
 * the template is unknown or expired: the set is dropped and counted once as NO_TEMPLATE (records are not buffered until it arrives, as
 * nfacctd). Bytes after the last whole record shorter than a record are padding (RFC 7011
 * §3.3.1, RFC 3954 §5.3); a variable-length record running past the set is TRUNCATED.
 */
export function decodeDataSet(ctx: NetflowContext, data: Uint8Array, start: number, end: number,
  exporter: number, domain: number, setId: number, ipfix: boolean, nowMs: number): number {
  const t = ctx.templates.get(exporter, domain, templateKey(setId, ipfix), nowMs);
  if (t === null) {
    ctx.stats.error(exporter, FlowError.NO_TEMPLATE);
    return -1;
  }
  const reader = ctx.reader;
  const minLength = t.recordLength;
  let p = start;
  let n = 0;
  if (t.options) {
    while (end - p >= minLength) {
      const next = reader.read(data, p, end, t);
      if (next < 0) {
        ctx.stats.error(exporter, FlowError.TRUNCATED);
        break;
      }
      ctx.learnSampler(exporter, domain, t, nowMs);
      n++;
      p = next;
    }
    ctx.optionsRecords += n;
    return n;
  }
  const fallback = ctx.fallbackRate(exporter);
  const rate = ctx.setSamplingRate(exporter, domain, t, fallback, nowMs);
  let accounted = 0;
  while (end - p >= minLength) {
    const next = reader.read(data, p, end, t);
    if (next < 0) {
      ctx.stats.error(exporter, FlowError.TRUNCATED);
      break;
    }
    if (ctx.emit(exporter, domain, t, data, rate, fallback, nowMs)) accounted++;
    n++;
    p = next;
  }
  ctx.stats.add(exporter, FlowCounter.RECORDS, accounted);
  return n;
}
