/**
 * The browser side of a login, without a browser: a cookie jar per login (per host and path, as
 * oidc-provider scopes its interaction cookie to /interaction/<uid>), redirects followed by hand,
 * and the hub's consent form submitted when it is shown. Loopback only.
 */
interface Cookie {
  readonly name: string;
  readonly value: string;
  readonly host: string;
  readonly path: string;
}

const MAX_HOPS = 20;

export class CookieBrowser {
  readonly #cookies: Cookie[] = [];
  /** Requests made, for error messages (method, path, status). */
  readonly trail: string[] = [];

  #header(url: URL): string {
    return this.#cookies
      .filter(
        (c) =>
          c.host === url.host &&
          (c.path === '/' ||
            url.pathname === c.path ||
            url.pathname.startsWith(`${c.path.replace(/\/$/, '')}/`)),
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  #store(url: URL, res: Response): void {
    for (const raw of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = raw.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expired = false;
      for (const a of attrs) {
        const [k = '', v] = a.trim().split('=');
        const key = k.toLowerCase();
        if (key === 'path' && v) path = v;
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && v && Date.parse(v) < Date.now()) expired = true;
      }
      const i = this.#cookies.findIndex((c) => c.name === name && c.host === url.host && c.path === path);
      if (i >= 0) this.#cookies.splice(i, 1);
      if (!expired) this.#cookies.push({ name, value, host: url.host, path });
    }
  }

  async request(url: URL, init: RequestInit = {}): Promise<Response> {
    if (url.hostname !== '127.0.0.1') throw new Error(`refusing to leave loopback: ${url.origin}`);
    const headers = new Headers(init.headers);
    const cookie = this.#header(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.#store(url, res);
    this.trail.push(`${init.method ?? 'GET'} ${url.host}${url.pathname} → ${res.status}`);
    return res;
  }

  /**
   * Follow redirects from `url` until one points at `stop` (returned, not requested) or a page
   * answers (returned with its body read).
   */
  async follow(
    url: URL,
    stop: (location: URL) => boolean,
    init: RequestInit = {},
  ): Promise<{ kind: 'stopped'; url: URL } | { kind: 'page'; url: URL; status: number; body: string }> {
    let current = url;
    let res = await this.request(current, init);
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (res.status < 300 || res.status >= 400) {
        return { kind: 'page', url: current, status: res.status, body: await res.text() };
      }
      const location = res.headers.get('location');
      await res.arrayBuffer();
      if (!location) throw new Error(`redirect without location from ${current.pathname}`);
      const next = new URL(location, current);
      if (stop(next)) return { kind: 'stopped', url: next };
      current = next;
      res = await this.request(current);
    }
    throw new Error(`more than ${MAX_HOPS} redirects:\n${this.trail.join('\n')}`);
  }
}

/** The form whose action contains `actionContains`, with its hidden fields. */
export function findForm(
  html: string,
  actionContains: string,
): { action: string; fields: Record<string, string> } {
  for (const match of html.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const action = decodeEntities(match[1] ?? '');
    if (!action.includes(actionContains)) continue;
    const fields: Record<string, string> = {};
    for (const input of (match[2] ?? '').matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1];
      if (name) fields[name] = decodeEntities(value ?? '');
    }
    return { action, fields };
  }
  throw new Error(`no form with action containing ${actionContains}`);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
