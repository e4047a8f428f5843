import type { ViteUserConfig } from 'vitest/config';

/** The export condition under which each @vae/* package.json points at its TypeScript sources. */
export const SOURCE_CONDITION = '@vae/source';

/**
 * Resolve options every vitest config in the workspace spreads in: `@vae/*` imports load the
 * packages' `src/` (as `customConditions` in tsconfig.base.json does for type checks), so tests
 * need no build first and see a change in another package at once. Vite adds the condition to
 * its defaults (`node`, `development|production`): `ssr` is what tests in Node resolve with,
 * `resolve` the browser-like environments. Builds (tsup, `vite build`) never set it and use `dist`.
 */
export const resolveFromSource = {
  resolve: { conditions: [SOURCE_CONDITION] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION] } },
} satisfies ViteUserConfig;
