/**
 * The BFF's configuration: read once at start-up from environment variables and/or a JSON file
 * (`BFF_CONFIG_FILE`; environment variables win), validated with zod, and checked against the
 * certificates it names. A bad or missing value stops the process with a message naming the
 * variable; a QWAC that does not match `client_id`, has expired, or does not match its key stops
 * it too (STET 1.6.3 §3.2, ETSI TS 119 495 §5.2.1).
 */
import {
  createHash,
  createPrivateKey,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parsePartnerKeys, type PartnerKey } from './partner/keys.js';

/** Each setting, its environment variable, and what it means; the README table comes from here. */
export const SETTINGS = {
  host: ['BFF_HOST', 'address to bind (default localhost)'],
  port: ['BFF_PORT', 'port to listen on (default 8080; 0 picks a free one)'],
  clientId: ['BFF_CLIENT_ID', 'the TPP authorisation number: the QWAC organizationIdentifier'],
  redirectUri: [
    'BFF_REDIRECT_URI',
    'the redirect URI registered with the banks: this BFF’s /v1/callback',
  ],
  qwacCertFile: ['BFF_QWAC_CERT', 'PEM file of the QWAC (mutual TLS client certificate)'],
  qwacKeyFile: ['BFF_QWAC_KEY', 'PEM file of the QWAC private key'],
  previousQwacCertFile: [
    'BFF_QWAC_PREVIOUS_CERT',
    'after a QWAC renewal, the PEM file of the QWAC it replaces, while still valid: tokens bound to it that cannot be refreshed keep working',
  ],
  previousQwacKeyFile: ['BFF_QWAC_PREVIOUS_KEY', 'PEM file of the previous QWAC private key'],
  qsealcCertFile: ['BFF_QSEALC_CERT', 'PEM file of the QSealC (HTTP signature certificate)'],
  qsealcKeyFile: ['BFF_QSEALC_KEY', 'PEM file of the QSealC private key'],
  qsealcUrl: ['BFF_QSEALC_URL', 'public URL of the QSealC: the signature keyId'],
  allowedOrigins: [
    'BFF_ALLOWED_ORIGINS',
    'comma-separated partner origins allowed to call the BFF',
  ],
  registryFile: ['BFF_REGISTRY', 'JSON file of the banks (the bank registry)'],
  sessionStore: [
    'BFF_SESSION_STORE',
    'where sessions live: sqlite:<file> (one instance; default sqlite:.data/sessions.sqlite) or redis://…, rediss://… (several instances)',
  ],
  sealingKeys: [
    'BFF_SEALING_KEYS',
    'comma-separated base64url 32-byte keys; the first seals, any opens',
  ],
  cookieMode: [
    'BFF_COOKIE_MODE',
    'true: also set the session as a __Host- cookie (same-site deployment)',
  ],
  allowBearerHandles: [
    'BFF_ALLOW_BEARER_HANDLES',
    'true: also accept handles not bound to a browser key, as Authorization: Bearer, while integrations migrate to DPoP (default false: every session is bound to the key that completed its flow)',
  ],
  dpopNonce: [
    'BFF_DPOP_NONCE',
    'true: DPoP proofs must carry the server nonce that DPoP-Nonce hands out, which bounds a pre-computed proof’s life to the nonce’s (default false)',
  ],
  dpopWindowSeconds: [
    'BFF_DPOP_WINDOW_SECONDS',
    'how far a DPoP proof’s iat may be from the BFF’s clock, either way, in s (default 60; 5 to 300)',
  ],
  trustProxy: [
    'BFF_TRUST_PROXY',
    'Express trust proxy setting, for the customer IP (default false)',
  ],
  bankTimeoutMs: ['BFF_BANK_TIMEOUT_MS', 'timeout of every call to a bank, in ms (default 10000)'],
  flowTtlSeconds: ['BFF_FLOW_TTL_SECONDS', 'how long a consent flow may take, in s (default 600)'],
  flowsPerMinute: ['BFF_FLOWS_PER_MINUTE', 'flows one client IP may start per minute (default 30)'],
  logLevel: ['BFF_LOG_LEVEL', 'pino log level (default info)'],
  certificateWarningDays: [
    'BFF_CERT_WARNING_DAYS',
    'days before the QWAC or QSealC expires from which start-up logs a warning (default 30)',
  ],
  consentWarningDays: [
    'BFF_CONSENT_WARNING_DAYS',
    'days before a consent ends from which its session is `expiring`, so the customer can renew it in time (default 14; 0: never)',
  ],
  widgetDir: [
    'BFF_WIDGET_DIR',
    'folder of the widget drop-in build to serve at /bank-connect.js (default: the installed @bank-connect/widget)',
  ],
  partnerKeys: [
    'BFF_PARTNER_KEYS',
    'comma-separated <name>:<sha256> entries of the partner API keys that may call /partner/v1 (npm run partner-key makes one); none: the partner-server API refuses every call',
  ],
  metrics: ['BFF_METRICS', 'true: serve Prometheus metrics at GET /metrics (default false)'],
  metricsPort: [
    'BFF_METRICS_PORT',
    'serve /metrics on this port only, not on the API port (needs BFF_METRICS; 0 picks a free one)',
  ],
  webhookUrls: [
    'BFF_WEBHOOK_URLS',
    'comma-separated HTTPS endpoints of the partner that receive signed webhooks (http only on localhost); none: no webhooks',
  ],
  webhookSecret: [
    'BFF_WEBHOOK_SECRET',
    'whsec_ and the base64 of at least 24 random bytes: the key webhooks are signed with (required with BFF_WEBHOOK_URLS)',
  ],
  webhookSecretPrevious: [
    'BFF_WEBHOOK_SECRET_PREVIOUS',
    'during a rotation, the secret being replaced: webhooks carry a signature with each',
  ],
  webhookCaFile: [
    'BFF_WEBHOOK_CA',
    'PEM file of extra certificate authorities to trust for the webhook endpoints (private PKI)',
  ],
  webhookTimeoutMs: [
    'BFF_WEBHOOK_TIMEOUT_MS',
    'how long an endpoint may take to answer a webhook, in ms (default 10000)',
  ],
} as const;

export type SettingName = keyof typeof SETTINGS;

const origin = z
  .url({ protocol: /^https?$/ })
  .refine((value) => URL.canParse(value) && new URL(value).origin === value, {
    message: 'must be an origin: scheme, host and port only, no path or trailing slash',
  });

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A webhook endpoint: HTTPS, or plain HTTP to this machine only (development). */
const webhookUrl = z
  .string()
  .refine((value) => URL.canParse(value), { message: 'must be an absolute URL' })
  .refine(
    (value) => {
      const url = new URL(value);
      return (
        url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
      );
    },
    { message: 'must be https:// (http:// only to localhost or 127.0.0.1)' },
  )
  .refine((value) => !new URL(value).username && !new URL(value).password, {
    message: 'must carry no credentials: the signature authenticates the BFF',
  });

/** Standard Webhooks' secret form: `whsec_` and base64, at least 24 bytes (192 bits). */
const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64')
  .refine((value) => Buffer.from(value.slice('whsec_'.length), 'base64').length >= 24, {
    message: 'must hold at least 24 random bytes',
  });

const boolean = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

/** A list: a JSON array in the file, or comma-separated in a variable (blanks dropped). */
const commaList = z.union([
  z.array(z.string()),
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ),
]);

const settingsSchema = z.object({
  host: z.string().min(1).default('localhost'),
  port: z.coerce.number().int().min(0).max(65_535).default(8080),
  clientId: z
    .string()
    .regex(/^PSD[A-Z]{2}-[A-Z0-9]+-[A-Za-z0-9.-]+$/, 'must look like PSDFR-ACPR-12345'),
  redirectUri: z.url({ protocol: /^https?$/ }),
  qwacCertFile: z.string().min(1),
  qwacKeyFile: z.string().min(1),
  previousQwacCertFile: z.string().min(1).optional(),
  previousQwacKeyFile: z.string().min(1).optional(),
  qsealcCertFile: z.string().min(1),
  qsealcKeyFile: z.string().min(1),
  qsealcUrl: z.url({ protocol: /^https?$/ }),
  allowedOrigins: commaList.pipe(z.array(origin).min(1, 'at least one origin is required')),
  registryFile: z.string().min(1),
  sessionStore: z
    .string()
    .regex(/^(?:sqlite:.+|rediss?:\/\/.+)$/, 'must be sqlite:<file>, redis://… or rediss://…')
    .default('sqlite:.data/sessions.sqlite'),
  sealingKeys: commaList
    .pipe(
      z
        .array(
          z
            .string()
            .regex(/^[A-Za-z0-9_-]{43}$/, 'each key is 32 bytes in base64url (43 characters)'),
        )
        .min(1),
    )
    .optional(),
  cookieMode: boolean.default(false),
  allowBearerHandles: boolean.default(false),
  dpopNonce: boolean.default(false),
  dpopWindowSeconds: z.coerce.number().int().min(5).max(300).default(60),
  // Express's `trust proxy`: true/false, a hop count, or addresses and subnets.
  trustProxy: z
    .union([z.boolean(), z.number().int().min(0), z.string().min(1)])
    .default(false)
    .transform((value) => {
      if (typeof value !== 'string') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return /^\d+$/.test(value) ? Number(value) : value;
    }),
  bankTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
  flowTtlSeconds: z.coerce.number().int().min(60).max(3_600).default(600),
  flowsPerMinute: z.coerce.number().int().min(1).max(10_000).default(30),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  widgetDir: z.string().min(1).optional(),
  certificateWarningDays: z.coerce.number().int().min(1).max(3_650).default(30),
  consentWarningDays: z.coerce.number().int().min(0).max(90).default(14),
  partnerKeys: commaList.default([]).transform((entries, context) => {
    try {
      return parsePartnerKeys(entries);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  metrics: boolean.default(false),
  metricsPort: z.coerce.number().int().min(0).max(65_535).optional(),
  webhookUrls: z
    .union([
      z.array(z.string()),
      z.string().transform((value) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(webhookUrl))
    .optional(),
  webhookSecret: webhookSecret.optional(),
  webhookSecretPrevious: webhookSecret.optional(),
  webhookCaFile: z.string().min(1).optional(),
  webhookTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(10_000),
});

export interface BffConfig {
  host: string;
  port: number;
  clientId: string;
  redirectUri: string;
  qwac: { cert: string; key: string; notAfter: Date; thumbprint: string };
  /**
   * The QWAC the current one replaced, still valid: presented only with tokens bound to it that
   * have no refresh token to rebind them (RFC 8705 §3).
   */
  previousQwac?: { cert: string; key: string; notAfter: Date; thumbprint: string };
  qsealc: { cert: string; privateKey: KeyObject; url: string; notAfter: Date };
  allowedOrigins: string[];
  registryFile: string;
  sessionStore: string;
  /** The first seals; every key opens (key rotation). */
  sealingKeys: Buffer[];
  cookieMode: boolean;
  /** Whether unbound handles are accepted as `Authorization: Bearer` (migration only). */
  allowBearerHandles: boolean;
  /** Whether DPoP proofs must carry the BFF's nonce. */
  dpopNonce: boolean;
  /** How far a proof's `iat` may be from now, either way, in seconds. */
  dpopWindowSeconds: number;
  trustProxy: boolean | number | string;
  bankTimeoutMs: number;
  flowTtlSeconds: number;
  flowsPerMinute: number;
  logLevel: string;
  certificateWarningDays: number;
  /** Days before a consent ends from which `GET /v1/session` says `expiring`. */
  consentWarningDays: number;
  /** The widget drop-in build to serve; the installed @bank-connect/widget when absent. */
  widgetDir?: string;
  /** The partner API keys (names and hashes) that `/partner/v1` accepts. */
  partnerKeys: PartnerKey[];
  /** Whether the BFF keeps Prometheus metrics and serves them. */
  metrics: boolean;
  /** The port that alone serves `/metrics`; absent, the router serves it with the API. */
  metricsPort?: number;
  /** Where signed webhooks go; absent, the BFF records and sends none. */
  webhooks?: WebhookSettings;
}

/** The partner's webhook endpoints and how to sign and send to them. */
export interface WebhookSettings {
  /** Each endpoint gets every event. */
  urls: string[];
  /** Every webhook is signed with each (`whsec_…`): the current secret, then the previous one. */
  secrets: string[];
  /** Extra CAs (PEM) to trust for the endpoints, besides Node's own. */
  ca?: string;
  timeoutMs: number;
}

/** A configuration problem: the process prints it and stops. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder relative paths are resolved against (default: the working directory). */
  cwd?: string;
  now?: Date;
}

function readSettings(env: NodeJS.ProcessEnv, cwd: string): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const file = env.BFF_CONFIG_FILE;
  if (file) {
    const full = path.resolve(cwd, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(full, 'utf8'));
    } catch (error) {
      throw new ConfigError(`BFF_CONFIG_FILE ${full}: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`BFF_CONFIG_FILE ${full}: must hold a JSON object`);
    }
    for (const key of Object.keys(parsed)) {
      if (!(key in SETTINGS))
        throw new ConfigError(`BFF_CONFIG_FILE ${full}: unknown setting "${key}"`);
    }
    Object.assign(raw, parsed);
  }
  for (const [name, [variable]] of Object.entries(SETTINGS)) {
    const value = env[variable];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  return raw;
}

function readPem(variable: string, file: string, cwd: string): string {
  const full = path.resolve(cwd, file);
  try {
    return readFileSync(full, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${variable}: cannot read ${full} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** What the BFF keeps of a checked certificate. */
export interface CheckedCertificate {
  key: KeyObject;
  /** The end of its validity: operators are warned before it (`certificateWarningDays`). */
  notAfter: Date;
  /** SHA-256 of its DER, base64url: the `x5t#S256` banks bind tokens to (RFC 8705 §3.1). */
  thumbprint: string;
}

/** Whole days from `now` to a certificate's `notAfter`: what /readyz, logs and metrics report. */
export function countDaysLeft(notAfter: Date, now: number): number {
  return Math.floor((notAfter.getTime() - now) / 86_400_000);
}

/**
 * Checks an eIDAS certificate and its key: parseable, within its validity, matching key, and an
 * organizationIdentifier equal to `client_id` (ETSI TS 119 495 §5.2.1): a QSealC of another TPP
 * would sign every request with someone else's name.
 */
export function checkCertificate(
  label: 'QWAC' | 'QSealC',
  certPem: string,
  keyPem: string,
  clientId: string,
  now: Date,
  variable: string = label === 'QWAC' ? 'BFF_QWAC_CERT' : 'BFF_QSEALC_CERT',
): CheckedCertificate {
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new ConfigError(`${variable}: the ${label} is not a PEM certificate`);
  }
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new ConfigError(
      `${variable.replace('_CERT', '_KEY')}: the ${label} key is not a PEM private key`,
    );
  }
  if (new Date(cert.validTo) <= now) {
    throw new ConfigError(
      `${variable}: the ${label} expired on ${new Date(cert.validTo).toISOString()}`,
    );
  }
  if (new Date(cert.validFrom) > now) {
    throw new ConfigError(
      `${variable}: the ${label} is not valid before ${new Date(cert.validFrom).toISOString()}`,
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw new ConfigError(
      `${variable.replace('_CERT', '_KEY')}: the key does not match the ${label}`,
    );
  }
  const organizationId = /(?:^|\n)(?:organizationIdentifier|2\.5\.4\.97)=([^\n]+)/.exec(
    cert.subject,
  )?.[1];
  if (organizationId !== clientId) {
    throw new ConfigError(
      `BFF_CLIENT_ID: ${clientId} does not match the ${label} organizationIdentifier ${organizationId ?? '(none)'}`,
    );
  }
  return {
    key,
    notAfter: new Date(cert.validTo),
    thumbprint: createHash('sha256').update(cert.raw).digest('base64url'),
  };
}

/**
 * The previous QWAC, when both of its files are set: a valid certificate of this TPP, other than
 * the current one. An expired one is refused like any: remove it from the settings.
 */
function readPreviousQwac(
  settings: { clientId: string; previousQwacCertFile?: string; previousQwacKeyFile?: string },
  cwd: string,
  now: Date,
  currentThumbprint: string,
): BffConfig['previousQwac'] {
  const { previousQwacCertFile: certFile, previousQwacKeyFile: keyFile } = settings;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigError('BFF_QWAC_PREVIOUS_CERT and BFF_QWAC_PREVIOUS_KEY: set both, or neither');
  }
  const cert = readPem('BFF_QWAC_PREVIOUS_CERT', certFile, cwd);
  const key = readPem('BFF_QWAC_PREVIOUS_KEY', keyFile, cwd);
  const checked = checkCertificate(
    'QWAC',
    cert,
    key,
    settings.clientId,
    now,
    'BFF_QWAC_PREVIOUS_CERT',
  );
  if (checked.thumbprint === currentThumbprint) {
    throw new ConfigError('BFF_QWAC_PREVIOUS_CERT: is the current QWAC (BFF_QWAC_CERT)');
  }
  return { cert, key, notAfter: checked.notAfter, thumbprint: checked.thumbprint };
}

/** The webhook settings, when endpoints are set: endpoints and secret go together. */
function readWebhookSettings(
  settings: {
    webhookUrls?: string[] | undefined;
    webhookSecret?: string | undefined;
    webhookSecretPrevious?: string | undefined;
    webhookCaFile?: string | undefined;
    webhookTimeoutMs: number;
  },
  cwd: string,
): WebhookSettings | undefined {
  const urls = settings.webhookUrls ?? [];
  if (urls.length === 0) {
    if (settings.webhookSecret !== undefined) {
      throw new ConfigError('BFF_WEBHOOK_SECRET: set BFF_WEBHOOK_URLS as well, or neither');
    }
    return undefined;
  }
  if (settings.webhookSecret === undefined) {
    throw new ConfigError('BFF_WEBHOOK_SECRET: is required with BFF_WEBHOOK_URLS');
  }
  if (settings.webhookSecretPrevious === settings.webhookSecret) {
    throw new ConfigError('BFF_WEBHOOK_SECRET_PREVIOUS: is BFF_WEBHOOK_SECRET already');
  }
  return {
    urls,
    secrets: [
      settings.webhookSecret,
      ...(settings.webhookSecretPrevious ? [settings.webhookSecretPrevious] : []),
    ],
    ...(settings.webhookCaFile
      ? { ca: readPem('BFF_WEBHOOK_CA', settings.webhookCaFile, cwd) }
      : {}),
    timeoutMs: settings.webhookTimeoutMs,
  };
}

/** Development only: a sealing key generated once into a git-ignored file, with a warning. */
function readDevelopmentSealingKey(cwd: string, warn: (message: string) => void): string {
  const file = path.resolve(cwd, '.data/sealing-key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  }
  warn(`BFF_SEALING_KEYS is not set: using the development key in ${file}; set it in production`);
  return readFileSync(file, 'utf8').trim();
}

/** Loads, validates and checks the configuration, or throws a ConfigError naming the problem. */
export function loadConfig(
  options: LoadConfigOptions = {},
  warn: (message: string) => void = () => {},
): BffConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const parsed = settingsSchema.safeParse(readSettings(env, cwd));
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '') as SettingName;
      const variable = SETTINGS[name]?.[0] ?? name;
      return `${variable}: ${issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message}`;
    });
    throw new ConfigError(messages.join('; '));
  }
  const settings = parsed.data;
  const now = options.now ?? new Date();
  const qwac = {
    cert: readPem('BFF_QWAC_CERT', settings.qwacCertFile, cwd),
    key: readPem('BFF_QWAC_KEY', settings.qwacKeyFile, cwd),
  };
  const checkedQwac = checkCertificate('QWAC', qwac.cert, qwac.key, settings.clientId, now);
  const previousQwac = readPreviousQwac(settings, cwd, now, checkedQwac.thumbprint);
  const qsealcCert = readPem('BFF_QSEALC_CERT', settings.qsealcCertFile, cwd);
  const checkedQsealc = checkCertificate(
    'QSealC',
    qsealcCert,
    readPem('BFF_QSEALC_KEY', settings.qsealcKeyFile, cwd),
    settings.clientId,
    now,
  );
  const production = env.NODE_ENV === 'production';
  if (!settings.sealingKeys && production)
    throw new ConfigError('BFF_SEALING_KEYS: is required in production');
  const sealingKeys = (settings.sealingKeys ?? [readDevelopmentSealingKey(cwd, warn)]).map((key) =>
    Buffer.from(key, 'base64url'),
  );
  const registryFile = path.resolve(cwd, settings.registryFile);
  if (!existsSync(registryFile))
    throw new ConfigError(`BFF_REGISTRY: ${registryFile} does not exist`);
  if (settings.metricsPort !== undefined && !settings.metrics) {
    throw new ConfigError('BFF_METRICS_PORT: metrics are off: set BFF_METRICS=true as well');
  }
  // Port 0 twice is two free ports; any other port twice would fail to bind, later and less clearly.
  if (settings.metricsPort && settings.metricsPort === settings.port) {
    throw new ConfigError(`BFF_METRICS_PORT: ${settings.metricsPort} is BFF_PORT already`);
  }
  const webhooks = readWebhookSettings(settings, cwd);
  const sessionStore = settings.sessionStore.startsWith('sqlite:')
    ? `sqlite:${path.resolve(cwd, settings.sessionStore.slice('sqlite:'.length))}`
    : settings.sessionStore;
  return {
    host: settings.host,
    port: settings.port,
    clientId: settings.clientId,
    redirectUri: settings.redirectUri,
    qwac: { ...qwac, notAfter: checkedQwac.notAfter, thumbprint: checkedQwac.thumbprint },
    ...(previousQwac ? { previousQwac } : {}),
    qsealc: {
      cert: qsealcCert,
      privateKey: checkedQsealc.key,
      url: settings.qsealcUrl,
      notAfter: checkedQsealc.notAfter,
    },
    allowedOrigins: settings.allowedOrigins,
    registryFile,
    sessionStore,
    sealingKeys,
    cookieMode: settings.cookieMode,
    allowBearerHandles: settings.allowBearerHandles,
    dpopNonce: settings.dpopNonce,
    dpopWindowSeconds: settings.dpopWindowSeconds,
    trustProxy: settings.trustProxy,
    bankTimeoutMs: settings.bankTimeoutMs,
    flowTtlSeconds: settings.flowTtlSeconds,
    flowsPerMinute: settings.flowsPerMinute,
    logLevel: settings.logLevel,
    certificateWarningDays: settings.certificateWarningDays,
    consentWarningDays: settings.consentWarningDays,
    ...(settings.widgetDir ? { widgetDir: path.resolve(cwd, settings.widgetDir) } : {}),
    partnerKeys: settings.partnerKeys,
    metrics: settings.metrics,
    ...(settings.metricsPort === undefined ? {} : { metricsPort: settings.metricsPort }),
    ...(webhooks ? { webhooks } : {}),
  };
}
