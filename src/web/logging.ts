import { context, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from '../config/index.ts';

/**
 * Logging for the hub: one pino configuration, used by Fastify (`Fastify({ loggerInstance })` or
 * `Fastify({ logger: loggerOptions(config) })`).
 *
 * What never reaches a log line:
 *  - the query string: OIDC front-channel URLs carry `code`, `state`, `request_uri`, `login_hint`
 *    and `id_token_hint`; we log the path and the route pattern only;
 *  - request and response bodies and headers (the serializers below whitelist fields);
 *  - any value under a key that names a secret (token, secret, password, key, code, nonce,
 *    assertion, cookie, authorization, dpop, verifier, credential, hint), at any depth of a plain
 *    object that is logged, and the usual header paths through pino's own `redact` as a second net;
 *  - any value under a key that names a classified attribute: every claim of the trust framework
 *    above the public rank (0), and the scheme-native names it is read from (`classified`, derived
 *    by trust's `classifiedFieldNames`), at any depth, and at the top level and one level down
 *    through pino's `redact` too. Classification, not a hand-kept list, decides.
 * Our own structured fields use names that do not collide: `errorCode`, `statusCode`.
 */
export const REDACTED = '[Redacted]';

const SENSITIVE_KEY =
  /token|secret|passw(or)?d|key|code|nonce|assertion|authori[sz]ation|cookie|dpop|verifier|credential|hint|request_uri|^state$/i;
/** Keys whose string values are URLs: their query strings (codes, states, hints) are dropped. */
const URL_KEY = /ur[il]$|href$|location$|referr?er$/i;
/** Keys that match the pattern above but carry no secret, and that logs need. */
const SAFE_KEYS = new Set(['statusCode', 'errorCode']);

/** pino `redact` paths: header locations, in case a raw header object is ever logged. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.dpop',
  'req.headers["set-cookie"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers.dpop',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers.dpop',
  '*.headers["set-cookie"]',
];

export function isSensitiveKey(key: string): boolean {
  return !SAFE_KEYS.has(key) && SENSITIVE_KEY.test(key);
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Copy `value`, replacing the value of every sensitive key and every `classified` key. Walks only
 * plain objects and arrays (a raw request or an Error is left to its serializer), to a bounded depth,
 * safe against cycles.
 */
export function redactDeep(
  value: unknown,
  depth = 0,
  seen = new WeakSet<object>(),
  classified: ReadonlySet<string> = NONE,
): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (seen.has(value)) return '[Circular]';
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((v) => redactDeep(v, depth + 1, seen, classified));
  }
  if (!isPlainObject(value)) return value;
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSensitiveKey(k) || classified.has(k)) out[k] = REDACTED;
    else if (typeof v === 'string' && URL_KEY.test(k)) out[k] = withoutQuery(v);
    else out[k] = redactDeep(v, depth + 1, seen, classified);
  }
  return out;
}

/** pino `redact` paths for classified keys: at the top level and one level down (`*.name`). */
export function classifiedRedactPaths(classified: Iterable<string>): string[] {
  return [...classified].flatMap((k) => {
    const seg = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `[${JSON.stringify(k)}]`;
    return seg.startsWith('[') ? [seg, `*${seg}`] : [seg, `*.${seg}`];
  });
}

/**
 * Plain data, as opposed to instances with their own serializers. Besides `{}` and
 * `Object.create(null)` this accepts the dictionary objects of fast-querystring (Fastify's
 * `request.query`), whose prototype is itself a null-prototype object.
 */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || proto === Object.prototype) return true;
  return (
    typeof proto === 'object' && !Object.hasOwn(proto, 'constructor') && Object.getPrototypeOf(proto) === null
  );
}

/** The path of a request URL without its query string (or fragment, which browsers never send). */
export function pathOnly(url: string | undefined): string {
  if (!url) return '';
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}

/** Connection strings in messages (`postgres://user:password@host`) lose their credentials. */
function withoutUserinfo(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1[Redacted]@');
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type Level = (typeof LEVELS)[number];

/**
 * The level for a noisy route (health probes, static files): at least `warn`, never chattier than
 * the configured level (Fastify's route `logLevel` replaces the instance's level, it does not cap it).
 */
export function quietLevel(configured: string | undefined): Level {
  const i = Math.max(LEVELS.indexOf((configured ?? 'info') as Level), LEVELS.indexOf('warn'));
  return LEVELS[i] ?? 'warn';
}

function withoutQuery(url: string): string {
  const q = url.search(/[?#]/);
  return q === -1 ? url : `${url.slice(0, q)}?[Redacted]`;
}

interface LoggableRequest {
  method?: string;
  url?: string;
  id?: unknown;
  routeOptions?: { url?: string };
}

/** Method, route pattern and path; never the query, headers, body or client address. */
function serializeRequest(req: LoggableRequest): Record<string, unknown> {
  return {
    method: req.method,
    route: req.routeOptions?.url,
    path: pathOnly(req.url),
  };
}

function serializeResponse(res: { statusCode?: number }): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

/**
 * pino's error serializer (type, message, stack, cause chain, own enumerable fields) with the
 * sensitive-key redaction applied to the fields an error carries (`detail`, library extras such as
 * an HTTP client's `response`). The error's own `code` is an error code, not an OAuth code.
 */
function serializeError(err: unknown, classified: ReadonlySet<string> = NONE): unknown {
  if (!(err instanceof Error)) return redactDeep(err, 0, undefined, classified);
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const redacted: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out)) {
    if (k === 'message' || k === 'stack') redacted[k] = typeof v === 'string' ? withoutUserinfo(v) : v;
    else if (k === 'code' || k === 'type') redacted[k] = v;
    else redacted[k] = isSensitiveKey(k) ? REDACTED : redactDeep(v, 0, undefined, classified);
  }
  return redacted;
}

export interface LoggerRedaction {
  /**
   * Keys whose values are classified above public (trust's `classifiedFieldNames`): redacted at
   * any depth. The composition root passes them; a logger made without them redacts only secrets.
   */
  classified?: Iterable<string>;
}

/**
 * Marks a request's child logger whose bindings already carry the request span's `trace_id` and
 * `span_id` (src/web/tracing.ts): the mixin below then adds nothing, so no key appears twice.
 */
export const REQUEST_TRACE_BOUND = Symbol('govbridge.requestTraceBound');

/**
 * The trace of the active span on every line logged outside a request's own logger (the login
 * service, the connectors and workers log through the root logger): `trace_id` and `span_id`, the
 * names of the OpenTelemetry log data model. Nothing when no span is active.
 */
function traceMixin(_obj: object, _level: number, logger: unknown): Record<string, string> {
  if ((logger as Record<symbol, unknown> | undefined)?.[REQUEST_TRACE_BOUND]) return {};
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const ids = span.spanContext();
  return trace.isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

export function loggerOptions(
  config: Pick<Config, 'logLevel'>,
  redaction: LoggerRedaction = {},
): LoggerOptions {
  const classified: ReadonlySet<string> = new Set(redaction.classified ?? []);
  return {
    level: config.logLevel,
    mixin: traceMixin,
    redact: { paths: [...REDACT_PATHS, ...classifiedRedactPaths(classified)], censor: REDACTED },
    serializers: {
      req: serializeRequest,
      res: serializeResponse,
      err: (err: unknown) => serializeError(err, classified),
    },
    formatters: {
      // Runs on every logged object before serializers: catches secrets and classified
      // attributes in ad-hoc fields.
      log: (obj) => redactDeep(obj, 0, undefined, classified) as Record<string, unknown>,
      bindings: (bindings) => redactDeep(bindings, 0, undefined, classified) as Record<string, unknown>,
    },
  };
}

/** A pino logger for the hub; tests pass a destination to read what was written. */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  destination?: DestinationStream,
  redaction: LoggerRedaction = {},
): Logger {
  return destination
    ? pino(loggerOptions(config, redaction), destination)
    : pino(loggerOptions(config, redaction));
}
