/** A tiny grouped-bar-chart SVG writer (no dependencies), for the suite's plots. */

export interface BarGroup {
  readonly label: string;
  /** One value per series, in series order; NaN or undefined draws no bar. */
  readonly values: readonly (number | undefined)[];
}

export interface BarChart {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly string[];
  readonly groups: readonly BarGroup[];
  readonly note?: string;
}

const COLORS = ['#6b7280', '#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const niceMax = (v: number): number => {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
};

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export const barChart = (chart: BarChart): string => {
  const left = 70;
  const top = 50;
  const plotH = 260;
  const barW = 22;
  const gap = 26;
  const groupW = chart.series.length * barW + gap;
  const width = Math.max(520, left + chart.groups.length * groupW + 30);
  const height = top + plotH + 95;
  const all = chart.groups.flatMap((g) => g.values).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const max = niceMax(Math.max(0, ...all));
  const y = (v: number): number => top + plotH - (v / max) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(chart.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (max * i) / 5;
    out.push(`<line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  out.push(`<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${esc(chart.unit)}</text>`);
  chart.groups.forEach((g, gi) => {
    const x0 = left + gap / 2 + gi * groupW;
    g.values.forEach((v, si) => {
      if (v === undefined || !Number.isFinite(v)) return;
      const x = x0 + si * barW;
      out.push(`<rect x="${x}" y="${y(v)}" width="${barW - 3}" height="${top + plotH - y(v)}" fill="${COLORS[si % COLORS.length] ?? '#000'}"><title>${esc(`${chart.series[si] ?? ''}: ${fmt(v)} ${chart.unit}`)}</title></rect>`);
      out.push(`<text x="${x + (barW - 3) / 2}" y="${y(v) - 3}" text-anchor="middle" font-size="8">${fmt(v)}</text>`);
    });
    out.push(`<text x="${x0 + (chart.series.length * barW) / 2}" y="${top + plotH + 16}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  out.push(`<line x1="${left}" x2="${width - 20}" y1="${top + plotH}" y2="${top + plotH}" stroke="#111"/>`);
  chart.series.forEach((s, si) => {
    const x = left + si * 130;
    out.push(`<rect x="${x}" y="${top + plotH + 32}" width="12" height="12" fill="${COLORS[si % COLORS.length] ?? '#000'}"/>`);
    out.push(`<text x="${x + 16}" y="${top + plotH + 42}">${esc(s)}</text>`);
  });
  if (chart.note !== undefined) out.push(`<text x="${left}" y="${top + plotH + 70}" fill="#374151">${esc(chart.note)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
};
