/**
 * A browser without a browser, for the web app's HTTP-level tests: keeps cookies, reads each page's
 * anti-forgery token, posts forms as a same-origin page would. No redirect is followed.
 */
export function createPageClient(request: (path: string, init?: RequestInit) => Response | Promise<Response>, origin = 'http://localhost') {
  const cookies = new Map<string, string>();
  let csrf = '';
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set('Cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await request(path, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (attributes.some((a) => a.trim() === 'Max-Age=0')) cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  };
  return {
    cookies,
    /** GETs a page and remembers its form token; resolves with the response and its text. */
    async get(path: string) {
      const response = await send(path);
      const html = await response.text();
      csrf = /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? csrf;
      return { response, html };
    },
    /** Posts a form as a page of `origin` would, with the last page's token unless `fields` sets one. */
    post(path: string, fields: Record<string, string>, headers: Record<string, string> = { Origin: origin }) {
      return send(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ csrf, ...fields }).toString(),
      });
    },
    /** Posts JSON as the passkey script does: the last page's token in a header. */
    async postJson(path: string, body: unknown) {
      const response = await send(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Origin: origin },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
}
