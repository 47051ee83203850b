/**
 * The report as one self-contained HTML file: its data inline, uPlot (a small charting library,
 * MIT) and its stylesheet inline, so it opens anywhere without a network. Charts: sessions
 * waiting over time, service level and abandonment per hour, handle time by channel, anomalies by
 * kind over time; then the worst sessions, each linked to its timeline further down.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReportData } from './reportData.js';

const require = createRequire(import.meta.url);
/** uPlot's browser build and stylesheet, read once from the installed package. */
const asset = (name: string) => readFileSync(require.resolve(`uplot/dist/${name}`), 'utf8');

const escape = (text: unknown): string => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside a <script> element. */
const inlineJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

const percent = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(1)} %`);
const seconds = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);

function tiles(data: ReportData): string {
  const k = data.kpis;
  if (k === null) return '<p>No sessions in this capture.</p>';
  const tile = (label: string, value: string, title: string) => `<div class="tile" title="${escape(title)}"><span>${escape(label)}</span><strong>${escape(value)}</strong></div>`;
  return `<section aria-label="KPIs" class="tiles">
    ${tile('Offered', String(k.offered), 'sessions started in the window')}
    ${tile('Answered', String(k.answered), 'an operator joined')}
    ${tile('Abandoned', `${k.abandoned} (${k.shortAbandoned} short)`, 'ended before any operator joined')}
    ${tile(`Service level (${k.serviceLevelSeconds} s)`, percent(k.serviceLevel), 'answered within the threshold / (answered + abandoned - short abandons)')}
    ${tile('Abandonment', percent(k.abandonmentRate), '(abandoned - short) / (offered - short)')}
    ${tile('Avg speed of answer', seconds(k.averageSpeedOfAnswerMs), 'mean queue time of answered sessions')}
    ${tile('Avg handle time', seconds(k.averageHandleTimeMs), 'talk + hold + after-call work')}
    ${tile('Longest wait', seconds(k.longestWaitMs), 'longest queue time')}
    ${tile('Incomplete', String(k.incomplete), 'sessions whose figures rest on an inferred transition')}
  </section>`;
}

function worstSessions(data: ReportData): string {
  if (data.worst.length === 0) return '';
  const rows = data.worst.map(({ view, why }) => `<tr><td><a href="#session-${view.id}">${view.id}</a></td><td>${escape(view.channel)}</td><td>${escape(view.status)}</td><td>${escape(why)}</td></tr>`).join('');
  const timelines = data.worst.map(({ view, timeline }) => `<section id="session-${view.id}" class="timeline">
    <h3>Session ${view.id} <small>${escape(view.channel)} · ${escape(view.status)}</small></h3>
    <table><thead><tr><th>time</th><th>event</th><th>status after</th><th>anomalies</th></tr></thead><tbody>
    ${timeline.map((item) => `<tr><td>${escape(item.time ?? item.receivedAt)}</td><td>${escape(item.eventType)}</td><td>${escape((item.state as { status?: string } | null)?.status)}</td><td>${escape(item.anomalies.map((a) => `${a.kind}: ${a.message}`).join('; '))}</td></tr>`).join('')}
    </tbody></table><p><a href="#worst">back to the list</a></p></section>`).join('');
  return `<section id="worst"><h2>Worst sessions</h2>
    <table><thead><tr><th>session</th><th>channel</th><th>status</th><th>why</th></tr></thead><tbody>${rows}</tbody></table></section>
    <h2>Their timelines</h2>${timelines}`;
}

/** Builds the charts in the page (runs in the browser). */
const CHARTS = String.raw`
const data = JSON.parse(document.getElementById('report-data').textContent);
const width = () => Math.min(960, document.body.clientWidth - 32);
const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04', '#db2777'];
function chart(id, title, x, series, opts = {}) {
  const el = document.getElementById(id);
  if (x.length === 0) { el.textContent = 'No data.'; return; }
  new uPlot({ title, width: width(), height: 260, series: [{}, ...series.map(({ points, ...s }, i) => ({ stroke: palette[i % palette.length], width: 2, ...s }))], ...opts }, [x, ...series.map((s) => s.points)], el);
}
chart('chart-waiting', 'Sessions waiting for an operator', data.waiting.times, [{ label: 'waiting', points: data.waiting.counts }]);
const buckets = data.kpis ? data.kpis.buckets : [];
const pct = (v) => (v === null ? null : Math.round(v * 1000) / 10);
chart('chart-service', 'Service level and abandonment per hour (%)', buckets.map((b) => Date.parse(b.from) / 1000), [
  { label: 'service level %', points: buckets.map((b) => pct(b.serviceLevel)) },
  { label: 'abandonment %', points: buckets.map((b) => pct(b.abandonmentRate)) },
], { scales: { y: { range: [0, 100] } } });
const channels = data.handleByChannel;
chart('chart-handle', 'Average handle time by channel (s)', channels.map((_, i) => i), [
  { label: 'average handle time (s)', points: channels.map((c) => Math.round(c.averageSeconds)), paths: uPlot.paths.bars({ size: [0.6, 80] }), fill: '#2563eb88' },
], { scales: { x: { time: false, range: [-0.5, channels.length - 0.5] } }, axes: [{ values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) && channels[t] ? channels[t].channel : '')) }, {}] });
const kinds = Object.keys(data.anomalies.byKind);
chart('chart-anomalies', 'Anomalies by kind per hour', data.anomalies.times, kinds.map((k) => ({ label: k, points: data.anomalies.byKind[k] })));
document.body.dataset.charts = String(document.querySelectorAll('.uplot').length);
`;

export function renderReport(data: ReportData): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(data.title)}</title>
<style>${asset('uPlot.min.css')}
body { font: 14px/1.45 system-ui, sans-serif; margin: 16px; color: #111827; }
h1 { font-size: 1.4rem; } h2 { margin-top: 2rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
.tile { border: 1px solid #d1d5db; border-radius: 6px; padding: 8px; } .tile span { display: block; color: #4b5563; font-size: .8rem; } .tile strong { font-size: 1.3rem; }
table { border-collapse: collapse; } th, td { border-bottom: 1px solid #e5e7eb; padding: 3px 8px; text-align: left; vertical-align: top; }
figure { margin: 1rem 0; }
</style></head>
<body>
<header><h1>${escape(data.title)}</h1><p>Generated ${escape(data.generatedAt)} by mluvii-state${data.kpis === null ? '' : `; sessions started ${escape(data.kpis.from)} to ${escape(data.kpis.to)}`}. Formulas: docs/kpis.md.</p></header>
<main>
${tiles(data)}
<h2>Over time</h2>
<figure id="chart-waiting" aria-label="Sessions waiting over time"></figure>
<figure id="chart-service" aria-label="Service level and abandonment per hour"></figure>
<figure id="chart-handle" aria-label="Handle time by channel"></figure>
<figure id="chart-anomalies" aria-label="Anomalies by kind over time"></figure>
${worstSessions(data)}
</main>
<script id="report-data" type="application/json">${inlineJson(data)}</script>
<script>${asset('uPlot.iife.min.js')}</script>
<script>${CHARTS}</script>
</body></html>
`;
}
