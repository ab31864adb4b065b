/** Markdown tables of a document, for tests that check docs against the code. */
export interface MarkdownTable {
  header: string[];
  rows: string[][];
  /** The heading the table is under. */
  section: string;
}

/** The tables outside fenced code blocks, each with the heading it is under. */
export function markdownTables(markdown: string): MarkdownTable[] {
  const out: MarkdownTable[] = [];
  let section = '';
  let inTable = false;
  for (const line of withoutFences(markdown).split('\n')) {
    if (/^#+ /.test(line)) section = line.replace(/^#+ /, '');
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    if (inTable) out.at(-1)!.rows.push(cells);
    else {
      inTable = true;
      out.push({ header: cells, rows: [], section });
    }
  }
  return out;
}

export function withoutFences(markdown: string): string {
  return markdown.replace(/```[\s\S]*?```/g, '');
}

/** The first `code span` of a cell. */
export function firstSpan(cell: string | undefined): string | undefined {
  return /`([^`]+)`/.exec(cell ?? '')?.[1];
}

/** Every `code span` of a cell. */
export function allSpans(cell: string | undefined): string[] {
  return [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}
