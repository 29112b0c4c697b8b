/**
 * The last step of `npm run build`: makes the embedded database's template, which the first start
 * of a new pglite:// data directory copies instead of running initdb (adapters/pglite/template.ts),
 * in PGLITE_TEMPLATE_CACHE or the default cache. Once per PGlite version and settings: later builds
 * find it and return at once. It reads no other configuration (a build does not know where the
 * server will run), and failing fails no build: a first start then makes the template itself.
 * It imports no more than it needs, since `npm start` builds first every time.
 */
import { defaultTemplateCache, pgliteTemplate } from '../adapters/pglite/template.ts';

try {
  const { dir, made } = await pgliteTemplate(process.env.PGLITE_TEMPLATE_CACHE || defaultTemplateCache());
  if (made) console.log(`Made the embedded database's template: ${dir}`);
} catch (error) {
  console.warn(
    `No template for the embedded database (a first start makes it instead): ${error instanceof Error ? error.message : String(error)}`,
  );
}
