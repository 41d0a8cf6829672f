import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/** Is `tool` on PATH? */
export function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Why a test that needs `tools` (and root, if `root`) cannot run here, or undefined if it can.
 * Under CI (env CI set) a missing requirement is a failure, never a skip: CI must run every test.
 */
export function unmet(opts: { tools?: string[]; root?: boolean }): string | undefined {
  const missing = (opts.tools ?? []).filter((t) => !hasTool(t));
  const reasons: string[] = [];
  if (missing.length) reasons.push(`needs ${missing.join(', ')} (scripts/bootstrap.sh --test installs them)`);
  if (opts.root && process.getuid?.() !== 0) reasons.push('needs root to create network namespaces and capture');
  if (reasons.length === 0) return undefined;
  const why = reasons.join('; ');
  if (process.env.CI) throw new Error(`CI must run this test but it ${why}`);
  return why;
}

/** Skips `t` with the reason when requirements are unmet (fails instead under CI). */
export function skipUnless(t: TestContext, opts: { tools?: string[]; root?: boolean }): boolean {
  const why = unmet(opts);
  if (why) t.skip(why);
  return why === undefined;
}
