/**
 * Configuration: the only module that reads `process.env`.
 *
 * Every setting is an environment variable (prefixed `SWITCHBOARD_`, plus the conventional `PORT` and
 * `DATABASE_URL`). A config file in dotenv format (`SWITCHBOARD_CONFIG_FILE`, or `./switchboard.env` when present)
 * may set them too; real environment variables win over the file.
 *
 * Bad configuration fails at boot with a message naming the variable and what is wrong with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';

export const ROLES = ['api', 'worker', 'scheduler'] as const;
export type ProcessRole = (typeof ROLES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const intFrom = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** One row per setting: env var, default, whether it is secret, and a description (used by README and `config`). */
export const SETTINGS = {
  port: {
    env: 'SWITCHBOARD_PORT',
    default: '3000',
    secret: false,
    doc: 'HTTP port (the conventional PORT is honoured when this is unset)',
  },
  host: {
    env: 'SWITCHBOARD_HOST',
    default: '127.0.0.1',
    secret: false,
    doc: 'Interface to bind; use 0.0.0.0 to listen on all',
  },
  dataDir: {
    env: 'SWITCHBOARD_DATA_DIR',
    default: './data',
    secret: false,
    doc: 'Embedded database, generated secret key and backups live here',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    default: '',
    secret: true,
    doc: 'postgres://… to use PostgreSQL 14+; empty = embedded PGlite',
  },
  dbPoolSize: {
    env: 'SWITCHBOARD_DB_POOL_SIZE',
    default: '10',
    secret: false,
    doc: 'PostgreSQL connection pool size per process',
  },
  secretKey: {
    env: 'SWITCHBOARD_SECRET_KEY',
    default: '',
    secret: true,
    doc: '32-byte key (base64 or hex) encrypting credentials at rest; generated into the data dir in embedded mode when empty',
  },
  logLevel: {
    env: 'SWITCHBOARD_LOG_LEVEL',
    default: 'info',
    secret: false,
    doc: 'fatal | error | warn | info | debug | trace | silent',
  },
  publicUrl: {
    env: 'SWITCHBOARD_PUBLIC_URL',
    default: '',
    secret: false,
    doc: 'External URL used in links (default http://localhost:<port>)',
  },
  bootstrapEmail: {
    env: 'SWITCHBOARD_BOOTSTRAP_EMAIL',
    default: '',
    secret: false,
    doc: 'First-run owner email (with the password: no one-time password is printed)',
  },
  bootstrapPassword: {
    env: 'SWITCHBOARD_BOOTSTRAP_PASSWORD',
    default: '',
    secret: true,
    doc: 'First-run owner password (min 12 characters)',
  },
  roles: {
    env: 'SWITCHBOARD_ROLES',
    default: 'api,worker,scheduler',
    secret: false,
    doc: 'Process roles: any of api, worker, scheduler (CLI --role overrides)',
  },
  workerConcurrency: {
    env: 'SWITCHBOARD_WORKER_CONCURRENCY',
    default: '10',
    secret: false,
    doc: 'Jobs run at once per worker process',
  },
  workerHeartbeatMs: {
    env: 'SWITCHBOARD_WORKER_HEARTBEAT_MS',
    default: '5000',
    secret: false,
    doc: 'Worker heartbeat / lease extension interval',
  },
  shutdownGraceMs: {
    env: 'SWITCHBOARD_SHUTDOWN_GRACE_MS',
    default: '10000',
    secret: false,
    doc: 'On SIGTERM, time for in-flight jobs before they are released',
  },
  sessionTtlHours: {
    env: 'SWITCHBOARD_SESSION_TTL_HOURS',
    default: '168',
    secret: false,
    doc: 'Browser session lifetime (sliding; rotated on login)',
  },
  bodyLimitBytes: {
    env: 'SWITCHBOARD_BODY_LIMIT_BYTES',
    default: '1048576',
    secret: false,
    doc: 'Maximum HTTP request body size',
  },
  embeddedSync: {
    env: 'SWITCHBOARD_EMBEDDED_SYNC',
    default: 'true',
    secret: false,
    doc: 'Embedded DB: flush the WAL to disk before acknowledging a commit (group commit); false = crash-safe only, not power-loss-safe (docs/adr/0003)',
  },
  trustProxy: {
    env: 'SWITCHBOARD_TRUST_PROXY',
    default: 'false',
    secret: false,
    doc: 'Trust X-Forwarded-* headers (behind a reverse proxy)',
  },
  smtpUrl: {
    env: 'SWITCHBOARD_SMTP_URL',
    default: '',
    secret: true,
    doc: 'smtp(s)://user:pass@host:port for notification emails; empty = emails are logged, not sent',
  },
  mailFrom: {
    env: 'SWITCHBOARD_MAIL_FROM',
    default: 'switchboard@localhost',
    secret: false,
    doc: 'From address of notification emails',
  },
  connectorTimeoutMs: {
    env: 'SWITCHBOARD_CONNECTOR_TIMEOUT_MS',
    default: '30000',
    secret: false,
    doc: 'Per-request timeout of vendor API calls',
  },
  breakerHalfOpenMs: {
    env: 'SWITCHBOARD_BREAKER_HALF_OPEN_MS',
    default: '30000',
    secret: false,
    doc: "How long a connection's circuit breaker stays open before one probe request",
  },
  deliveryMaxAttempts: {
    env: 'SWITCHBOARD_DELIVERY_MAX_ATTEMPTS',
    default: '8',
    secret: false,
    doc: 'Vendor attempts of a delivery before it fails (dead letter); waiting on an open breaker or a pause does not count',
  },
  deliveryRetryBaseMs: {
    env: 'SWITCHBOARD_DELIVERY_RETRY_BASE_MS',
    default: '2000',
    secret: false,
    doc: 'First retry delay of a failed delivery attempt (exponential with jitter, capped at 15 minutes)',
  },
  webhookRetentionDays: {
    env: 'SWITCHBOARD_WEBHOOK_RETENTION_DAYS',
    default: '30',
    secret: false,
    doc: 'Days finished webhook history is kept (processed/failed inbound requests, delivered/dead outbound messages and their attempts); inbound requests are kept at least 7 days for replay protection',
  },
  webhookIngestFirstRate: {
    env: 'SWITCHBOARD_WEBHOOK_INGEST_FIRST_RATE',
    default: '300',
    secret: false,
    doc: 'Inbound webhooks per second above which this process acknowledges before it processes (processing waits up to 30 s per burst); 0 = off',
  },
  embeddedWarmupMs: {
    env: 'SWITCHBOARD_EMBEDDED_WARMUP_MS',
    default: '2000',
    secret: false,
    doc: 'Embedded database only: milliseconds spent at start, before serving, running the hottest write statements in a rolled-back transaction, so the first requests do not run on cold WebAssembly code; 0 = off',
  },
  assetAllowedHosts: {
    env: 'SWITCHBOARD_ASSET_ALLOWED_HOSTS',
    default: '',
    secret: false,
    doc: 'Comma-separated hosts that images referenced by published content may be fetched from even though they resolve to private or loopback addresses (SSRF allow-list); empty = none',
  },
  marketingPlatform: {
    env: 'MARKETING_PLATFORM',
    default: '',
    secret: false,
    doc: "sandbox, or a connector id (hubspot, marketo): create or update the default connection at start-up from that connector's <ID>_* variables (sandbox: start the local emulators and connect to them); empty = none",
  },
  marketingPlatformConfig: {
    env: 'MARKETING_PLATFORM_CONFIG',
    default: '',
    secret: false,
    doc: "JSON of the default connection's connector config (e.g. Marketo programFolderId and emailTemplateId)",
  },
  configFile: {
    env: 'SWITCHBOARD_CONFIG_FILE',
    default: './switchboard.env',
    secret: false,
    doc: 'Optional dotenv-format file with any of these settings',
  },
} as const;

export type SettingKey = keyof typeof SETTINGS;

const schema = z.object({
  port: intFrom(0, 65535),
  host: z.string().trim().min(1, 'must not be empty'),
  dataDir: z.string().trim().min(1, 'must not be empty'),
  databaseUrl: z
    .string()
    .trim()
    .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://'),
  dbPoolSize: intFrom(1, 500),
  secretKey: z
    .string()
    .trim()
    .refine((v) => v === '' || decodeKey(v) !== null, 'must be 32 bytes, base64 or hex encoded'),
  logLevel: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }),
  publicUrl: z
    .string()
    .trim()
    .refine(
      (v) => v === '' || URL.canParse(v),
      'must be an absolute URL such as https://switchboard.example.com',
    ),
  bootstrapEmail: z
    .string()
    .trim()
    .refine((v) => v === '' || z.email().safeParse(v).success, 'must be an email address'),
  bootstrapPassword: z.string().refine((v) => v === '' || v.length >= 12, 'must be at least 12 characters'),
  roles: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(ROLES, { message: `each role must be one of ${ROLES.join(', ')}` }))
        .min(1, 'needs at least one role'),
    ),
  workerConcurrency: intFrom(1, 1000),
  workerHeartbeatMs: intFrom(100, 600_000),
  shutdownGraceMs: intFrom(0, 3_600_000),
  sessionTtlHours: intFrom(1, 24 * 365),
  bodyLimitBytes: intFrom(1024, 1024 * 1024 * 1024),
  embeddedSync: bool,
  trustProxy: bool,
  smtpUrl: z
    .string()
    .trim()
    .refine((v) => v === '' || /^smtps?:\/\/[^\s]+$/.test(v), 'must start with smtp:// or smtps://'),
  mailFrom: z.string().trim().min(3, 'must be an address such as "Switchboard <noreply@example.com>"'),
  connectorTimeoutMs: intFrom(100, 600_000),
  breakerHalfOpenMs: intFrom(10, 3_600_000),
  deliveryMaxAttempts: intFrom(1, 1000),
  deliveryRetryBaseMs: intFrom(1, 3_600_000),
  webhookRetentionDays: intFrom(1, 3650),
  webhookIngestFirstRate: intFrom(0, 1_000_000),
  embeddedWarmupMs: intFrom(0, 60_000),
  assetAllowedHosts: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((h) =>
          h
            .trim()
            .toLowerCase()
            .replace(/^\[(.*)\]$/, '$1'),
        )
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9.:_-]{1,253}$/, 'must be host names or IPs, no ports or paths'))),
  // Which ids exist is the connector registry's business: the connections module checks it at start-up.
  marketingPlatform: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^([a-z][a-z0-9-]*)?$/, 'must be sandbox or a connector id such as hubspot (or empty)'),
  marketingPlatformConfig: z
    .string()
    .trim()
    .refine((v) => v === '' || isJsonObject(v), 'must be a JSON object such as {"programFolderId":12}'),
  configFile: z.string(),
});

type Parsed = z.infer<typeof schema>;

export type Config = Omit<Parsed, 'roles' | 'publicUrl' | 'dataDir' | 'secretKey'> & {
  roles: ProcessRole[];
  publicUrl: string;
  /** Absolute path. */
  dataDir: string;
  /** Decoded key, or null when it must be generated/loaded from the data dir (embedded mode). */
  secretKey: Buffer | null;
  /** True when DATABASE_URL is empty. */
  embedded: boolean;
  /**
   * The MARKETING_PLATFORM connector's own variables: every set variable named `<ID>_…` (`HUBSPOT_ACCESS_TOKEN`),
   * from the environment or the config file. The connector's manifest says which it reads and where they go; this
   * module stays vendor-neutral, so adding a vendor never touches it.
   */
  platformEnv: Readonly<Record<string, string>>;
};

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('Invalid configuration:\n' + problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Decodes a 32-byte key from base64 or hex; null when it is not exactly 32 bytes. */
export function decodeKey(text: string): Buffer | null {
  const hex = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : null;
  const key = hex ?? (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : null);
  return key && key.length === 32 ? key : null;
}

/**
 * Builds the configuration from an environment record (defaults to `process.env`) and an optional config file.
 * Pure apart from reading the config file; tests pass their own env.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Config {
  const fileVars = readConfigFile(env, cwd);
  const pick = (key: SettingKey): string => {
    const s = SETTINGS[key];
    const fromEnv = env[s.env] ?? fileVars[s.env];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (key === 'port') return env.PORT ?? fileVars.PORT ?? s.default;
    return s.default;
  };
  const raw = Object.fromEntries((Object.keys(SETTINGS) as SettingKey[]).map((k) => [k, pick(k)]));
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = String(issue.path[0]) as SettingKey;
        const variable =
          key === 'port' && !env.SWITCHBOARD_PORT && env.PORT ? 'PORT' : (SETTINGS[key]?.env ?? key);
        return {
          variable,
          message: `${issue.message} (got ${JSON.stringify(SETTINGS[key]?.secret ? '<redacted>' : raw[key])})`,
        };
      }),
    );
  }
  const c = result.data;
  const problems: { variable: string; message: string }[] = [];
  if ((c.bootstrapEmail === '') !== (c.bootstrapPassword === '')) {
    problems.push({
      variable: c.bootstrapEmail ? 'SWITCHBOARD_BOOTSTRAP_PASSWORD' : 'SWITCHBOARD_BOOTSTRAP_EMAIL',
      message: 'SWITCHBOARD_BOOTSTRAP_EMAIL and SWITCHBOARD_BOOTSTRAP_PASSWORD must be set together',
    });
  }
  const embedded = c.databaseUrl === '';
  if (problems.length) throw new ConfigError(problems);
  return {
    ...c,
    roles: [...new Set(c.roles)],
    dataDir: resolve(cwd, c.dataDir),
    publicUrl: (c.publicUrl || `http://localhost:${c.port}`).replace(/\/$/, ''),
    secretKey: c.secretKey ? decodeKey(c.secretKey) : null,
    embedded,
    platformEnv: collectPlatformEnv(c.marketingPlatform, env, fileVars),
  };
}

/** The prefix of a connector's environment variables: `hubspot` → `HUBSPOT_`, `google-ads` → `GOOGLE_ADS_`. */
export function platformEnvPrefix(connectorId: string): string {
  return `${connectorId.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_`;
}

function collectPlatformEnv(
  platform: string,
  env: Record<string, string | undefined>,
  fileVars: Record<string, string | undefined>,
): Record<string, string> {
  if (platform === '' || platform === 'sandbox') return {};
  const prefix = platformEnvPrefix(platform);
  const out: Record<string, string> = {};
  for (const source of [fileVars, env]) {
    for (const [name, value] of Object.entries(source)) {
      const v = value?.trim();
      if (name.startsWith(prefix) && v) out[name] = v;
    }
  }
  return out;
}

function readConfigFile(
  env: Record<string, string | undefined>,
  cwd: string,
): Record<string, string | undefined> {
  const explicit = env[SETTINGS.configFile.env];
  const path = resolve(cwd, explicit || SETTINGS.configFile.default);
  if (!existsSync(path)) {
    if (explicit) {
      throw new ConfigError([{ variable: SETTINGS.configFile.env, message: `file not found: ${path}` }]);
    }
    return {};
  }
  return parseEnv(readFileSync(path, 'utf8'));
}

/** The effective configuration as printable rows, with secrets redacted. */
export function describeConfig(
  config: Config,
): { setting: SettingKey | 'platformEnv'; env: string; value: string; default: string }[] {
  const rows = (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const s = SETTINGS[key];
    const value = (config as unknown as Record<string, unknown>)[key];
    let shown: string;
    if (s.secret) shown = value === '' || value === null || value === undefined ? '(unset)' : '<redacted>';
    else shown = Array.isArray(value) ? value.join(',') : String(value);
    if (key === 'databaseUrl' && config.databaseUrl) shown = redactUrl(config.databaseUrl);
    return { setting: key, env: s.env, value: shown, default: s.default };
  });
  // Which vendor variables are secret only the connector knows: all are redacted here.
  const vendor = Object.keys(config.platformEnv)
    .sort()
    .map((name) => ({ setting: 'platformEnv' as const, env: name, value: '<redacted>', default: '' }));
  return [...rows, ...vendor];
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<redacted>';
  }
}

/** Test-only knobs the test harness reads; kept here so no other module touches process.env. */
export function readTestEnv(env: Record<string, string | undefined> = process.env): {
  databaseUrl: string | null;
  templateFile: string | null;
} {
  return {
    databaseUrl: env.TEST_DATABASE_URL || null,
    templateFile: env.SWITCHBOARD_TEST_TEMPLATE || null,
  };
}

/** The process environment, for entry points that pass it on to `loadConfig`. */
export function processEnv(): Record<string, string | undefined> {
  return process.env;
}
