import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A network namespace joined to the host by a veth pair, for live-capture tests (root only).
 * Host side `hostIf` has `hostAddr`/30, the namespace side `peerAddr`/30. Traffic stays between
 * the two ends; `dispose()` deletes the namespace, which removes both veth ends.
 */
export class VethNamespace {
  readonly ns: string;
  readonly hostIf: string;
  readonly peerIf: string;
  readonly hostAddr: string;
  readonly peerAddr: string;

  constructor(id: number) {
    const tag = `${process.pid % 10000}${id}`;
    this.ns = `otelacct-t${tag}`;
    this.hostIf = `oa${tag}h`;
    this.peerIf = `oa${tag}p`;
    const net = 100 + (process.pid % 100);
    this.hostAddr = `10.213.${net}.${id * 4 + 1}`;
    this.peerAddr = `10.213.${net}.${id * 4 + 2}`;
    this.dispose();
    ip('netns', 'add', this.ns);
    ip('link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', this.peerIf);
    ip('link', 'set', this.peerIf, 'netns', this.ns);
    ip('addr', 'add', `${this.hostAddr}/30`, 'dev', this.hostIf);
    ip('link', 'set', this.hostIf, 'up');
    ip('netns', 'exec', this.ns, 'ip', 'addr', 'add', `${this.peerAddr}/30`, 'dev', this.peerIf);
    ip('netns', 'exec', this.ns, 'ip', 'link', 'set', this.peerIf, 'up');
    ip('netns', 'exec', this.ns, 'ip', 'link', 'set', 'lo', 'up');
  }

  /** Turns IPv6 off on both ends, so that the kernel's own ND/MLD packets are not captured. */
  disableIPv6(): void {
    execFileSync('sysctl', ['-qw', `net.ipv6.conf.${this.hostIf}.disable_ipv6=1`]);
    ip('netns', 'exec', this.ns, 'sysctl', '-qw', `net.ipv6.conf.${this.peerIf}.disable_ipv6=1`);
  }

  /** Runs `command` inside the namespace (stdio piped). */
  spawnInside(command: string, args: string[]): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Removes the namespace and the veth pair. Idempotent. */
  dispose(): void {
    try { ip('link', 'del', this.hostIf); } catch { /* not there */ }
    try { ip('netns', 'del', this.ns); } catch { /* not there */ }
  }
}
