import { type Catalogues, type Locale, loadCatalogues } from '../../src/i18n/index.ts';

/**
 * The English left in a translated page: every piece of fixed English wording of the message
 * catalogues (each message formatted for singular, plural and every select branch, split where its
 * placeholders go) that appears in `text` as whole words. Messages whose translation reads the same
 * as English (names, codes) are skipped, and so are pieces shorter than five letters.
 */
export function englishLeftIn(
  text: string,
  locale: Exclude<Locale, 'en'> = 'cy',
  catalogues: Catalogues = loadCatalogues(),
): string[] {
  const found = new Set<string>();
  for (const piece of englishPieces(catalogues, locale)) {
    const re = new RegExp(`(?<![\\p{L}])${escapeRegExp(piece)}(?![\\p{L}])`, 'u');
    if (re.test(text)) found.add(piece);
  }
  return [...found];
}

const SENTINEL = '\u0000';
const cached = new Map<Locale, string[]>();

function englishPieces(catalogues: Catalogues, locale: Locale): string[] {
  const found = cached.get(locale);
  if (found) return found;
  const en = catalogues.translator('en');
  const translated = catalogues.translator(locale);
  // What the translation itself says (names such as Singpass, Singapore, GOV.UK One Login): never "English left".
  const own = catalogues.keys
    .flatMap((key) => variants(catalogues.source('en', key)).map((values) => translated(key, values)))
    .join('\n');
  const pieces = new Set<string>();
  for (const key of catalogues.keys) {
    const source = catalogues.source('en', key);
    if (source === catalogues.source(locale, key)) continue;
    for (const values of variants(source)) {
      for (const piece of en(key, values).split(SENTINEL)) {
        const trimmed = piece.replace(/^[\s,.:;?()‘’“”]+|[\s,.:;?()‘’“”]+$/g, '');
        if ((trimmed.match(/\p{L}/gu) ?? []).length < 5) continue;
        if (new RegExp(`(?<![\\p{L}])${escapeRegExp(trimmed)}(?![\\p{L}])`, 'u').test(own)) continue;
        pieces.add(trimmed);
      }
    }
  }
  const list = [...pieces];
  cached.set(locale, list);
  return list;
}

/** Values for a message's arguments: the sentinel for text, 1 and 2 for plurals, each code for selects. */
function variants(source: string): Record<string, string | number>[] {
  const args = [...source.matchAll(/\{\s*(\w+)\s*(?:,\s*(\w+))?/g)].map(([, name, kind]) => ({ name, kind }));
  const out: Record<string, string | number>[] = [];
  for (const count of [1, 2]) {
    for (const code of ['GB', 'SG', 'XX']) {
      const values: Record<string, string | number> = {};
      for (const { name, kind } of args) {
        if (!name) continue;
        values[name] = kind === 'plural' ? count : kind === 'select' ? code : SENTINEL;
      }
      out.push(values);
    }
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
