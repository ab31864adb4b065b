import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { moveInlineImages, SWAGGER_UI_DIR } from './swagger-assets.ts';

test('data: images in url("…"), url(\'…\') and url(…) move to our URLs, decoded', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><path fill="#fff" d="M0 0h1v1z"/></svg>';
  const css = [
    `.a{background:url("data:image/svg+xml;charset=utf-8,${svg.replace(/"/g, '\\"').replace(/#/g, '%23')}")}`,
    `.b{mask-image:url('data:image/png;base64,${Buffer.from('png-bytes').toString('base64')}')}`,
    `.c{background:url(data:image/jpeg;base64,${Buffer.from('jpeg-bytes').toString('base64')})}`,
    '.d{background:url(/assets/images/x.png)}',
    '.e{background:url("data:text/html,<b>no</b>")}',
  ].join('\n');
  const { css: out, images } = moveInlineImages(css, '/img');
  const urls = [...out.matchAll(/url\("(\/img\/[^"]+)"\)/g)].map((m) => m[1]!);
  assert.equal(urls.length, 3);
  assert.match(urls[0]!, /^\/img\/[0-9a-f]{16}\.svg$/);
  assert.match(urls[1]!, /^\/img\/[0-9a-f]{16}\.png$/);
  assert.match(urls[2]!, /^\/img\/[0-9a-f]{16}\.jpg$/);
  assert.equal(images.get(urls[0]!.slice(5))?.body.toString(), svg);
  assert.equal(images.get(urls[1]!.slice(5))?.type, 'image/png');
  assert.equal(images.get(urls[1]!.slice(5))?.body.toString(), 'png-bytes');
  assert.equal(images.get(urls[2]!.slice(5))?.body.toString(), 'jpeg-bytes');
  // Not an image, or not a data: URL: left as it was.
  assert.ok(out.includes('url(/assets/images/x.png)'));
  assert.ok(out.includes('url("data:text/html,<b>no</b>")'));
});

test("Swagger UI's stylesheet has no data: image left once moved", () => {
  const css = readFileSync(join(SWAGGER_UI_DIR, 'swagger-ui.css'), 'utf8');
  assert.match(css, /url\("?data:image\//, 'the package still draws icons with data: URLs');
  const { css: out, images } = moveInlineImages(css, '/api/docs/assets/images');
  assert.doesNotMatch(out, /url\(\s*["']?data:/);
  assert.ok(images.size >= 4);
  for (const image of images.values()) {
    if (image.type === 'image/svg+xml') assert.match(image.body.toString(), /^<svg[\s>]/);
  }
});
