/** `otelacct report`: placeholder entry point, replaced by the billing report implementation. */
export async function reportMain(_argv: string[]): Promise<number> {
  process.stderr.write('otelacct: report: not available in this build\n');
  return 2;
}
