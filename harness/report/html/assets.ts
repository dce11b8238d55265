// The report's inline stylesheet and script: the page must open from disk, print, and work with no
// network, so nothing is linked. Colour is never the only signal: every verdict has its symbol.

export const REPORT_CSS = `
:root { --fg: #1d2327; --muted: #5f6b73; --line: #d5dadd; --bg: #fff; --mono: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, 'DejaVu Sans', 'Segoe UI', sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 12px 20px 8px; border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: baseline; }
header h1 { font-size: 20px; margin: 0; }
.overall { font-weight: 700; padding: 2px 10px; border-radius: 4px; }
.overall.ok { background: #d8f3dc; color: #1b5e20; } .overall.fail { background: #ffd6d6; color: #b71c1c; } .overall.error { background: #ead7f7; color: #5e1a8c; }
.meta { color: var(--muted); font-size: 12.5px; margin: 0; width: 100%; }
.meta b { color: var(--fg); font-weight: 600; }
.counts { display: flex; flex-wrap: wrap; gap: 6px; margin: 0; padding: 0; list-style: none; }
.counts li { padding: 1px 8px; border-radius: 10px; font-size: 12.5px; }
.counts li.zero { background: #f4f5f6; color: var(--muted); }
.top { display: grid; grid-template-columns: minmax(420px, 1fr) minmax(520px, 1.35fr); gap: 16px; padding: 12px 20px; align-items: start; }
@media (max-width: 1100px) { .top { grid-template-columns: 1fr; } }
h2 { font-size: 16px; margin: 0 0 8px; }
.filters { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; font-size: 12.5px; margin-bottom: 8px; }
.filters label { white-space: nowrap; }
.filters input[type=search] { width: 150px; }
table.matrix { border-collapse: collapse; font-size: 12.5px; width: 100%; }
.matrix th, .matrix td { border: 1px solid var(--line); padding: 1px 6px; }
.matrix thead th { position: sticky; top: 0; background: #f6f8f9; z-index: 1; }
.matrix td.id { font-family: var(--mono); font-size: 12px; white-space: nowrap; }
.matrix td.id small { display: block; line-height: 1.15; font-family: system-ui, sans-serif; color: var(--muted); white-space: normal; }
.matrix tr.area th { text-align: left; background: #eef1f3; font-size: 12px; }
.matrix td.cell { text-align: center; width: 74px; padding: 0; }
.matrix td.cell a { display: block; text-decoration: none; color: inherit; padding: 2px 0; font-weight: 700; }
.matrix td.cell a:focus, .matrix td.cell a:hover { outline: 2px solid #1565c0; outline-offset: -2px; }
.v-passed { background: #d8f3dc; color: #1b5e20; }
.v-failed { background: #ffc9c9; color: #a50e0e; }
.v-error { background: #e4cff5; color: #4a148c; }
.v-blocked { background: repeating-linear-gradient(45deg, #ffe0b2 0 5px, #ffcc80 5px 10px); color: #7a3d00; }
.v-not-applicable { background: #f2f2f2; color: #8a8a8a; }
.v-not-covered { background: #fff1c2; color: #7a5b00; }
.v-expected-failure { background: repeating-linear-gradient(135deg, #d3eef4 0 5px, #b9e2eb 5px 10px); color: #00535c; }
.v-unexpected-pass { background: #8e0000; color: #fff; }
.v-none { background: #fff; color: #c4c9cc; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 10px; font-size: 12px; margin: 6px 0 0; padding: 0; list-style: none; }
.legend li span { display: inline-block; min-width: 20px; text-align: center; font-weight: 700; border-radius: 3px; margin-right: 3px; }
.tabs { display: flex; gap: 4px; margin-bottom: 6px; }
.tabs button { font: inherit; font-size: 12.5px; border: 1px solid var(--line); background: #f6f8f9; padding: 2px 10px; border-radius: 4px; cursor: pointer; }
.tabs button[aria-selected=true] { background: #1565c0; color: #fff; border-color: #1565c0; }
figure.svg-panel { margin: 0; }
#attention { margin-top: 14px; }
ul.attention { margin: 0; padding-left: 0; list-style: none; font-size: 12.5px; }
ul.attention li { margin: 3px 0; }
ul.attention a { font-family: var(--mono); font-weight: 700; padding: 0 4px; border-radius: 3px; text-decoration: none; }
figure.svg-panel figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
svg.topology { width: 100%; height: auto; display: block; border: 1px solid var(--line); border-radius: 6px; }
svg.topology .segment-name { font: 700 15px system-ui, sans-serif; fill: #37474f; text-transform: uppercase; letter-spacing: .06em; }
svg.topology .host rect { fill: #fff; stroke: #607d8b; stroke-width: 1.2; }
svg.topology .host-proxy rect { fill: #e3f2fd; stroke: #1565c0; stroke-width: 2; stroke-dasharray: 6 3; }
svg.topology .host-client rect { fill: #f3e5f5; stroke: #6a1b9a; }
svg.topology .dns rect { fill: #fafafa; stroke: #9e9e9e; stroke-dasharray: 3 3; }
svg.topology .host-name { font: 700 12px system-ui, sans-serif; fill: #263238; }
svg.topology .host-line { font: 11px ui-monospace, 'DejaVu Sans Mono', monospace; fill: #37474f; }
svg.topology .listener { fill: #0d47a1; }
svg.topology .path { stroke: #1565c0; stroke-width: 1.6; }
svg.topology .arrow-head { fill: #1565c0; }
#cases { padding: 4px 20px 40px; }
.case { border: 1px solid var(--line); border-left: 6px solid #ccc; border-radius: 4px; margin: 10px 0; padding: 6px 12px; break-inside: avoid-page; }
.case.v-passed, .case.v-failed, .case.v-blocked, .case.v-error, .case.v-not-applicable, .case.v-not-covered, .case.v-expected-failure, .case.v-unexpected-pass { background: #fff; color: var(--fg); }
.case.v-passed { border-left-color: #2e7d32; } .case.v-failed { border-left-color: #c62828; } .case.v-error { border-left-color: #6a1b9a; } .case.v-blocked { border-left-color: #ef6c00; }
.case.v-not-applicable { border-left-color: #bdbdbd; } .case.v-not-covered { border-left-color: #f9a825; } .case.v-expected-failure { border-left-color: #00838f; } .case.v-unexpected-pass { border-left-color: #8e0000; border-left-style: double; border-left-width: 8px; }
.case h3 { font-size: 14px; margin: 4px 0; }
.case h3 code { font-size: 13px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 700; margin-right: 6px; }
.reason { margin: 4px 0; }
.statement { color: var(--muted); font-size: 12.5px; margin: 2px 0 6px; }
details.check { border-top: 1px dashed var(--line); padding: 4px 0; }
details.check > summary { cursor: pointer; font-size: 13px; }
.notes { font-size: 12.5px; color: var(--muted); margin: 4px 0; padding-left: 18px; }
.pairs { display: grid; grid-template-columns: 1fr 1fr; gap: 0 10px; margin: 6px 0; }
.pairs > .col-head { font-weight: 700; font-size: 12.5px; padding: 2px 6px; background: #eef1f3; border-radius: 3px; }
.msg { font-family: var(--mono); font-size: 11.5px; border: 1px solid var(--line); border-radius: 4px; padding: 4px 6px; margin: 4px 0; overflow-wrap: anywhere; }
.msg.empty { color: var(--muted); font-family: system-ui, sans-serif; font-style: italic; border-style: dashed; }
.msg .rl { font-weight: 700; }
.msg ol { margin: 2px 0; padding-left: 22px; }
.msg li.missing { background: #ffd6d6; } .msg li.changed { background: #fff1c2; } .msg li.added { background: #e3f2fd; }
.msg .hn { color: #0d47a1; }
.msg .st { font-weight: 700; }
.msg .st-2 { color: #1b5e20; } .msg .st-3 { color: #0d47a1; } .msg .st-4, .msg .st-5, .msg .st-x { color: #a50e0e; }
.msg .tls { color: #4a148c; }
.msg pre { white-space: pre-wrap; margin: 2px 0; }
table.legs { border-collapse: collapse; font-size: 12px; margin: 4px 0 8px; }
.legs th, .legs td { border: 1px solid var(--line); padding: 2px 6px; text-align: left; vertical-align: top; }
.legs th { background: #f6f8f9; }
pre.proxylog { font-size: 11.5px; background: #f6f8f9; border: 1px solid var(--line); padding: 4px 6px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 320px; overflow: auto; }
h4 { font-size: 12.5px; margin: 8px 0 2px; }
.errors { color: #4a148c; margin: 8px 20px; }
footer { color: var(--muted); font-size: 12px; padding: 0 20px 20px; }
[hidden] { display: none !important; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .filters, .tabs { display: none; }
  .svg-panel[hidden] { display: block !important; margin-top: 8px; }
  .top { grid-template-columns: 1fr; }
  .matrix thead th { position: static; }
  pre.proxylog { max-height: none; }
}
`;

export const REPORT_JS = `
(function () {
  var all = function (selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); };
  var area = document.getElementById('f-area');
  var text = document.getElementById('f-text');
  var verdicts = all('input[name=verdict]');
  var shown = document.getElementById('f-count');
  function apply() {
    var a = area.value, t = text.value.trim().toUpperCase();
    var on = {}; verdicts.forEach(function (box) { on[box.value] = box.checked; });
    all('#matrix tbody tr.req').forEach(function (row) {
      var any = row.getAttribute('data-verdicts').split(' ').some(function (v) { return on[v]; });
      row.hidden = !((!a || row.getAttribute('data-area') === a) && (!t || row.getAttribute('data-id').indexOf(t) >= 0) && any);
    });
    all('#matrix tbody tr.area').forEach(function (head) {
      head.hidden = !all('#matrix tbody tr.req[data-area="' + head.getAttribute('data-area') + '"]').some(function (row) { return !row.hidden; });
    });
    var visible = 0;
    all('.case').forEach(function (item) {
      item.hidden = !((!a || item.getAttribute('data-area') === a) && (!t || item.getAttribute('data-id').indexOf(t) >= 0) && on[item.getAttribute('data-verdict')]);
      if (!item.hidden) visible++;
    });
    shown.textContent = visible + ' case' + (visible === 1 ? '' : 's') + ' shown';
  }
  area.addEventListener('change', apply);
  text.addEventListener('input', apply);
  verdicts.forEach(function (box) { box.addEventListener('change', apply); });
  all('.tabs button').forEach(function (button) {
    button.addEventListener('click', function () {
      all('.tabs button').forEach(function (other) { other.setAttribute('aria-selected', String(other === button)); });
      all('.svg-panel').forEach(function (panel) { panel.hidden = panel.getAttribute('data-mode') !== button.getAttribute('data-mode'); });
    });
  });
  function openHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var item = id && document.getElementById(id);
    if (item && item.classList.contains('case')) {
      item.hidden = false;
      all('details', item).forEach(function (d) { d.open = true; });
      item.scrollIntoView();
    }
  }
  window.addEventListener('hashchange', openHash);
  window.addEventListener('beforeprint', function () { all('details').forEach(function (d) { d.open = true; }); });
  apply();
  openHash();
})();
`;
