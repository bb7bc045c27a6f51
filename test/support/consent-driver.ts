/**
 * Walks a customer through a sandbox bank's consent pages with plain HTTP, as a browser without
 * JavaScript would (the pages are plain forms), and returns where the bank sends them back.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface ConsentChoices {
  login?: string;
  password?: string;
  /** `undefined`: keep every account ticked. */
  accounts?: string[];
  decision?: 'accept' | 'refuse';
  /** Stop at a step and press "cancel" there instead. */
  cancelAt?: 'login' | 'sca';
  /** Wrong one-time codes to type before the right one. */
  wrongCodes?: number;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Builds an authorization request URL (RFC 6749 §4.1.1) with the given parameters. */
export function buildAuthorizeUrl(
  authorizationEndpoint: string,
  params: Record<string, string>,
): string {
  const url = new URL(authorizationEndpoint);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

function readHidden(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match?.[1]) throw new Error(`the page has no ${name} field:\n${html}`);
  return match[1];
}

async function follow(response: Response, base: string): Promise<string> {
  if (response.status !== 303) {
    throw new Error(`expected a 303, got ${response.status}: ${await response.text()}`);
  }
  return new URL(response.headers.get('location') ?? '', base).href;
}

async function getPage(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'manual' });
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return response.text();
}

async function postForm(url: string, form: URLSearchParams): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
}

/**
 * Runs the journey from the authorization URL to the redirect back to the TPP and returns that
 * redirect's URL (with `code` or `error`).
 */
export async function driveConsent(
  authorizeUrl: string,
  choices: ConsentChoices = {},
): Promise<URL> {
  const origin = new URL(authorizeUrl).origin;
  const bankPath = new URL(authorizeUrl).pathname.replace(/\/authorize$/, '');
  const start = await fetch(authorizeUrl, { redirect: 'manual' });
  const stepUrl = await follow(start, authorizeUrl);
  if (!stepUrl.startsWith(`${origin}${bankPath}/authorize/step`)) return new URL(stepUrl);

  let page = await getPage(stepUrl);
  const req = readHidden(page, 'req');
  const post = (action: string, fields: [string, string][]) =>
    postForm(
      `${origin}${bankPath}/authorize/${action}`,
      new URLSearchParams([['req', req], ...fields]),
    );

  if (choices.cancelAt === 'login') return new URL(await follow(await post('cancel', []), origin));
  await follow(
    await post('login', [
      ['username', choices.login ?? 'marie.dupont'],
      ['password', choices.password ?? 'azerty'],
    ]),
    origin,
  );
  page = await getPage(stepUrl);
  if (!page.includes('name="otp"'))
    throw new Error(`login did not reach the security check:\n${page}`);
  if (choices.cancelAt === 'sca') return new URL(await follow(await post('cancel', []), origin));

  const code = /class="demo-code">[^<]*?(\d{6})/.exec(page)?.[1];
  if (!code) throw new Error('no one-time code on the security page');
  for (let attempt = 0; attempt < (choices.wrongCodes ?? 0); attempt++) {
    const next = await follow(
      await post('sca', [['otp', code === '000000' ? '111111' : '000000']]),
      origin,
    );
    if (!next.startsWith(origin)) return new URL(next);
  }
  const afterSca = await follow(await post('sca', [['otp', code]]), origin);
  if (!afterSca.startsWith(origin)) return new URL(afterSca);

  page = await getPage(stepUrl);
  const offered = [...page.matchAll(/name="account" value="([^"]+)"/g)].map(
    (match) => match[1] ?? '',
  );
  const accounts = choices.accounts ?? offered;
  const decision = await post('consent', [
    ['decision', choices.decision ?? 'accept'],
    ...accounts.map((id): [string, string] => ['account', id]),
  ]);
  return new URL(await follow(decision, origin));
}
