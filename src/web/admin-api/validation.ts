import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { FastifySchema, FastifySchemaValidationError } from 'fastify';
import { GovbridgeError } from '../../kernel/index.ts';

/**
 * How the admin API validates requests against its schemas (schemas.ts), and how failures read.
 *
 * Not Fastify's default Ajv, whose `coerceTypes` would quietly turn a body's `"maxAttempts": "5"`
 * into 5 and `"name": 7` into "7", and whose `removeAdditional` would drop a misspelt field: the
 * body is validated exactly (no coercion, unknown fields refused, every problem listed). Path and
 * query parameters are text on the wire, so there numbers are coerced (`?limit=20`).
 */
const exact = new Ajv2020({ allErrors: true, coerceTypes: false, useDefaults: true, verbose: true });
const coercing = new Ajv2020({ allErrors: true, coerceTypes: true, useDefaults: true, verbose: true });

export function adminValidatorCompiler({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) {
  return (httpPart === 'body' ? exact : coercing).compile(schema as object);
}

/** Which part of the request failed (Fastify's `SchemaErrorDataVar`, not exported from its root). */
type Part = 'body' | 'headers' | 'params' | 'querystring';

/** Schema failures as one `bad_request` naming every field, for the error mapping's problem+json. */
export function formatAdminSchemaErrors(errors: FastifySchemaValidationError[], part: Part): GovbridgeError {
  const messages = [...new Set(errors.map((e) => describe(e as unknown as ErrorObject, part)))];
  return new GovbridgeError('bad_request', messages.join('; '), { detail: { problems: messages } });
}

function fieldOf(e: ErrorObject, part: Part): string {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  if (part === 'querystring') return path ? `query parameter ${path}` : 'the query string';
  if (part === 'params') return path ? `path parameter ${path}` : 'the path';
  return path;
}

function describe(e: ErrorObject, part: Part): string {
  const field = fieldOf(e, part);
  const subject = field || 'The request body';
  const p = e.params as Record<string, unknown>;
  const at = field && part === 'body' ? `${field}.` : '';
  switch (e.keyword) {
    case 'type':
      return `${subject} must be ${typeName(p['type'])}`;
    case 'required':
      return `${at}${String(p['missingProperty'])} is required`;
    case 'additionalProperties':
      return `${at}${String(p['additionalProperty'])} is not a field this request accepts`;
    case 'enum':
      return `${subject} must be one of ${(p['allowedValues'] as unknown[]).join(', ')}`;
    case 'pattern': {
      const description = (e.parentSchema as { description?: unknown } | undefined)?.description;
      // The schema's description says what is expected ("An agency id: 1 to 80 letters, …").
      return typeof description === 'string'
        ? `${subject} is not valid: expected ${description.charAt(0).toLowerCase()}${description.slice(1).replace(/\.$/, '')}`
        : `${subject} is not valid`;
    }
    case 'minimum':
      return `${subject} must be at least ${String(p['limit'])}`;
    case 'maximum':
      return `${subject} must be at most ${String(p['limit'])}`;
    case 'minLength':
      return `${subject} must not be empty`;
    case 'maxLength':
      return `${subject} is too long (at most ${String(p['limit'])} characters)`;
    case 'minItems':
      return `${subject} must list at least ${String(p['limit'])}`;
    case 'maxItems':
      return `${subject} lists too many (at most ${String(p['limit'])})`;
    default:
      return `${subject} ${e.message ?? 'is not valid'}`;
  }
}

function typeName(type: unknown): string {
  switch (type) {
    case 'object':
      return 'a JSON object';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${String(type)}`;
  }
}
