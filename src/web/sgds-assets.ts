import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type InlineImage, moveInlineImages } from './api-docs/swagger-assets.ts';
import { SGDS_DIR, SGDS_VERSIONED_FILES } from './views.ts';

/**
 * The Singapore Government Design System's files the SGDS layout uses, read from the
 * `@govtechsg/sgds-web-component` package when the hub starts (no CDN, no copy in the repository):
 * its theme (design tokens: `themes/day.css`, which imports `themes/root.css`), its base CSS
 * (`css/sgds.css`, which imports `css/reboot.css` and `css/grid.css`) and the masthead web
 * component's self-contained script (`components/Masthead/index.umd.min.js`, lit included).
 *
 * Both the base CSS and the masthead draw the external-link icon of `target="_blank"` links as a
 * `url("data:image/svg+xml,…")` mask, which the hub's CSP (`img-src 'self'`) refuses. As for
 * Swagger UI's stylesheet (api-docs/swagger-assets.ts), each such image is moved to a URL of ours,
 * `/assets/sgds/images/<hash>.svg`, so the pages need nothing beyond the hub's own policy.
 */
export const SGDS_PREFIX = '/assets/sgds';
const IMAGES = `${SGDS_PREFIX}/images`;

/** Every file served under /assets/sgds/: the linked ones plus what they import. */
export const SGDS_FILES: readonly string[] = [
  ...SGDS_VERSIONED_FILES,
  'themes/root.css',
  'css/reboot.css',
  'css/grid.css',
];

export interface SgdsFile {
  type: string;
  body: string;
}

export interface SgdsAssets {
  /** By path under /assets/sgds/ (`themes/day.css`). */
  files: Map<string, SgdsFile>;
  /** By file name under /assets/sgds/images/. */
  images: Map<string, InlineImage>;
}

export function loadSgdsAssets(dir: string = SGDS_DIR): SgdsAssets {
  const files = new Map<string, SgdsFile>();
  const images = new Map<string, InlineImage>();
  for (const file of SGDS_FILES) {
    const { css: body, images: moved } = moveInlineImages(readFileSync(join(dir, file), 'utf8'), IMAGES);
    for (const [name, image] of moved) images.set(name, image);
    const type = file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
    files.set(file, { type, body });
  }
  return { files, images };
}
