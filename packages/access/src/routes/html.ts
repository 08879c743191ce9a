/**
 * HTML built from tagged templates that escape every interpolated value, so nothing from the catalog or
 * the request can become markup. Only values that are themselves `Html` (made here) pass through.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

export function esc(text: string): string {
  return text.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof Html) return p.value;
  if (Array.isArray(p)) return p.map(render).join('');
  return esc(String(p));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** A search snippet: the matched words (between U+0001 and U+0002) in <mark>, everything else escaped. */
export function snippetHtml(snippet: string): Html {
  const parts = snippet.split(/(\u0001[^\u0001\u0002]*\u0002)/u);
  return new Html(
    parts
      .map((p) => (p.startsWith('\u0001') && p.endsWith('\u0002') ? `<mark>${esc(p.slice(1, -1))}</mark>` : esc(p.replace(/[\u0001\u0002]/g, ''))))
      .join(''),
  );
}
