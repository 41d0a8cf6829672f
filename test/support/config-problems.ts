import { ConfigError, loadConfig } from '../../src/config/load.ts';

/** The problems loadConfig reports for `argv` and `env` (empty when the configuration loads). */
export function configProblems(argv: string[], env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    loadConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
