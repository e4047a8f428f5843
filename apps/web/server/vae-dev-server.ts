import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { mnistForPage, type MnistForPage, type MnistForPageOptions } from './mnist-for-page.js';
import { repoRoot, runsRoot } from './run-listing.js';
import { sweepsRoot } from './sweep-listing.js';
import { vaeMiddleware } from './vae-middleware.js';

export interface VaeDevServerOptions extends MnistForPageOptions {
  /** The runs root (default: `VAE_RUNS_DIR` from `env`, else `<repo root>/runs`). */
  runsDir?: string;
}

/**
 * Serves the page what it cannot get from a static host on its own, without the internet:
 * - dev and preview: `data/mnist.json` + the four gzipped IDX files (the dataset the CLI would use,
 *   see `mnistForPage`), and the CLI's runs (`api/runs`, `api/runs/<name>/model/…`, see `vaeMiddleware`);
 * - `vite build`: the same data files, emitted into `dist/data/`, so the build works as plain
 *   static files (there is no `api/runs` there: the page must cope with a 404).
 *   `VAE_WEB_NO_DATA=1` emits no data, for those who host the files elsewhere (the page still
 *   fetches `data/mnist.json` relative to itself, so put them there or rewrite that path).
 *
 * The dataset is resolved once per plugin instance (one per `vite` process), on the first request
 * or at `generateBundle`; a failure is not kept, so fixing `VAE_DATA_DIR` and reloading retries.
 */
export function vaeDevServer(options: VaeDevServerOptions = {}): Plugin {
  const env = options.env ?? process.env;
  let config: ResolvedConfig | undefined;
  let pageData: Promise<MnistForPage> | undefined;

  const loadPageData = (): Promise<MnistForPage> => {
    const log = options.log ?? ((line: string) => (config ? config.logger.info(line, { timestamp: true }) : console.log(line)));
    pageData ??= mnistForPage({ ...options, log }).catch((err: unknown) => {
      log(`[vae] page data: none, ${(err as Error).message}`);
      pageData = undefined;
      throw err;
    });
    return pageData;
  };
  const middleware = () => {
    const root = config?.root ?? process.cwd();
    const runs = options.runsDir ? path.resolve(options.runsDir) : runsRoot(root, env);
    const relative = path.relative(repoRoot(root), runs);
    const runsLabel = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : runs;
    return vaeMiddleware({ pageData: loadPageData, runsRoot: runs, runsLabel, sweepsRoot: sweepsRoot(root, env), base: config?.base ?? '/' });
  };

  return {
    name: 'vae-dev-server',
    configResolved(resolved) {
      config = resolved;
    },
    configureServer(server) {
      server.middlewares.use(middleware());
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware());
    },
    async generateBundle() {
      if (env.VAE_WEB_NO_DATA === '1' || config?.build.ssr) return;
      const { files } = await loadPageData();
      for (const [name, source] of files) this.emitFile({ type: 'asset', fileName: `data/${name}`, source });
    },
  };
}
