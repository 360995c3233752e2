/** A hand-written SVG bar chart of requests/s per case (no dependencies), for docs/performance.svg. */

export interface Bar {
  label: string;
  value: number;
  kind: "ceiling" | "peer" | "ours";
}

const COLORS: Record<Bar["kind"], string> = { ceiling: "#8c8c8c", peer: "#d97706", ours: "#2563eb" };
const LABEL_WIDTH = 300;
const BAR_AREA = 420;
const ROW = 30;
const TOP = 48;

export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

export function renderBarChart(title: string, bars: Bar[]): string {
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const width = LABEL_WIDTH + BAR_AREA + 90;
  const height = TOP + bars.length * ROW + 20;
  const rows = bars.map((bar, index) => {
    const y = TOP + index * ROW;
    const barWidth = Math.max(1, Math.round((bar.value / max) * BAR_AREA));
    return [
      `  <text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `  <rect class="bar" x="${LABEL_WIDTH}" y="${y}" width="${barWidth}" height="${ROW - 8}" fill="${COLORS[bar.kind]}"/>`,
      `  <text x="${LABEL_WIDTH + barWidth + 6}" y="${y + 15}">${bar.value.toLocaleString("en-US")}</text>`,
    ].join("\n");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="13">`,
    `  <title>${escapeXml(title)}</title>`,
    `  <rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `  <text x="12" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...rows,
    "</svg>",
    "",
  ].join("\n");
}
