import type { FastifySchemaValidationError } from 'fastify';
import { GovbridgeError } from '../../kernel/index.ts';
import { JOURNEY_FIELDS } from './schemas.ts';

/**
 * Schema validation failures as `bad_request` errors whose message names the field in the
 * request's own terms (`facts.child_birth_order`, `eventDate`), for the one error mapping to send
 * as problem+json. Ajv's wording describes the schema ("must match format \"date\""); these say
 * what to send instead.
 */
/** Which part of the request failed (Fastify's `SchemaErrorDataVar`, not exported from its root). */
export type SchemaErrorDataVar = 'body' | 'headers' | 'params' | 'querystring';

export function formatSchemaErrors(
  errors: FastifySchemaValidationError[],
  dataVar: SchemaErrorDataVar,
): GovbridgeError {
  // Ajv reports a bad property name twice: the name's own error (carrying `propertyName`), then
  // the `propertyNames` error; keep the latter.
  const messages = errors
    .filter((e) => !('propertyName' in e) || e.keyword === 'propertyNames')
    .map((e) => describeError(e, dataVar));
  const unique = [...new Set(messages)];
  return new GovbridgeError('bad_request', unique.join('; '), { detail: { problems: unique } });
}

function fieldOf(instancePath: string, dataVar: SchemaErrorDataVar): string {
  const path = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  if (dataVar === 'body') return path;
  if (dataVar === 'querystring') return path ? `query parameter ${path}` : 'the query string';
  return path;
}

function describeError(e: FastifySchemaValidationError, dataVar: SchemaErrorDataVar): string {
  const field = fieldOf(e.instancePath, dataVar);
  const subject = field || (dataVar === 'body' ? 'The request body' : dataVar);
  const p = e.params;
  switch (e.keyword) {
    case 'type':
      if (!field && dataVar === 'body') return 'The request body must be a JSON object';
      return `${subject} must be ${article(String(p['type']))}`;
    case 'format':
      return p['format'] === 'date'
        ? `${subject} must be a real date written YYYY-MM-DD`
        : `${subject} is not a valid ${String(p['format'])}`;
    case 'required':
      return `${prefix(field)}${String(p['missingProperty'])} is required`;
    case 'propertyNames': {
      const name = String(p['propertyName']);
      if (!field && dataVar === 'body') {
        return `${name} is not a field of this request (send ${JOURNEY_FIELDS.join(', ')})`;
      }
      return `${prefix(field)}${name} is not a fact this catalogue knows`;
    }
    case 'maxProperties':
      return `${subject} has too many entries (at most ${String(p['limit'])})`;
    case 'maxLength':
      return `${subject} is too long (at most ${String(p['limit'])} characters)`;
    default:
      return `${subject} ${e.message ?? 'is not valid'}`;
  }
}

function prefix(field: string): string {
  return field ? `${field}.` : '';
}

function article(type: string): string {
  switch (type) {
    case 'object':
      return 'a JSON object';
    case 'boolean':
      return 'true or false';
    case 'integer':
      return 'a whole number';
    case 'array':
      return 'a list';
    default:
      return `a ${type}`;
  }
}
