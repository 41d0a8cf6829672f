import { NetworksFileError } from './account/networks.ts';
import { CaptureFileError, FilterError } from './capture/capture-file.ts';
import { FIFO_WRITER_WAIT_MS, waitForFifoWriter } from './capture/fifo-writer.ts';
import { defaultInterface } from './capture/default-interface.ts';
import { helpText } from './config/help.ts';
import { ConfigError, loadConfig, oneLine } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { fileWrite, isRegularFile } from './export/file-write.ts';
import type { Write } from './export/final-output.ts';
import { InterfaceNamesError } from './flow/interface-names.ts';
import { Logger, redactSecrets } from './log.ts';
import { flowEnabled, Pipeline } from './pipeline.ts';
import { VERSION } from './version.ts';

/** Seconds SIGINT/SIGTERM may take (stop capture, final OTLP export) before a forced exit. */
const STOP_TIMEOUT_MS = 15_000;

/** Exit status when stdout's reader went away (`otelacct -r f | head -1`): 128 + SIGPIPE, as the shell reports for cat. */
export const EXIT_STDOUT_CLOSED = 141;

/** Set when stdout's reader went away (EPIPE): the rest of the output is dropped, quietly. */
let stdoutClosed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE' && !stdoutClosed) process.stderr.write(`otelacct: stdout: cannot write (${err.code ?? err.message})\n`);
  stdoutClosed = true;
});

/** Writes to stdout (a copy of a byte chunk), waiting for the pipe to drain when it is full; nothing once it is closed. */
function writeStdout(chunk: string | Uint8Array): Promise<void> | void {
  if (stdoutClosed || process.stdout.destroyed) return;
  if (!process.stdout.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk))) {
    return new Promise((resolve) => {
      const done = () => {
        process.stdout.off('drain', done).off('close', done);
        resolve();
      };
      process.stdout.once('drain', done).once('close', done);
    });
  }
}

/** The --read output's writer: stdout itself when it is a regular file (fileWrite: written on another thread), else writeStdout. */
function outputWrite(): Write {
  if (!isRegularFile(1)) return writeStdout;
  return fileWrite(1, (err) => {
    process.stderr.write(`otelacct: stdout: cannot write (${err.code ?? err.message})\n`);
    stdoutClosed = true;
  });
}

/**
 * Writes `message` (or each problem) as one `otelacct: ...` line: control characters escaped (a
 * value cannot forge a line of its own), URL credentials replaced by `***`.
 */
function fail(message: string | readonly string[], code: number): number {
  const lines = typeof message === 'string' ? [message] : message;
  process.stderr.write(lines.map((l) => `otelacct: ${redactSecrets(oneLine(l))}\n`).join(''));
  return code;
}

async function main(argv: string[]): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig(argv, process.env);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.problems, 2);
    throw err;
  }
  const { config } = loaded;
  if (loaded.help) {
    await writeStdout(helpText());
    return 0;
  }
  if (loaded.version) {
    await writeStdout(`otelacct ${VERSION}\n`);
    return 0;
  }
  const log = new Logger(config.log.level);
  for (const w of loaded.warnings) log.warn(w.msg, w.fields);
  if (loaded.printConfig) {
    await writeStdout(JSON.stringify(config, null, 2) + '\n');
    return 0;
  }
  const offline = config.capture.read !== '';
  let pipeline: Pipeline;
  try {
    pipeline = await Pipeline.create(config, log, { outputReader: offline });
  } catch (err) {
    if (err instanceof NetworksFileError || err instanceof ConfigError || err instanceof InterfaceNamesError) return fail(err.message, 2);
    // The flow collector's modules are loaded only with flow.* on (so is its error class, by then).
    if (flowEnabled(config) && err instanceof (await import('./flow/flow-listener.ts')).FlowListenError) return fail(err.message, 2);
    throw err;
  }
  let liveInterfaces: string[] | undefined;
  // One reload at a time, in signal order; whatever goes wrong in one is a log line, never an exit.
  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    reloading = reloading.then(() => reload(argv, pipeline, log, () => liveInterfaces)).catch((err: unknown) => {
      log.error('configuration reload failed; keeping the running configuration', { error: oneLine(err instanceof Error ? err.message : String(err)) });
    });
  });

  if (offline) {
    let exitCode = 0;
    if (config.export.serve) {
      const problem = await startServer(pipeline, log);
      if (problem) {
        await pipeline.stop();
        return fail(problem.message, problem.code);
      }
    }
    try {
      // "-" is standard input, as for tcpdump -r -: descriptor 0 itself (messages name /dev/stdin),
      // which may be a socket that /dev/stdin cannot be opened on (ENXIO), e.g. a socketpair.
      const stdin = config.capture.read === '-';
      const path = stdin ? '/dev/stdin' : config.capture.read;
      const fd = stdin ? 0 : await waitForFifoWriter(path, () => log.info('waiting for a process to open the FIFO for writing',
        { file: path, timeoutSeconds: FIFO_WRITER_WAIT_MS / 1000 }));
      const stats = await pipeline.readFile(path, fd);
      log.debug('file read', { file: config.capture.read, ...stats });
    } catch (err) {
      if (err instanceof FilterError) {
        await pipeline.stop();
        return fail(err.message, 2);
      }
      if (!(err instanceof CaptureFileError)) throw err;
      fail(err.message, 1);
      exitCode = 1;
    }
    await pipeline.traffic.flush();
    if (config.export.output !== 'none') await pipeline.telemetry.writeOutput(config.export.output, outputWrite());
    pipeline.reportOverflow();
    // A file not read to its end ends otelacct (exit 1) even with --serve: its totals are not final.
    if (config.export.serve && exitCode === 0) {
      // /metrics answers during the read too (counts so far); this line says the totals are final.
      log.info('file read; serving until SIGINT or SIGTERM', { file: config.capture.read });
      await untilSignal();
    }
    await pipeline.stop();
    return exitCode;
  }

  // A flow collector captures only the interfaces it is given (none: it only collects).
  const flowOnly = pipeline.flow !== undefined && config.capture.interfaces.length === 0;
  const interfaces = flowOnly ? [] : resolveInterfaces(config);
  if (interfaces.length === 0 && !flowOnly) return fail('capture.interfaces: none configured and no interface is up (see --interface)', 2);
  if (pipeline.flow) {
    try {
      const bound = await pipeline.startFlow();
      log.info('collecting flows', { listeners: bound.map((b) => `${b.address}:${b.port}`) });
    } catch (err) {
      if (!(err instanceof (await import('./flow/flow-listener.ts')).FlowListenError)) throw err;
      await pipeline.stop();
      return fail(err.message, 1);
    }
  }
  if (interfaces.length > 0) {
    liveInterfaces = interfaces;
    try {
      await pipeline.startLive(interfaces);
    } catch (err) {
      if (err instanceof (await import('./capture/live-capture.ts')).CaptureError) {
        await pipeline.stop();
        return fail(err.message, 1);
      }
      throw err;
    }
  }
  const problem = await startServer(pipeline, log);
  if (problem) {
    await pipeline.stop();
    return fail(problem.message, problem.code);
  }
  if (interfaces.length > 0) log.info('capturing', { interfaces, filter: config.capture.filter || undefined, otlp: pipeline.otlpUrl });
  const signal = await untilSignal();
  log.info('stopping', { signal });
  await pipeline.stop();
  return 0;
}

/** The configured interfaces, or the default one. */
function resolveInterfaces(config: Config): string[] {
  return config.capture.interfaces.length > 0 ? config.capture.interfaces : [defaultInterface()].filter((x): x is string => !!x);
}

/**
 * SIGHUP: re-reads the configuration (file, environment, the original flags) and applies what
 * can change while running; a configuration that does not load is logged and the old one kept.
 */
async function reload(argv: string[], pipeline: Pipeline, log: Logger, live: () => string[] | undefined): Promise<void> {
  let next: Config;
  try {
    next = loadConfig(argv, process.env).config;
  } catch (err) {
    log.error('configuration reload failed; keeping the running configuration', { error: (err as Error).message });
    return;
  }
  const result = await pipeline.reload(next, live() ? resolveInterfaces(next) : undefined);
  for (const error of result.errors) log.error('reload: kept the previous setting', { error });
  if (result.needRestart.length > 0) log.warn('reload: these changes need a restart and were not applied', { keys: result.needRestart });
  log.info('configuration reloaded', { applied: result.applied });
}

/** Starts the HTTP endpoint; returns the problem (message, exit code) if it cannot. */
async function startServer(pipeline: Pipeline, log: Logger): Promise<{ message: string; code: number } | undefined> {
  try {
    const url = await pipeline.serve();
    if (url) log.info('serving metrics', { url });
    return undefined;
  } catch (err) {
    if (err instanceof (await import('./export/web-config.ts')).WebConfigError) return { message: err.message, code: 2 };
    return { message: (err as Error).message, code: 1 };
  }
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => {
      setTimeout(() => {
        process.stderr.write(`otelacct: did not stop within ${STOP_TIMEOUT_MS / 1000}s of ${sig}; exiting\n`);
        process.exit(1);
      }, STOP_TIMEOUT_MS).unref();
      resolve(sig);
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}

/** `otelacct report ...` is the billing report (src/report/); anything else runs the meter. */
function dispatch(argv: string[]): Promise<number> {
  if (argv[0] === 'report') return import('./report/report-cli.ts').then((m) => m.reportMain(argv.slice(1)));
  return main(argv);
}

dispatch(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code === 0 && stdoutClosed ? EXIT_STDOUT_CLOSED : code;
  },
  (err: unknown) => {
    process.stderr.write(`otelacct: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
