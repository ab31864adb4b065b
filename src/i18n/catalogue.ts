import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { INTL_LOCALE, LOCALES, type Locale, PSEUDO_LOCALE, type RenderLocale } from './locales.ts';
import { pseudoLocalise } from './pseudo.ts';

/**
 * The message catalogues: one JSON file per language in `messages/` (flat keys, ICU MessageFormat
 * values: `{name}` placeholders, `{count, plural, …}`, `{code, select, …}`), compiled once at start.
 *
 * ADR 19: a catalogue is refused, with every problem listed, when any supported language lacks a key
 * English has, has a key English lacks, or has a message that does not parse, or whose placeholders
 * differ from English's. No page ever falls back to English silently.
 */
export const MESSAGES_DIR = join(import.meta.dirname, 'messages');

export type MessageValues = Record<string, string | number>;

/** Format one message for one language. Throws on a key no catalogue has (a programming error). */
export type Translate = (key: string, values?: MessageValues) => string;

export interface Catalogues {
  readonly locales: readonly Locale[];
  /** Every key (English's, which every language has). */
  readonly keys: readonly string[];
  /** The raw (uncompiled) message for a key, for tests and tools. */
  source(locale: Locale, key: string): string;
  translator(locale: RenderLocale): Translate;
}

export class CatalogueError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`The message catalogues are incomplete or invalid:\n- ${problems.join('\n- ')}`);
    this.name = 'CatalogueError';
    this.problems = problems;
  }
}

/** Read, check and compile every language's messages from `dir` (default `messages/`). */
export function loadCatalogues(dir: string = MESSAGES_DIR): Catalogues {
  const raw = {} as Record<Locale, Record<string, string>>;
  const problems: string[] = [];
  for (const locale of LOCALES) {
    try {
      raw[locale] = readMessages(join(dir, `${locale}.json`));
    } catch (err) {
      problems.push(`${locale}.json: ${err instanceof Error ? err.message : String(err)}`);
      raw[locale] = {};
    }
  }
  return compileCatalogues(raw, problems);
}

/** Check and compile catalogues already in memory (what `loadCatalogues` does after reading). */
export function compileCatalogues(
  given: Partial<Record<Locale, Record<string, string>>>,
  problems: string[] = [],
): Catalogues {
  const raw = {} as Record<Locale, Record<string, string>>;
  for (const locale of LOCALES) {
    const messages = given[locale];
    if (!messages) problems.push(`${locale}: no messages (every language needs a complete catalogue)`);
    raw[locale] = messages ?? {};
  }
  const english = raw.en;
  const keys = Object.keys(english).sort();
  const compiled = {} as Record<Locale, Map<string, IntlMessageFormat>>;
  const englishArgs = new Map<string, string>();
  for (const locale of LOCALES) {
    const messages = raw[locale];
    const map = new Map<string, IntlMessageFormat>();
    for (const key of keys) {
      if (!(key in messages)) problems.push(`${locale}: missing key "${key}"`);
    }
    for (const [key, text] of Object.entries(messages)) {
      if (!(key in english)) {
        problems.push(`${locale}: key "${key}" is not in en.json`);
        continue;
      }
      let format: IntlMessageFormat;
      try {
        format = new IntlMessageFormat(text, INTL_LOCALE[locale], undefined, { ignoreTag: true });
      } catch (err) {
        problems.push(`${locale}: "${key}" is not valid ICU MessageFormat (${(err as Error).message})`);
        continue;
      }
      const args = argumentNames(format.getAst()).sort().join(',');
      if (locale === 'en') englishArgs.set(key, args);
      else if (englishArgs.has(key) && englishArgs.get(key) !== args) {
        problems.push(
          `${locale}: "${key}" has placeholders {${args}}, en.json has {${englishArgs.get(key)}}`,
        );
      }
      map.set(key, format);
    }
    compiled[locale] = map;
  }
  if (problems.length > 0) throw new CatalogueError(problems);

  const translators = new Map<RenderLocale, Translate>();
  const translator = (locale: RenderLocale): Translate => {
    const found = translators.get(locale);
    if (found) return found;
    const messages = compiled[locale === PSEUDO_LOCALE ? 'en' : locale];
    const t: Translate = (key, values) => {
      const format = messages.get(key);
      if (!format) throw new Error(`No message "${key}"`);
      const text = String(format.format(values));
      return locale === PSEUDO_LOCALE ? pseudoLocalise(text) : text;
    };
    translators.set(locale, t);
    return t;
  };
  return {
    locales: LOCALES,
    keys,
    source: (locale, key) => {
      const text = raw[locale][key];
      if (text === undefined) throw new Error(`No message "${key}" in ${locale}`);
      return text;
    },
    translator,
  };
}

function readMessages(file: string): Record<string, string> {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new Error(`"${key}" is not a string`);
    out[key] = value;
  }
  return out;
}

/** The names of every argument a message uses, at any depth (plural and select branches included). */
function argumentNames(ast: unknown): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: number; value?: unknown; options?: Record<string, { value: unknown }> };
    // Literal (0) and pound (7) carry no argument; every other element names one in `value`.
    if (n.type !== 0 && n.type !== 7 && typeof n.value === 'string') names.add(n.value);
    if (n.options) for (const option of Object.values(n.options)) visit(option.value);
  };
  visit(ast);
  return [...names];
}
