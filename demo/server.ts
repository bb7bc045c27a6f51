/**
 * The demo's own web server: the built partner site (`dist/demo`) under a strict
 * Content-Security-Policy, its runtime configuration, and the presenter API that lets sales
 * switch the sandbox banks' scenarios (it holds a client certificate for the sandbox's admin API,
 * which only listens on the mTLS port) and move the demo's clock.
 *
 * It is also Fourmi's server: with its partner API key it syncs every connected bank without the
 * customer, through the BFF's partner-server API (partner-sync.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { Agent, fetch } from 'undici';
import { z } from 'zod';
import type { DemoClock } from './clock.js';
import { PartnerSync } from './partner-sync.js';
import { WebhookInbox } from './webhook-inbox.js';

export interface DemoServerOptions {
  distDir: string;
  /** The demo's own origin, e.g. `http://localhost:5173`. */
  origin: string;
  bffUrl: string;
  sandboxUrl: string;
  /** `https://localhost:9443`: the sandbox's mTLS listener, where its admin API is. */
  sandboxAdminOrigin: string;
  /** A client certificate trusted by the sandbox, and the CA of its server certificate. */
  tls: { cert: string; key: string; ca: string };
  /** Fourmi's partner API key, for the BFF's `/partner/v1`. */
  partnerKey: string;
  /** The clock the BFF reads, which the presenter moves forward. */
  clock: DemoClock;
  /** The secret the BFF signs Fourmi's webhooks with (`whsec_…`). */
  webhookSecret: string;
  /** Runs the BFF's consent-end scheduler now: after the clock moved, it has news. */
  runScheduler?: () => Promise<void>;
}

/** How long the presenter panel's wait for a webhook lasts before it asks again. */
const LONG_POLL_MS = 25_000;

/**
 * The demo pages' policy: nothing inline, only localhost services, and Trusted Types with two
 * policies: `lit-html` (the page's own Lit and the drop-in's bundled Lit both create one, hence
 * `'allow-duplicates'`) and `fourmi` (the page's, for the service worker's script URL).
 */
export const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' http://localhost:* data:",
  "connect-src 'self' http://localhost:*",
  "worker-src 'self'",
  "manifest-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "require-trusted-types-for 'script'",
  "trusted-types lit-html fourmi 'allow-duplicates'",
].join('; ');

const presenterSchema = z
  .object({
    aspsp: z.string().regex(/^[a-z0-9-]{1,40}$/),
    scenario: z.enum(['down', 'slow', 'consent_expired', 'normal']),
  })
  .strict();

const clockSchema = z
  .object({
    aspsp: z.string().regex(/^[a-z0-9-]{1,40}$/),
    daysLeft: z.number().int().min(1).max(30),
  })
  .strict();

const DAY_MS = 86_400_000;

/** What each presenter button does at the sandbox. */
const SCENARIOS = {
  down: [['PUT', 'scenario', { down: true }]],
  slow: [['PUT', 'scenario', { slowApiMs: 4_000, slowTokenMs: 4_000 }]],
  // The consent reaches its 90/180 days: the next bank call fails and refresh is refused.
  consent_expired: [
    ['PUT', 'scenario', {}],
    ['POST', 'consents/expire', {}],
  ],
  normal: [['PUT', 'scenario', {}]],
} as const satisfies Record<string, ReadonlyArray<readonly [string, string, object]>>;

export function createDemoServer(options: DemoServerOptions): Express & { close(): Promise<void> } {
  if (!existsSync(path.join(options.distDir, 'index.html'))) {
    throw new Error(
      `the demo is not built: ${options.distDir}/index.html is missing (npm run build:demo)`,
    );
  }
  const agent = new Agent({ connect: options.tls });
  const { clock } = options;
  const app = express();
  app.disable('x-powered-by');

  app.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': DEMO_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      // Popups must keep their opener for the bank window to post back.
      'Cross-Origin-Opener-Policy': 'unsafe-none',
    });
    next();
  });

  app.get('/config.json', (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .json({ bffUrl: options.bffUrl, sandboxUrl: options.sandboxUrl });
  });

  /** Same-origin pages only: the static header cannot be sent cross-site without a preflight. */
  const presenterOnly = (req: Request, res: Response, next: NextFunction) => {
    if (
      req.get('x-fourmi-presenter') !== '1' ||
      (req.get('origin') ?? options.origin) !== options.origin
    ) {
      return void res
        .status(403)
        .json({ error: 'forbidden', message: 'presenter calls come from the demo page' });
    }
    next();
  };

  const admin = async (method: string, route: string, body: object) => {
    const response = await fetch(`${options.sandboxAdminOrigin}/__admin${route}`, {
      method,
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(
        `sandbox admin ${method} ${route}: ${response.status} ${await response.text()}`,
      );
  };

  app.post(
    '/presenter/scenario',
    presenterOnly,
    express.json({ limit: '1kb' }),
    async (req, res) => {
      const parsed = presenterSchema.safeParse(req.body);
      if (!parsed.success)
        return void res
          .status(400)
          .json({ error: 'invalid_request', message: z.prettifyError(parsed.error) });
      try {
        for (const [method, route, body] of SCENARIOS[parsed.data.scenario]) {
          await admin(method, `/banks/${parsed.data.aspsp}/${route}`, body);
        }
        res.status(204).end();
      } catch (error) {
        res.status(502).json({ error: 'sandbox_unavailable', message: (error as Error).message });
      }
    },
  );

  const sync = new PartnerSync({ bffUrl: options.bffUrl, key: options.partnerKey, clock });
  const inbox = new WebhookInbox({ secret: options.webhookSecret, clock });

  // Fourmi's webhook endpoint (BFF_WEBHOOK_URLS): the raw body, as signed.
  app.post(
    '/webhooks/bank-connect',
    express.text({ type: 'application/json', limit: '64kb' }),
    (req, res) => {
      const refused = inbox.receive(
        typeof req.body === 'string' ? req.body : '',
        req.headers as Record<string, string | undefined>,
      );
      if (refused) return void res.status(400).json({ error: 'invalid_webhook', message: refused });
      res.status(204).end();
    },
  );

  /** The webhooks received after `after`: at once if any, else as soon as one arrives. */
  app.get('/presenter/webhooks', presenterOnly, async (req, res) => {
    const after = Number(req.query.after ?? 0);
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    const entries = await inbox.waitForEntries(
      Number.isInteger(after) && after >= 0 ? after : 0,
      LONG_POLL_MS,
      closed.signal,
    );
    if (!res.writableEnded) res.set('Cache-Control', 'no-store').json({ entries });
  });

  // Brings the bank's soonest-ending consent to `daysLeft` days from its end: the demo's clock
  // and every bank's move forward together, so the BFF sees the consent `expiring`.
  app.post('/presenter/clock', presenterOnly, express.json({ limit: '1kb' }), async (req, res) => {
    const parsed = clockSchema.safeParse(req.body);
    if (!parsed.success)
      return void res
        .status(400)
        .json({ error: 'invalid_request', message: z.prettifyError(parsed.error) });
    const { aspsp, daysLeft } = parsed.data;
    try {
      const ends = (await sync.listSessions())
        .filter((session) => session.aspsp === aspsp && session.status !== 'reauth_required')
        .map((session) => Date.parse(session.expiresAt));
      if (ends.length === 0) {
        return void res
          .status(409)
          .json({ error: 'no_session', message: `no live consent at ${aspsp} to move forward` });
      }
      const advanceMs = Math.max(0, Math.min(...ends) - daysLeft * DAY_MS - clock.now());
      const seconds = Math.floor(advanceMs / 1000);
      const { banks } = (await (await fetch(`${options.sandboxUrl}/banks`)).json()) as {
        banks: { id: string }[];
      };
      for (const bank of banks) {
        await admin('POST', `/banks/${bank.id}/clock`, { advanceSeconds: seconds });
      }
      clock.advance(seconds * 1000);
      // The scheduler would notice within its interval; the presenter wants it now.
      await options.runScheduler?.();
      res.json({ advancedDays: Math.round(seconds / 86_400), now: new Date(clock.now()) });
    } catch (error) {
      res.status(502).json({ error: 'unavailable', message: (error as Error).message });
    }
  });

  // Fourmi's nightly sync, run now: every live session, read without the customer.
  app.post('/presenter/sync', presenterOnly, async (_req, res) => {
    try {
      res.json({ synced: await sync.syncAll() });
    } catch (error) {
      res.status(502).json({ error: 'bff_unavailable', message: (error as Error).message });
    }
  });

  /** What Fourmi's server last synced for a session (when, from where, the reads left); 204 before. */
  app.get('/api/sync/:sessionId', (req, res) => {
    const result = sync.lastSync(req.params.sessionId);
    res.set('Cache-Control', 'no-store');
    // Not synced yet is no error: the page asks before the first night.
    if (!result) return void res.status(204).end();
    res.json(result);
  });

  app.post('/presenter/reset', presenterOnly, async (_req, res) => {
    try {
      await admin('POST', '/reset', {});
      clock.reset();
      res.status(204).end();
    } catch (error) {
      res.status(502).json({ error: 'sandbox_unavailable', message: (error as Error).message });
    }
  });

  app.use(
    express.static(options.distDir, {
      index: 'index.html',
      setHeaders: (res, file) => {
        const name = path.basename(file);
        // The shell, the service worker and the drop-in's root entry must be revalidated so
        // updates reach the page; the drop-in's versioned module and chunks never change.
        const revalidate =
          name.endsWith('.html') ||
          name === 'sw.js' ||
          path.relative(options.distDir, file) === 'bank-connect.js' ||
          name.endsWith('.webmanifest');
        res.set('Cache-Control', revalidate ? 'no-cache' : 'public, max-age=31536000, immutable');
      },
    }),
  );
  app.use((_req, res) => void res.status(404).type('text/plain').send('not found'));

  return Object.assign(app, { close: () => agent.close() });
}
