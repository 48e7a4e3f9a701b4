/**
 * The feature modules of this build, in dependency order. Adding a module is one line here; `main.ts` merges their
 * jobs and cron entries and `http-app.ts` registers their routes.
 */
import type { ModuleDeps, SwitchboardModule } from './modules/module.js';
import { createCatalogModule } from './modules/catalog/index.js';
import { createContentModule } from './modules/content/index.js';

export function buildModules(deps: ModuleDeps): SwitchboardModule[] {
  const content = createContentModule(deps);
  const catalog = createCatalogModule(deps);
  return [content, catalog];
}
