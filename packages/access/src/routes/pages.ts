/**
 * The public pages, server-rendered: no script, one small stylesheet, every value escaped (html.ts).
 * A withheld record is shown only as existing, with its identifiers and date, and a request form.
 */
import type { CaseView, FacetValue, PublicRecord, SearchParams, SearchResult, WithheldRecord } from '../search/public.ts';
import { Html, html, snippetHtml } from './html.ts';
import { PATHS, TEXT, type Lang } from './i18n.ts';

/** Where the request form posts (begäran om utlämnande); the disclosure service answers it. */
export const REQUEST_ACTION = '/api/v1/public/requests';
export const STYLESHEET = '/static/bevara.css';
export const ICON = '/static/bevara.svg';
export const fileUrl = (id: string): string => `/api/v1/public/files/${id}/content`;

export interface PageLinks {
  /** The same page in the other language. */
  other: string;
}

function layout(lang: Lang, title: string, links: PageLinks, main: Html): string {
  const t = TEXT[lang];
  return (
    '<!doctype html>\n' +
    html`<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – ${t.siteName}</title>
<link rel="stylesheet" href="${STYLESHEET}">
<link rel="icon" href="${ICON}" type="image/svg+xml">
<link rel="alternate" hreflang="${t.otherLang}" href="${links.other}">
</head>
<body>
<a class="skip" href="#main">${t.skip}</a>
<header>
<p class="site"><a href="${PATHS[lang].home}">${t.siteName}</a></p>
<nav aria-label="${lang === 'sv' ? 'Språk' : 'Language'}"><a href="${links.other}" lang="${t.otherLang}" hreflang="${t.otherLang}">${t.otherLanguage}</a></nav>
</header>
<main id="main">
${main}
</main>
<footer><p>${t.siteName}</p></footer>
</body>
</html>
`.value
  );
}

export function queryString(params: SearchParams, change: Partial<Record<keyof SearchParams, string | number | undefined>> = {}): string {
  const merged: Record<string, string | number | undefined> = { q: params.q, organisation: params.organisation, year: params.year, kind: params.kind, ...change };
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

export function searchPage(lang: Lang, params: SearchParams, result: SearchResult): string {
  const t = TEXT[lang];
  const home = PATHS[lang].home;
  const filtered = params.organisation !== undefined || params.year !== undefined || params.kind !== undefined;
  const facet = (label: string, key: 'organisation' | 'year' | 'kind', values: FacetValue[]) =>
    values.length === 0
      ? ''
      : html`<h3>${label}</h3>
<ul>${values.map((v) => html`<li><a href="${home}${queryString(params, { [key]: v.value, cursor: undefined })}">${v.value}</a> (${v.count})</li>`)}</ul>`;
  const main = html`<h1>${t.searchHeading}</h1>
<p>${t.intro}</p>
<form role="search" method="get" action="${home}">
<label for="q">${t.searchLabel}</label>
<input id="q" name="q" type="search" value="${params.q ?? ''}" maxlength="500">
<button type="submit">${t.searchButton}</button>
</form>
<div class="results">
<section aria-labelledby="results-heading">
<h2 id="results-heading">${t.resultsHeading}: ${t.results(result.total, result.totalRelation === 'gte')}</h2>
${result.records.length === 0 ? html`<p>${t.noResults}</p>` : html`<ol class="hits">${result.records.map((r) => hit(lang, r))}</ol>`}
<p class="paging">${params.cursor ? html`<a href="${home}${queryString(params)}">${t.first}</a> ` : ''}${result.next ? html`<a href="${home}${queryString(params, { cursor: result.next })}" rel="next">${t.next}</a>` : ''}</p>
</section>
<nav aria-labelledby="filters-heading" class="facets">
<h2 id="filters-heading">${t.filters}</h2>
${result.totalRelation === 'gte' ? html`<p>${t.facetsOfNewest(result.total)}</p>` : ''}
${facet(t.organisation, 'organisation', result.facets.organisation)}
${facet(t.year, 'year', result.facets.year)}
${facet(t.kind, 'kind', result.facets.kind)}
${filtered ? html`<p><a href="${home}${queryString({ ...(params.q ? { q: params.q } : {}) })}">${t.clearFilters}</a></p>` : ''}
</nav>
</div>`;
  const other = PATHS[t.otherLang].home + queryString(params, { cursor: params.cursor });
  return layout(lang, t.searchHeading, { other }, main);
}

function hit(lang: Lang, r: SearchResult['records'][number]): Html {
  const t = TEXT[lang];
  return html`<li>
<h3><a href="${PATHS[lang].record}${r.id}">${r.title ?? t.untitled}</a></h3>
<p class="meta">${t.diarienummer} ${r.objectId}${r.date ? html` · ${r.date}` : ''}${r.recordType ? html` · ${r.recordType}` : ''}${r.organisation ? html` · ${r.organisation}` : ''}</p>
${r.snippet ? html`<p>${snippetHtml(r.snippet)}</p>` : ''}
</li>`;
}

export function recordPage(lang: Lang, record: PublicRecord, kase: { id: string; title: string | null }): string {
  const t = TEXT[lang];
  const main = html`<p class="kicker">${t.record}</p>
<h1>${record.title ?? t.untitled}</h1>
<dl>
<dt>${t.recordId}</dt><dd>${record.objectId}</dd>
<dt>${t.case}</dt><dd><a href="${PATHS[lang].case}${kase.id}">${record.diarienummer}</a>${kase.title ? html` – ${kase.title}` : ''}</dd>
${record.date ? html`<dt>${t.date}</dt><dd>${record.date}</dd>` : ''}
${record.recordType ? html`<dt>${t.type}</dt><dd>${record.recordType}</dd>` : ''}
${record.organisation ? html`<dt>${t.organisation}</dt><dd>${record.organisation}</dd>` : ''}
</dl>
<h2>${t.files}</h2>
${record.files.length === 0
  ? html`<p>${t.noFiles}</p>`
  : html`<ul>${record.files.map((f) => html`<li><a href="${fileUrl(f.id)}" download>${t.download} ${f.name}</a> (${f.mimeType}, ${f.size} ${t.bytes})</li>`)}</ul>`}
<p><a href="${PATHS[lang].home}">${t.back}</a></p>`;
  return layout(lang, record.title ?? t.record, { other: PATHS[t.otherLang].record + record.id }, main);
}

/** A withheld record: its identifiers, case and date, or, when those are withheld too, only that it exists. */
export function withheldPage(lang: Lang, record: WithheldRecord): string {
  const t = TEXT[lang];
  const registration = record.objectId !== null && record.caseId !== null
    ? html`<dl>
<dt>${t.recordId}</dt><dd>${record.objectId}</dd>
<dt>${t.case}</dt><dd><a href="${PATHS[lang].case}${record.caseId}">${record.diarienummer ?? ''}</a></dd>
${record.date ? html`<dt>${t.date}</dt><dd>${record.date}</dd>` : ''}
</dl>`
    : html`<p>${t.registrationWithheld}</p>`;
  const main = html`<p class="kicker">${t.record}${record.objectId !== null ? html` ${record.objectId}` : ''}</p>
<h1>${t.withheldRecord}</h1>
${registration}
<p>${t.withheldRecordText}</p>
<h2 id="request-heading">${t.requestHeading}</h2>
<form method="post" action="${REQUEST_ACTION}" aria-labelledby="request-heading">
<input type="hidden" name="record" value="${record.id}">
<input type="hidden" name="lang" value="${lang}">
<p>${t.requestNote}</p>
<p><label for="request-email">${t.requestEmail}</label>
<input id="request-email" name="email" type="email" autocomplete="email" required maxlength="254"></p>
<p><label for="request-name">${t.requestName}</label>
<input id="request-name" name="name" type="text" autocomplete="name" maxlength="200"></p>
<p><label for="request-message">${t.requestMessage}</label>
<textarea id="request-message" name="message" rows="4" maxlength="4000"></textarea></p>
<p><button type="submit">${t.requestButton}</button></p>
</form>
<p><a href="${PATHS[lang].home}">${t.back}</a></p>`;
  return layout(lang, record.objectId !== null ? `${t.record} ${record.objectId}` : t.withheldRecord, { other: PATHS[t.otherLang].record + record.id }, main);
}

export function casePage(lang: Lang, view: CaseView): string {
  const t = TEXT[lang];
  const c = view.case;
  const main = html`<p class="kicker">${t.case}</p>
<h1>${c.diarienummer !== null ? html`${t.diarienummer} ${c.diarienummer}` : t.case}</h1>
${c.title ? html`<p class="lead">${c.title}</p>` : html`<p>${c.diarienummer !== null ? t.withheldCase : t.withheldCaseRegistration}</p>`}
<dl>
${c.organisation ? html`<dt>${t.organisation}</dt><dd>${c.organisation}</dd>` : ''}
${c.openedAt ? html`<dt>${t.opened}</dt><dd>${c.openedAt}</dd>` : ''}
${c.closedAt ? html`<dt>${t.closed}</dt><dd>${c.closedAt}</dd>` : ''}
</dl>
<h2>${t.caseRecords}</h2>
<ul class="records">${view.records.map((r) =>
  r.status === 'public'
    ? html`<li><a href="${PATHS[lang].record}${r.record.id}">${r.record.objectId}: ${r.record.title ?? t.untitled}</a>${r.record.date ? html` (${r.record.date})` : ''}</li>`
    : html`<li><a href="${PATHS[lang].record}${r.record.id}">${r.record.objectId}: ${t.withheldShort}</a>${r.record.date ? html` (${r.record.date})` : ''}</li>`,
)}</ul>
<p><a href="${PATHS[lang].home}">${t.back}</a></p>`;
  return layout(lang, c.diarienummer !== null ? `${t.case} ${c.diarienummer}` : t.case, { other: PATHS[t.otherLang].case + c.id }, main);
}

export function errorPage(lang: Lang, status: 400 | 404): string {
  const t = TEXT[lang];
  const [title, text] = status === 404 ? [t.notFound, t.notFoundText] : [t.badRequest, t.badRequestText];
  const main = html`<h1>${title}</h1>
<p>${text}</p>
<p><a href="${PATHS[lang].home}">${t.back}</a></p>`;
  return layout(lang, title, { other: PATHS[t.otherLang].home }, main);
}

/** A plain mark, so browsers do not ask for /favicon.ico. */
export const ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d4e89"/><path d="M4 3h5a3 3 0 0 1 0 6H4zm0 6h6a3 3 0 0 1 0 6H4z" fill="#fff"/></svg>';

export const STYLESHEET_CSS = `*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff}
header,main,footer{max-width:60rem;margin:0 auto;padding:0.75rem 1rem}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:2px solid #1d4e89}
.site{margin:0;font-weight:700}
a{color:#1d4e89}
a:focus,button:focus,input:focus,textarea:focus{outline:3px solid #b35900;outline-offset:2px}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:0.5rem;background:#fff;padding:0.25rem 0.5rem}
label{display:block;font-weight:600}
input[type=search],input[type=email],input[type=text],textarea{width:100%;max-width:32rem;padding:0.4rem;border:1px solid #595959;font:inherit}
button{padding:0.4rem 1rem;font:inherit;background:#1d4e89;color:#fff;border:0}
.results{display:flex;flex-wrap:wrap;gap:2rem}
.results section{flex:3 1 28rem}
.facets{flex:1 1 12rem}
.hits{padding-left:1.25rem}
.meta,.kicker{color:#4a4a4a;margin:0}
mark{background:#fff3b0;color:#1a1a1a}
dt{font-weight:600}
dd{margin:0 0 0.5rem 0}
footer{border-top:1px solid #ccc;color:#4a4a4a;font-size:0.9rem}
`;
