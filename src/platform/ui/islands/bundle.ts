import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/**
 * Browser islands: small TypeScript entry points in this folder, bundled by esbuild in memory the first
 * time a page asks for one and kept for the life of the process. Nothing is built ahead of time or
 * committed, and nothing is fetched: the bundle is made from this repository and node_modules.
 * Served at /assets/<name>.js (see system.routes.tsx); the CSP allows scripts from 'self' only.
 */
const islands = new Set([
  'passkey',
  'card-refresh',
  'checkin-organiser',
  'checkin-participant',
  'checkin-sw',
  'push-subscribe',
  'push-sw',
  'survey-form',
]);
const bundles = new Map<string, Promise<Uint8Array>>();

/** The island served under this asset file name (`passkey.js` → `passkey`), if any. */
export function islandOf(assetName: string): string | undefined {
  const name = assetName.endsWith('.js') ? assetName.slice(0, -3) : undefined;
  return name !== undefined && islands.has(name) ? name : undefined;
}

export function islandBundle(name: string): Promise<Uint8Array> {
  let bundle = bundles.get(name);
  if (!bundle) {
    bundle = build({
      entryPoints: [fileURLToPath(new URL(`./${name}.ts`, import.meta.url))],
      bundle: true,
      minify: true,
      format: 'iife',
      platform: 'browser',
      // Old phones on weak rural networks: ES2020 runs on every browser that has WebAuthn passkeys.
      target: 'es2020',
      write: false,
      logLevel: 'silent',
    }).then((result) => {
      const output = result.outputFiles[0];
      if (!output) throw new Error(`esbuild produced no output for island ${name}`);
      return output.contents;
    });
    // A failed build is not cached: the next request tries again.
    bundle.catch(() => bundles.delete(name));
    bundles.set(name, bundle);
  }
  return bundle;
}
