/**
 * Real flow exporters from Debian run once over a capture file, their datagrams recorded
 * (test/support/flow-datagrams.ts): softflowd (NetFlow v5, v9, IPFIX) and pmacctd's nfprobe
 * (NetFlow v5, v9, IPFIX) and sfprobe (sFlow v5) plugins.
 *
 * How each is driven (found by experiment with softflowd 1.1.0 and pmacct 1.7.7, Debian 12):
 *  - `softflowd -d -r FILE -n 127.0.0.1:PORT -v V -T full -m MAX` reads the file at full speed,
 *    and at its end expires every flow it still tracks ("flushed") and exits: nothing is held
 *    back and no timeout needs tuning while a file spans less than the shortest timeout (the
 *    generated captures span a second or two; the udp/icmp default is 300 s). It exits 0 after
 *    printing its statistics. Do not pass `-c` after `-r`: softflowd 1.1.0 then polls no socket
 *    and blocks for ever in accept() on its control socket before reading a packet.
 *    With `-v 5` it still tracks IPv6 but cannot export it: IPv6 flows are silently left out.
 *  - pmacctd reads the file (`pcap_savefile`, `plugin_pipe_zmq: true`, as test/support/pmacct.ts)
 *    and at its end stops the plugins after ~2 s. `nfprobe` expires all flows and exports them
 *    on the way out. `sfprobe` samples 1 in `sampling_rate` packets at random and sends a
 *    datagram when it is full: the samples of the last, partly filled datagram are never sent
 *    (the last 2 packets of a 3000-packet file at rate 1). writeFlowCapture therefore ends every
 *    capture with filler packets of a pair of their own, left out of the truth.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatagramRecorder } from './flow-datagrams.ts';
import { spawnBounded } from './pmacct.ts';

/** The exporters exportDatagrams runs. */
export type ExporterKind = 'softflowd' | 'pmacctd-nfprobe' | 'pmacctd-sfprobe';

/** Options of exportDatagrams. */
export interface ExportOptions {
  /** Capture file (classic pcap; Ethernet for sfprobe). */
  capture: string;
  exporter: ExporterKind;
  /** NetFlow version for softflowd and nfprobe: 5, 9 or 10 (IPFIX); default 9. Ignored by sfprobe. */
  version?: 5 | 9 | 10;
  /** Sample 1 packet in N: sfprobe and nfprobe `sampling_rate`, softflowd `-s N`; default 1 (unsampled). */
  samplingRate?: number;
  /** More pmacctd configuration lines (`key[o]: value`) or softflowd arguments. */
  extra?: string[];
  /** Most flows tracked at once (softflowd -m, nfprobe_maxflows); default 1,000,000. */
  maxFlows?: number;
  /** Kill the exporter and fail after this many ms (default 60,000). */
  timeoutMs?: number;
}

/** What one exporter run produced. */
export interface ExportResult {
  /** Every datagram received, in arrival order. */
  datagrams: Buffer[];
  /** The exporter's stderr and stdout (softflowd prints its statistics there). */
  log: string;
  /** The command line (and config, for pmacctd) that ran. */
  command: string;
}

/** Runs the exporter over the capture and returns its datagrams (see runExporter). */
export async function exportDatagrams(o: ExportOptions): Promise<Buffer[]> {
  return (await runExporter(o)).datagrams;
}

/** pmacct 1.7.7's transient ZMQ start-up failure (test/support/pmacct.ts): worth one more run. */
const TRANSIENT = /zmq_bind\(\) ZAP failed|zmq_bind\(\) failed/;

/**
 * Runs the exporter over `o.capture` once, sending to a DatagramRecorder on 127.0.0.1; rejects
 * when it fails, times out, sends nothing, or the kernel dropped a datagram on the way. A pmacctd
 * run that failed with pmacct's transient ZMQ start-up error is run once more.
 */
export async function runExporter(o: ExportOptions): Promise<ExportResult> {
  try {
    return await runExporterOnce(o);
  } catch (err) {
    if (o.exporter !== 'softflowd' && TRANSIENT.test(String(err))) return runExporterOnce(o);
    throw err;
  }
}

async function runExporterOnce(o: ExportOptions): Promise<ExportResult> {
  const version = o.version ?? 9;
  const rate = o.samplingRate ?? 1;
  const maxFlows = o.maxFlows ?? 1_000_000;
  if (![5, 9, 10].includes(version)) throw new Error(`exportDatagrams: version ${version} is not 5, 9 or 10`);
  if (!Number.isInteger(rate) || rate < 1) throw new Error(`exportDatagrams: samplingRate ${rate} is not an integer >= 1`);
  if (!existsSync(o.capture)) throw new Error(`exportDatagrams: capture file ${o.capture} does not exist`);
  if (/[\s#!]/.test(o.capture)) throw new Error(`exportDatagrams: capture path "${o.capture}" has a space, # or !`);
  const recorder = await DatagramRecorder.open();
  const dir = mkdtempSync(join(tmpdir(), 'otelacct-exporter-'));
  try {
    let cmd: string;
    let args: string[];
    let command: string;
    if (o.exporter === 'softflowd') {
      cmd = 'softflowd';
      args = ['-d', '-r', o.capture, '-n', `127.0.0.1:${recorder.port}`, '-v', String(version), '-T', 'full', '-m', String(maxFlows),
        ...(rate !== 1 ? ['-s', String(rate)] : []), ...(o.extra ?? [])];
      command = `${cmd} ${args.join(' ')}`;
    } else {
      const plugin = o.exporter === 'pmacctd-nfprobe'
        ? ['plugins: nfprobe[o]', `nfprobe_receiver[o]: 127.0.0.1:${recorder.port}`, `nfprobe_version[o]: ${version}`,
          `nfprobe_maxflows[o]: ${maxFlows}`, ...(rate !== 1 ? [`sampling_rate[o]: ${rate}`] : []), ...(o.extra ?? [])]
        : ['plugins: sfprobe[o]', `sfprobe_receiver[o]: 127.0.0.1:${recorder.port}`, 'sfprobe_agentip[o]: 127.0.0.1',
          `sampling_rate[o]: ${rate}`, ...(o.extra ?? [])];
      const config = ['daemonize: false', 'pmacctd_nonroot: true', `pcap_savefile: ${o.capture}`, 'pcap_savefile_wait: false',
        'promisc: false', 'plugin_pipe_zmq: true', 'plugin_pipe_zmq_retry: 1', ...plugin, ''].join('\n');
      const path = join(dir, 'pmacctd.conf');
      writeFileSync(path, config);
      cmd = '/usr/sbin/pmacctd';
      args = ['-f', path];
      command = `${cmd} -f pmacctd.conf\n${config}`;
    }
    const run = await spawnBounded(cmd, args, dir, o.timeoutMs ?? 60_000);
    const log = run.stdout + run.stderr;
    const fail = (why: string): Error => new Error(`exportDatagrams: ${o.exporter}: ${why}\n${command}\nlog:\n${log.slice(-4000)}`);
    if (run.timedOut) throw fail(`did not exit within ${o.timeoutMs ?? 60_000} ms (killed)`);
    if (run.code !== 0) throw fail(`exited with code ${run.code}, signal ${run.signal}`);
    if (/\bERROR\b/.test(log)) throw fail('logged an ERROR');
    const datagrams = await recorder.stop();
    if (datagrams.length === 0) throw fail('sent no datagram');
    return { datagrams, log, command };
  } finally {
    recorder.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** softflowd's own count of what it exported ("Flows exported: F (R records) in P packets (X failures)"), from its log. */
export function softflowdExportStats(log: string): { flows: number; records: number; packets: number; failures: number } | undefined {
  const m = /Flows exported: (\d+) \((\d+) records\) in (\d+) packets \((\d+) failures\)/.exec(log);
  return m === null ? undefined : { flows: Number(m[1]), records: Number(m[2]), packets: Number(m[3]), failures: Number(m[4]) };
}
