import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join, posix, resolve } from 'node:path';

/** PID (in this namespace) of a container's PID 1: the child of the unshare process `child`; undefined until it exists. */
export function containerPid(child: ChildProcess): number | undefined {
  try {
    const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    return kids ? Number(kids.split(' ')[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves once `child` has exited (at once if it already has). */
export const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

/**
 * The environment Docker gives every process of a node:*-bookworm-slim image (its ENV lines);
 * the Dockerfile's own ENV lines are added on top.
 */
export const BASE_ENV: ReadonlyArray<[string, string]> = [['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']];

/** The Node.js this test runs on: binary and install prefix (with include/node, as the image has under /usr/local). */
export function hostNode(): { binary: string; prefix: string } {
  const binary = realpathSync(process.execPath);
  return { binary, prefix: resolve(binary, '../..') };
}

/** Mounts a stage's overlay at $3 (upper $1, work $2, over the host's root), then runs the rest. */
const ENTER = [
  'set -e',
  'mount -t overlay overlay -o "lowerdir=/,upperdir=$1,workdir=$2" "$3"',
  'mount -t proc proc "$3/proc"',
  'mount --rbind /dev "$3/dev"',
  'mount --rbind /sys "$3/sys"',
  'shift 3',
  'exec "$@"',
].join('\n');

/**
 * Writes the base image's Node.js layer into `dir`: /usr/local/bin/node and /usr/local/include/node
 * as node images have them, pointing at the Node that runs this test.
 */
export function baseLayer(dir: string): string {
  mkdirSync(join(dir, 'usr/local/bin'), { recursive: true });
  mkdirSync(join(dir, 'usr/local/include'), { recursive: true });
  const node = hostNode();
  symlinkSync(node.binary, join(dir, 'usr/local/bin/node'));
  symlinkSync(join(node.prefix, 'include/node'), join(dir, 'usr/local/include/node'));
  return dir;
}

/**
 * A stage's root file system, emulated without a container engine: an overlay whose lower layer is
 * this machine's root (Debian 12, like the bookworm images) and whose upper layer holds what the
 * image adds: the base layer, then each step's writes. (Overlayfs refuses lower layers nested in
 * one another, so the image's layers are not stacked: a new step's upper starts as a hard-linked
 * copy of the previous one, which costs no space. A frozen layer must then never be written
 * through a link: COPY replaces files rather than writing into them, and the build's tools
 * (npm, apt, dpkg) replace files by renaming.)
 * Commands run chrooted in a private mount and PID namespace (the command is PID 1, as in a
 * container); the host network is shared (`--network host`). Root only.
 */
export class ImageRoot {
  readonly upper: string;
  readonly #work: string;
  readonly merged: string;

  /** A root in `dir` whose upper layer starts as `from` (a frozen upper layer), hard-linked. */
  constructor(dir: string, from: string) {
    this.upper = join(dir, 'upper');
    this.#work = join(dir, 'work');
    this.merged = join(dir, 'merged');
    for (const d of [this.#work, this.merged]) mkdirSync(d, { recursive: true });
    const r = spawnSync('cp', ['-a', '--link', from, this.upper], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cp -al ${from} ${this.upper}: ${r.stderr}`);
  }

  /** Where image path `p` is on this machine now (the upper layer if the stage wrote it, else the host's). */
  hostPath(p: string): string {
    try {
      lstatSync(join(this.upper, p));
      return join(this.upper, p);
    } catch {
      return p;
    }
  }

  /**
   * COPY `source` (a host path) to image path `dest` (absolute). A directory's contents are
   * copied into `dest`; a file goes to `dest`, or into it when `dest` ends in `/`. Throws when
   * the source does not exist, as the build would fail.
   */
  copy(source: string, dest: string): void {
    if (!existsSync(source)) throw new Error(`COPY: ${source} not found`);
    let target = join(this.upper, dest);
    if (!lstatSync(source).isDirectory() && dest.endsWith('/')) target = join(target, basename(source));
    replaceTree(source, target);
  }

  /** Creates image directory `dir` (WORKDIR). */
  mkdir(dir: string): void {
    mkdirSync(join(this.upper, dir), { recursive: true });
  }

  /** uid:gid of `user` in the stage's /etc/passwd (numbers pass through), as USER resolves it. */
  resolveUser(user: string): { uid: number; gid: number; home: string } {
    if (/^\d+(:\d+)?$/.test(user)) {
      const [u, g = u] = user.split(':').map(Number);
      return { uid: u, gid: g, home: '/' };
    }
    const passwd = readFileSync(this.hostPath('/etc/passwd'), 'utf8');
    const entry = passwd.split('\n').map((l) => l.split(':')).find((f) => f[0] === user);
    if (!entry) throw new Error(`USER ${user}: no such user in the image's /etc/passwd`);
    return { uid: Number(entry[2]), gid: Number(entry[3]), home: entry[5] };
  }

  #enter(): string[] {
    return ['sh', '-c', ENTER, 'sh', this.upper, this.#work, this.merged];
  }

  #argv(command: string[], o: RunOptions): string[] {
    const user = o.user ?? 'root';
    const who = user === 'root' ? { uid: 0, gid: 0, home: '/root' } : this.resolveUser(user);
    const env = [...BASE_ENV, ['HOME', who.home] as [string, string], ...o.env].map(([k, v]) => `${k}=${v}`);
    const chroot = ['chroot', ...(who.uid === 0 ? [] : [`--userspec=${who.uid}:${who.gid}`, '--groups=']), this.merged,
      '/usr/bin/env', '-i', '-C', o.workdir, ...env, ...command];
    return chroot;
  }

  /**
   * Starts `command` in the stage (mounting the overlay for it); the namespace ends with the process.
   * `o.execIn` runs it inside a running process's namespaces instead (docker exec / HEALTHCHECK).
   */
  spawn(command: string[], o: RunOptions): ChildProcess {
    const inner = this.#argv(command, o);
    if (o.execIn !== undefined) {
      return spawn('nsenter', [`--target=${o.execIn}`, '--mount', '--pid', '--', ...inner], { stdio: ['ignore', 'pipe', 'pipe'] });
    }
    const unshare = ['unshare', '--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--', ...this.#enter(), ...inner];
    const argv = o.netns === undefined ? unshare : ['ip', 'netns', 'exec', o.netns, ...unshare];
    return spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  }

  /** Runs `command` to completion (RUN); returns its exit status and output. */
  run(command: string[], o: RunOptions): { status: number | null; output: string } {
    const argv = ['unshare', '--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--',
      ...this.#enter(), ...this.#argv(command, o)];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: o.timeoutMs ?? 600_000, maxBuffer: 64 << 20 });
    return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  }
}

/** Copies `source` (file, link or directory) to `target`, replacing (never writing into) existing files. */
function replaceTree(source: string, target: string): void {
  const stat = lstatSync(source);
  if (stat.isDirectory()) {
    mkdirSync(target, { recursive: true });
    for (const name of readdirSync(source)) replaceTree(join(source, name), join(target, name));
    return;
  }
  mkdirSync(join(target, '..'), { recursive: true });
  rmSync(target, { force: true, recursive: true });
  if (stat.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
  else copyFileSync(source, target);
}

/** How a command runs in a stage. */
export interface RunOptions {
  /** WORKDIR (absolute image path). */
  workdir: string;
  /** Environment on top of BASE_ENV and HOME (the Dockerfile's ENV, then `docker run -e`). */
  env: ReadonlyArray<[string, string]>;
  /** USER (name or uid[:gid]); root when absent. */
  user?: string;
  /** PID of a process whose mount and PID namespaces to join (docker exec). */
  execIn?: number;
  /** Network namespace (`ip netns` name) to start in instead of the host's network (spawn only). */
  netns?: string;
  timeoutMs?: number;
}

/** Image path `p` resolved against WORKDIR `cwd`. */
export function imagePath(cwd: string, p: string): string {
  return posix.resolve(cwd, p) + (p.endsWith('/') && p !== '/' ? '/' : '');
}
