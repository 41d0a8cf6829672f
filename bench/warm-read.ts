/**
 * The steady state of `--read`: CPU per packet once V8 has compiled the per-packet path, with no
 * start-up, compilation or output in it (what a meter running for days pays per packet).
 *
 *   node --max-semi-space-size=2 bench/warm-read.ts <pcap> <reads> [otelacct flags...]
 *
 * Reads the capture `reads` times in one process, each time into a fresh pipeline (empty flow
 * tables and stores) built from the same configuration as `otelacct --read <pcap> [flags]`, and
 * prints one JSON line: `{"cpu":[...],"packets":[...],"bytes":[...]}`, per read its CPU seconds
 * (user + system of the whole process, process.cpuUsage: the read-ahead and compiler threads
 * included) from the start of the read until its packets are in the stores (the final flush; the
 * exposition is not written), and the packets and IP bytes it accounted. The first read compiles
 * the code; the later ones are the steady state.
 */
import { CaptureFileError } from '../src/capture/capture-file-error.ts';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { Logger } from '../src/log.ts';
import { Pipeline } from '../src/pipeline.ts';

const [file, readsArg, ...flags] = process.argv.slice(2);
const reads = Number(readsArg);
if (file === undefined || !Number.isInteger(reads) || reads < 1) {
  process.stderr.write('usage: node --max-semi-space-size=2 bench/warm-read.ts <pcap> <reads ≥ 1> [otelacct flags...]\n');
  process.exit(2);
}
let config;
try {
  config = loadConfig(['--read', file, ...flags], process.env).config;
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(err.problems.map((p) => `warm-read: ${p}\n`).join(''));
  process.exit(2);
}
const result = { cpu: [] as number[], packets: [] as number[], bytes: [] as number[] };
for (let r = 0; r < reads; r++) {
  const pipeline = await Pipeline.create(config, new Logger('error'), { outputReader: true });
  try {
    const before = process.cpuUsage();
    try {
      await pipeline.readFile(file);
    } catch (err) {
      if (!(err instanceof CaptureFileError)) throw err;
      // The capture cannot be read (to its end): one line, as otelacct --read says it, no stack.
      process.stderr.write(`warm-read: ${err.message}\n`);
      process.exitCode = 1;
      break;
    }
    await pipeline.traffic.flush();
    const used = process.cpuUsage(before);
    result.cpu.push((used.user + used.system) / 1e6);
    result.packets.push(pipeline.accountant.totalPackets);
    result.bytes.push(pipeline.accountant.totalBytes);
  } finally {
    await pipeline.stop();
  }
}
if (process.exitCode === undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
