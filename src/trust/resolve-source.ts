/**
 * Read a source path (`person.name.value`, `coreIdentity.birthDate[0].value`,
 * `passport[*].icaoIssuerCode`) from a verified assertion. `[*]` collects across an array and yields
 * an array of what it found; anything missing yields `undefined`. Only own data properties are read.
 */
export function resolveSource(root: unknown, path: string): unknown {
  return walk(root, tokenize(path));
}

type Token = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' };

export function tokenize(path: string): Token[] {
  const tokens: Token[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)((?:\[(?:\d+|\*)\])*)$/.exec(part);
    if (!m) throw new Error(`bad source path segment ${JSON.stringify(part)}`);
    tokens.push({ kind: 'key', key: m[1]! });
    for (const idx of m[2]!.matchAll(/\[(\d+|\*)\]/g)) {
      tokens.push(idx[1] === '*' ? { kind: 'all' } : { kind: 'index', index: Number(idx[1]) });
    }
  }
  return tokens;
}

function walk(value: unknown, tokens: readonly Token[]): unknown {
  if (tokens.length === 0) return value;
  const [head, ...rest] = tokens as [Token, ...Token[]];
  if (head.kind === 'all') {
    if (!Array.isArray(value)) return undefined;
    const found = value.map((v) => walk(v, rest)).filter((v) => v !== undefined);
    return found.length > 0 ? found : undefined;
  }
  if (head.kind === 'index') {
    return Array.isArray(value) ? walk(value[head.index], rest) : undefined;
  }
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, head.key)) return undefined;
  return walk((value as Record<string, unknown>)[head.key], rest);
}
