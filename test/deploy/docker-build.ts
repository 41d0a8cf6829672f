import { mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { envPairs, healthcheck, substitute, words, type Instruction, type Stage } from './dockerfile.ts';
import { imagePath, ImageRoot, type RunOptions } from './image-root.ts';

/** What a built stage leaves for `docker run` and for later stages: its file system and its settings. */
export interface BuiltStage {
  root: ImageRoot;
  env: Array<[string, string]>;
  workdir: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[] | undefined;
  exposed: string[];
  /** Output of the RUN steps (for failure messages). */
  log: string;
}

/** Layers already built, by the instructions that made them (Docker's build cache). */
export type BuildCache = Map<string, { layer: string; state: Omit<BuiltStage, 'root' | 'log'> }>;

/** Thrown when a step of the build fails: names the Dockerfile line. */
export class BuildError extends Error {
  override name = 'BuildError';
}

const key = (base: string, done: readonly Instruction[]) =>
  JSON.stringify([base, ...done.map((i) => [i.keyword, [...i.flags], i.args])]);

const shellOrExec = (args: string[] | string): string[] => (typeof args === 'string' ? ['/bin/sh', '-c', args] : args);

/**
 * Builds `stage` as `docker build` would, in `dir`, from the build context directory `context`
 * and the stages built before it (`COPY --from=name`). Supports FROM (the base layer `baseLayers`),
 * ENV, WORKDIR, COPY (files and directories, no wildcards), RUN, USER, EXPOSE, HEALTHCHECK,
 * ENTRYPOINT and CMD; anything else throws. A RUN freezes the layer; a later build of a Dockerfile
 * whose instructions up to that RUN are the same starts from it (`cache`). `baseLayer`: FROM's files.
 */
export function buildStage(stage: Stage, dir: string, o: {
  context: string; baseLayer: string; stages: ReadonlyMap<string, BuiltStage>; cache: BuildCache; runTimeoutMs?: number;
  /** Added to RUN's environment only (not to the image's), as a build proxy or cache setting would be. */
  runEnv?: ReadonlyArray<[string, string]>;
}): BuiltStage {
  let start = 0;
  let layer = o.baseLayer;
  let state: Omit<BuiltStage, 'root' | 'log'> = { env: [], workdir: '/', user: 'root', entrypoint: [], cmd: [], healthcheck: undefined, exposed: [] };
  for (let n = stage.instructions.length; n > 0; n--) {
    const hit = o.cache.get(key(stage.base, stage.instructions.slice(0, n)));
    if (hit) {
      start = n;
      layer = hit.layer;
      state = structuredClone(hit.state);
      break;
    }
  }
  let step = 0;
  let root = new ImageRoot(join(dir, `layer${step++}`), layer);
  let log = '';
  const vars = () => new Map(state.env);
  for (let n = start; n < stage.instructions.length; n++) {
    const i = stage.instructions[n];
    const fail = (what: string): never => {
      throw new BuildError(`Dockerfile line ${i.line}: ${i.keyword} ${JSON.stringify(i.args)}: ${what}`);
    };
    switch (i.keyword) {
      case 'ENV':
        for (const [k, v] of envPairs(i.args as string)) {
          state.env = state.env.filter(([name]) => name !== k);
          state.env.push([k, substitute(v, vars())]);
        }
        break;
      case 'WORKDIR':
        state.workdir = imagePath(state.workdir, substitute(i.args as string, vars()));
        root.mkdir(state.workdir);
        break;
      case 'USER':
        state.user = substitute(i.args as string, vars());
        break;
      case 'EXPOSE':
        state.exposed.push(...words(i.args));
        break;
      case 'ENTRYPOINT':
        state.entrypoint = shellOrExec(i.args);
        state.cmd = [];
        break;
      case 'CMD':
        state.cmd = shellOrExec(i.args);
        break;
      case 'HEALTHCHECK': {
        const h = healthcheck(i);
        state.healthcheck = h === 'NONE' ? undefined : shellOrExec(h.command);
        break;
      }
      case 'COPY': {
        const all = words(i.args).map((w) => substitute(w, vars()));
        if (all.length < 2) fail('needs a source and a destination');
        const sources = all.slice(0, -1);
        const dest = imagePath(state.workdir, all[all.length - 1]);
        if (sources.length > 1 && !dest.endsWith('/')) fail('with several sources the destination must end in "/"');
        const from = i.flags.get('from');
        const other = from === undefined ? undefined : o.stages.get(from);
        if (from !== undefined && !other) fail(`no stage named ${from} before this one`);
        for (const src of sources) {
          if (/[*?[]/.test(src)) fail('wildcards are not supported by this emulation');
          const clean = posix.normalize(src).replace(/^\/+/, '');
          if (!other && (clean === '..' || clean.startsWith('../'))) fail(`${src} is outside the build context`);
          const host = other ? other.root.hostPath(posix.resolve('/', src)) : join(o.context, clean);
          try {
            root.copy(host, dest);
          } catch (err) {
            fail(`${src} not found${other ? ` in stage ${from}` : ' in the build context (missing, or excluded by .dockerignore)'} (${(err as Error).message})`);
          }
        }
        break;
      }
      case 'RUN': {
        const run: RunOptions = { workdir: state.workdir, env: [...state.env, ...(o.runEnv ?? [])], user: state.user, timeoutMs: o.runTimeoutMs };
        const t0 = Date.now();
        const r = root.run(shellOrExec(i.args), run);
        log += `${r.output}--- Dockerfile line ${i.line}: RUN took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`;
        if (r.status !== 0) fail(`exit status ${r.status}\n${r.output.slice(-4000)}`);
        layer = root.upper;
        o.cache.set(key(stage.base, stage.instructions.slice(0, n + 1)), { layer, state: structuredClone(state) });
        root = new ImageRoot(join(dir, `layer${step++}`), layer);
        break;
      }
      default:
        fail('not supported by this emulation');
    }
  }
  mkdirSync(root.upper, { recursive: true });
  return { root, log, ...state };
}
