/**
 * A small browser-like HTTP client for end-to-end tests without a browser: follows redirects by
 * hand (so each hop can be inspected), keeps cookies per host and path (oidc-provider scopes its
 * interaction cookie to /interaction/<uid>), submits forms.
 */
interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

export class TestBrowser {
  readonly cookies: StoredCookie[] = [];
  readonly visited: string[] = [];

  cookieHeader(url: URL): string {
    return this.cookies
      .filter(
        (c) =>
          c.host === url.host &&
          (url.pathname === c.path ||
            url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
            c.path === '/'),
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  #store(url: URL, res: Response): void {
    for (const raw of res.headers.getSetCookie()) this.storeSetCookie(url, raw);
  }

  /** Keep one Set-Cookie header as if `url` had answered it (tests that talk to another process). */
  storeSetCookie(url: URL, raw: string): void {
    const [pair, ...attrs] = raw.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    let path = '/';
    let expired = false;
    for (const a of attrs) {
      const [k, v] = a.trim().split('=');
      if (k?.toLowerCase() === 'path' && v) path = v;
      if (k?.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      if (k?.toLowerCase() === 'expires' && v && new Date(v).getTime() < Date.now()) expired = true;
    }
    const i = this.cookies.findIndex((c) => c.name === name && c.host === url.host && c.path === path);
    if (i >= 0) this.cookies.splice(i, 1);
    if (!expired) this.cookies.push({ name, value, host: url.host, path });
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(u);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    this.#store(u, res);
    this.visited.push(`${init.method ?? 'GET'} ${u.pathname} → ${res.status}`);
    return res;
  }

  /** GET and follow redirects until a non-redirect answer (or `until` matches a Location). */
  async follow(
    url: string,
    init: RequestInit = {},
    until?: (location: URL) => boolean,
  ): Promise<{ res: Response; url: string }> {
    let current = url;
    let res = await this.request(current, init);
    for (let hops = 0; hops < 20 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(res.headers.get('location')!, current);
      await res.arrayBuffer();
      if (until?.(next)) return { res, url: next.toString() };
      current = next.toString();
      res = await this.request(current);
    }
    return { res, url: current };
  }

  /** Submit a form found in `html` (by its action substring) with extra fields, following redirects. */
  async submit(pageUrl: string, html: string, actionContains: string, fields: Record<string, string>) {
    const form = findForm(html, actionContains);
    const body = new URLSearchParams({ ...form.fields, ...fields });
    return this.follow(new URL(form.action, pageUrl).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }
}

export function findForm(
  html: string,
  actionContains: string,
): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const match = forms.find((f) => f[1]!.includes(actionContains));
  if (!match) throw new Error(`No form with action containing ${actionContains}`);
  const fields: Record<string, string> = {};
  for (const input of match[2]!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1];
    if (name) fields[name] = decodeEntities(value ?? '');
  }
  return { action: decodeEntities(match[1]!), fields };
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

/** A page as a test reads it: final status, final URL (after redirects) and HTML. */
export interface TestPage {
  status: number;
  url: string;
  html: string;
}

/** GET a path of `base` and follow redirects to a page. */
export async function getPage(b: TestBrowser, base: string, path: string): Promise<TestPage> {
  const { res, url } = await b.follow(`${base}${path}`);
  return { status: res.status, url, html: await res.text() };
}

/** Submit the form of `page` whose action contains `action`, following redirects to a page. */
export async function submitPage(
  b: TestBrowser,
  page: TestPage,
  action: string,
  fields: Record<string, string>,
): Promise<TestPage> {
  const { res, url } = await b.submit(page.url, page.html, action, fields);
  return { status: res.status, url, html: await res.text() };
}

/** The visible text of some HTML, whitespace folded, common entities decoded. */
export function pageText(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ');
}
