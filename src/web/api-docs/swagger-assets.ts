import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * Swagger UI's files, served by the hub from the `swagger-ui-dist` package (no CDN, no copy in the
 * repository): its bundle as it is, and its stylesheet with every `data:` image moved to a URL of
 * ours. The stylesheet draws its icons (the select arrow, the copy button, the model chevron) as
 * `url("data:image/svg+xml,…")`, which the hub's CSP (`img-src 'self'`) blocks; instead of allowing
 * `data:` images on this page, each one is served from `/api/docs/assets/images/<hash>.<ext>`, so
 * the page needs nothing beyond the hub's own policy.
 */

const require = createRequire(import.meta.url);
const PACKAGE_JSON = require.resolve('swagger-ui-dist/package.json');

export const SWAGGER_UI_DIR = dirname(PACKAGE_JSON);
export const SWAGGER_UI_VERSION = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string })
  .version;

export interface InlineImage {
  type: string;
  body: Buffer;
}

const EXTENSIONS: Record<string, string> = {
  'image/svg+xml': 'svg',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
};

/** `data:image/svg+xml;charset=utf-8,<svg …>` or `data:image/png;base64,iVBOR…` → its bytes. */
function decodeDataUrl(url: string): InlineImage | undefined {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0) return undefined;
  const [type = '', ...params] = url.slice('data:'.length, comma).split(';');
  if (!(type in EXTENSIONS)) return undefined;
  const data = url.slice(comma + 1);
  if (params.includes('base64')) return { type, body: Buffer.from(data, 'base64') };
  try {
    return { type, body: Buffer.from(decodeURIComponent(data), 'utf8') };
  } catch {
    return undefined; // a malformed percent-escape: leave that url() as it is
  }
}

/** CSS string escapes inside `url("…")`: `\"` → `"`, `\\` → `\`. */
function unescapeCss(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/**
 * Replace each `url(data:image/…)` in a stylesheet by `${base}/<hash>.<ext>`; returns the new
 * stylesheet and the images by file name. A data URL this cannot decode is left unchanged.
 */
export function moveInlineImages(
  css: string,
  base: string,
): { css: string; images: Map<string, InlineImage> } {
  const images = new Map<string, InlineImage>();
  const replace = (whole: string, raw: string) => {
    const image = decodeDataUrl(unescapeCss(raw));
    if (!image) return whole;
    const hash = createHash('sha256').update(image.body).digest('hex').slice(0, 16);
    const name = `${hash}.${EXTENSIONS[image.type]}`;
    images.set(name, image);
    return `url("${base}/${name}")`;
  };
  const out = css
    .replace(/url\("((?:[^"\\]|\\.)*)"\)/g, replace)
    .replace(/url\('((?:[^'\\]|\\.)*)'\)/g, replace)
    .replace(/url\((data:[^)"']*)\)/g, replace);
  return { css: out, images };
}
