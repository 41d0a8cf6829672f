/**
 * Finds (or, as root on Debian/Ubuntu, installs with apt-get like scripts/bootstrap.sh) the
 * reference tools of the benchmark, and compiles the libpcap floor program.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findPmacctd, pmacctdVersion } from '../test/support/pmacct.ts';

/** Paths and versions of the tools a scenario needs. */
export interface Tools {
  time: string;
  tcpdump: string;
  tcpreplay: string;
  pmacctd: string;
  pcapFloor: string;
  /** trafgen (netsniff-ng), when asked for (pairs-live scenario). */
  trafgen?: string;
  versions: Record<string, string>;
}

const SEARCH = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'];

function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...SEARCH];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

let aptUpdated = false;

/** apt-get installs `packages` when root and apt-get exists; says what it does on stderr. */
function aptInstall(packages: string[]): void {
  if (process.getuid?.() !== 0 || which('apt-get') === undefined) {
    throw new Error(`bench: missing ${packages.join(', ')}; install them (apt-get install ${packages.join(' ')}) or run as root`);
  }
  process.stderr.write(`bench: installing ${packages.join(' ')} with apt-get\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
}

function need(binary: string, aptPackage: string): string {
  const found = which(binary);
  if (found !== undefined) return found;
  aptInstall([aptPackage]);
  const again = which(binary);
  if (again === undefined) throw new Error(`bench: ${binary} still missing after installing ${aptPackage}`);
  return again;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/** Compiles bench/pcap-floor.c to `out` with gcc -O2 against the system libpcap. */
function compileFloor(out: string): string {
  need('gcc', 'gcc');
  if (!existsSync('/usr/include/pcap/pcap.h') && !existsSync('/usr/include/pcap.h')) aptInstall(['libpcap-dev']);
  const source = new URL('./pcap-floor.c', import.meta.url).pathname;
  execFileSync('gcc', ['-O2', '-Wall', '-o', out, source, '-lpcap'], { stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

/** Finds or installs everything (trafgen only when `extra.trafgen`); compiles the floor program into `dir`. */
export function prepareTools(dir: string, extra: { trafgen?: boolean } = {}): Tools {
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : need('time', 'time');
  const tcpdump = need('tcpdump', 'tcpdump');
  const tcpreplay = need('tcpreplay', 'tcpreplay');
  let pmacctd = findPmacctd();
  if (pmacctd === undefined) {
    aptInstall(['pmacct']);
    pmacctd = findPmacctd();
    if (pmacctd === undefined) throw new Error('bench: pmacctd still missing after installing pmacct');
  }
  const pcapFloor = compileFloor(join(dir, 'pcap-floor'));
  const trafgen = extra.trafgen === true ? need('trafgen', 'netsniff-ng') : undefined;
  const tcpdumpLines = spawnSync(tcpdump, ['--version'], { encoding: 'utf8' }).stdout.split('\n');
  const versions: Record<string, string> = {
    node: process.version,
    pmacctd: pmacctdVersion(pmacctd),
    tcpdump: tcpdumpLines[0]?.trim() ?? '',
    libpcap: tcpdumpLines.find((l) => l.startsWith('libpcap'))?.trim() ?? '',
    tcpreplay: firstLine(tcpreplay, ['--version']),
  };
  if (trafgen !== undefined) versions.trafgen = firstLine(trafgen, ['--version']);
  return { time, tcpdump, tcpreplay, pmacctd, pcapFloor, trafgen, versions };
}
