/**
 * Read a response body as text, refusing more than `maxBytes`: an upstream that answers with an
 * endless or huge body must not exhaust the hub's memory (a timeout alone bounds time, not size).
 * Returns undefined when the limit is exceeded (the body is cancelled).
 */
export async function readTextLimited(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What the hub accepts from a national identity provider in one answer (tokens, JWKS, discovery). */
export const UPSTREAM_MAX_BODY_BYTES = 256 * 1024;
