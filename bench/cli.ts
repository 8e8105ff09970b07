import { pathToFileURL } from 'node:url';

/** Reads a whole-number option, so that `--tenants 1e3` or `--duration ten` stop the run at once. */
export function integerOption(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min) throw new UsageError(`--${name} must be at least ${min}`);
  return number;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Whether the module at `metaUrl` is the script node was asked to run (and not an import). */
export function isMainModule(metaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === metaUrl;
}
