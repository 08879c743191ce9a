import { describe, expect, it } from 'vitest';
import { html, snippetHtml } from './html.ts';
import { searchPage } from './pages.ts';

describe('html', () => {
  it('escapes every interpolated value, also in attributes', () => {
    const evil = `"><script>alert(1)</script><a href='x' onclick=y \``;
    const out = html`<a title="${evil}">${evil}</a>`.value;
    expect(out).not.toMatch(/<script|onclick=|'x'/);
    expect(out.startsWith('<a title="')).toBe(true);
  });

  it('marks snippet matches and escapes the rest', () => {
    expect(snippetHtml('a <b> \u0001träff\u0002 & c').value).toBe('a &#60;b&#62; <mark>träff</mark> &#38; c');
    expect(snippetHtml('\u0001<i>\u0002').value).toBe('<mark>&#60;i&#62;</mark>');
  });

  it('renders a search page whose query and facet values cannot inject markup', () => {
    const page = searchPage('sv', { q: '"><script>x</script>' }, {
      records: [],
      next: null,
      total: 0,
      totalRelation: 'eq',
      facets: { organisation: [{ value: '<img src=x onerror=y>', count: 1 }], year: [], kind: [] },
    });
    expect(page).toContain('<html lang="sv">');
    expect(page).not.toMatch(/<script|<img/);
  });
});
