// The gallery page (faafo's index.html): 5 rendered fractals per page, newest first, each a thumbnail linking to
// its PNG beside a compact list of its fields, pagination above and below. Self-contained HTML (inline CSS, no
// CDN). Stable classes/ids for browser tests: #fractals, .fractal, img.fractal-image, .uuid, .checksum, .julia,
// nav.pagination (#pagination-top/-bottom), a.page-link[data-page], a.page-next, a.page-prev, .page-current.
import type { Fractal } from '../types.js';

export const TITLE = 'First App Application for OpenStack';

const esc = (v: unknown): string =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Seconds for people: 3 decimals ("0.027"), trailing zeros dropped; below a millisecond 3 significant digits.
 *  Only the page is rounded; the JSON API keeps the stored value. */
export function formatDuration(d: number | null | undefined): string {
  if (typeof d !== 'number' || !Number.isFinite(d)) return '';
  const rounded = d === 0 || Math.abs(d) >= 0.001 ? Number(d.toFixed(3)) : Number(d.toPrecision(3));
  return String(rounded);
}

// Compact cards: a 160 px thumbnail beside a two-column list of fields, so a screen holds four or more; ids and
// checksums stay on one line (cut with an ellipsis, the whole value in the title and in a copy).
const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#222}
.container{max-width:1040px;margin:0 auto;padding:12px 16px}
h1{font-size:1.4em;font-weight:500;margin:4px 0 10px}
.fractal{display:flex;gap:14px;align-items:flex-start;background:#fff;border:1px solid #ddd;border-radius:4px;padding:10px;margin:8px 0}
.fractal-link{flex:none}
.fractal-image{width:160px;height:120px;object-fit:contain;background:#000;display:block;border:1px solid #ccc}
.fractal-details{flex:1;min-width:0;display:grid;grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr);gap:2px 12px;margin:0;font-size:.85em;line-height:1.45}
.fractal-details dt{font-weight:600;color:#555}
.fractal-details dd{margin:0;min-width:0}
.fractal-details .wide{grid-column:span 3}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.95em}
.nowrap{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.pagination{display:flex;flex-wrap:wrap;gap:4px;margin:6px 0}
.pagination a,.pagination span{padding:3px 9px;border:1px solid #ccc;border-radius:3px;background:#fff;text-decoration:none;color:#0b5cad}
.pagination .page-current{background:#0b5cad;color:#fff;border-color:#0b5cad}
.pagination .disabled{color:#aaa}
.empty{color:#666}
.error{background:#fff;border:1px solid #e0b4b4;border-radius:4px;padding:12px 16px;color:#8a1f11}
@media (max-width:640px){.fractal{flex-direction:column}.fractal-details{grid-template-columns:max-content minmax(0,1fr)}.fractal-details .wide{grid-column:auto}}`;

/** Page numbers to show: first two, a window around the current page, last two (like Flask-SQLAlchemy iter_pages). */
export function pageWindow(page: number, pages: number): (number | null)[] {
  const out: (number | null)[] = [];
  let last = 0;
  for (let p = 1; p <= pages; p++) {
    if (p <= 2 || (p >= page - 2 && p <= page + 5) || p > pages - 2) {
      if (last && p - last > 1) out.push(null);
      out.push(p);
      last = p;
    }
  }
  return out;
}

function pagination(id: string, page: number, pages: number): string {
  const items: string[] = [];
  items.push(
    page > 1
      ? `<a class="page-prev" href="/index/${page - 1}" data-page="${page - 1}" rel="prev">&laquo; Previous</a>`
      : `<span class="page-prev disabled">&laquo; Previous</span>`,
  );
  for (const p of pageWindow(page, pages)) {
    if (p === null) items.push('<span class="page-gap">&hellip;</span>');
    else if (p === page) items.push(`<span class="page-current" data-page="${p}">${p}</span>`);
    else items.push(`<a class="page-link" href="/index/${p}" data-page="${p}">${p}</a>`);
  }
  items.push(
    page < pages
      ? `<a class="page-next" href="/index/${page + 1}" data-page="${page + 1}" rel="next">Next &raquo;</a>`
      : `<span class="page-next disabled">Next &raquo;</span>`,
  );
  return `<nav class="pagination" id="${id}" aria-label="pages">${items.join('')}</nav>`;
}

/** The Julia constant as people write it: "-0.8 + 0.156i"; "random" when the worker has not reported it. */
export function formatJulia(cr: number | null, ci: number | null): string {
  if (cr === null || ci === null) return 'random';
  return `${cr} ${ci < 0 || Object.is(ci, -0) ? '-' : '+'} ${Math.abs(ci)}i`;
}

function fractalBlock(f: Fractal): string {
  const u = esc(f.uuid);
  const field = (label: string, cls: string, value: string, extra = '') =>
    `<dt>${label}</dt><dd class="${cls}"${extra}>${value}</dd>`;
  return `<div class="fractal" id="fractal-${u}" data-uuid="${u}">
<a class="fractal-link" href="/fractal/${u}"><img class="fractal-image" src="/fractal/${u}" alt="Fractal ${u}" width="160" height="120" loading="lazy"></a>
<dl class="fractal-details">
${field('UUID', 'uuid mono nowrap wide', u, ` title="${u}"`)}
${field('Dimensions', 'dimensions', `${f.width} x ${f.height} px`)}
${field('Iterations', 'iterations', String(f.iterations))}
${field('Plane', 'parameters mono nowrap', esc(`x ${f.xa} .. ${f.xb}, y ${f.ya} .. ${f.yb}`), ` title="xa = ${f.xa}, xb = ${f.xb}, ya = ${f.ya}, yb = ${f.yb}"`)}
${field('Julia c', 'julia mono nowrap', esc(formatJulia(f.cr ?? null, f.ci ?? null)), ` data-cr="${esc(f.cr)}" data-ci="${esc(f.ci)}"`)}
${field('Duration', 'duration', `${esc(formatDuration(f.duration))} seconds`)}
${field('Filesize', 'filesize', `${esc(f.size)} bytes`)}
${field('Checksum', 'checksum mono nowrap wide', esc(f.checksum), ` title="${esc(f.checksum)}"`)}
${field('Generated by', 'generated-by nowrap wide', esc(f.generated_by), ` title="${esc(f.generated_by)}"`)}
</dl></div>`;
}

const htmlPage = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${CSS}</style></head>
<body><div class="container">
<h1>${TITLE}</h1>
${body}
</div></body></html>`;

/** An error as a page of the gallery (the gallery's URLs are opened in browsers, not by API clients). */
export function renderErrorPage(status: number, message: string): string {
  return htmlPage(
    `${status} - ${TITLE}`,
    `<p class="error" id="error" data-status="${status}">${esc(message)}</p>
<p><a href="/">Back to the gallery</a></p>`,
  );
}

export function renderGallery(rows: Fractal[], page: number, total: number, perPage: number): string {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const body = rows.length
    ? rows.map(fractalBlock).join('\n')
    : `<p class="empty">${total ? 'No fractals on this page.' : 'No fractals rendered yet.'}</p>`;
  return htmlPage(
    TITLE,
    `${pagination('pagination-top', page, pages)}
<div id="fractals" data-page="${page}" data-pages="${pages}" data-total="${total}">
${body}
</div>
${pagination('pagination-bottom', page, pages)}`,
  );
}
