// Small line charts of the last minutes, drawn as SVG from what the console polled.

const SVG = 'http://www.w3.org/2000/svg';
const KEEP_MS = 5 * 60 * 1000;

/** Per destination: [{t, backlog, rate}] over the last five minutes. */
export class History {
  constructor() {
    this.series = new Map();
    this.last = null;
  }

  /** Adds a look at GET /admin/destinations; rates come from the counts' change since the last. */
  add(answer) {
    const t = Date.parse(answer.at);
    for (const d of answer.destinations) {
      const points = this.series.get(d.destination) || [];
      const before = this.last && this.last.get(d.destination);
      let rate = null;
      let errors = null;
      if (before && t > before.t && d.delivered >= before.delivered) {
        const seconds = (t - before.t) / 1000;
        rate = (d.delivered - before.delivered) / seconds;
        const attempts = d.delivered - before.delivered + d.failed - before.failed;
        errors = attempts > 0 ? (d.failed - before.failed) / attempts : null;
      }
      points.push({ t, backlog: d.depth, rate, errors });
      while (points.length && points[0].t < t - KEEP_MS) points.shift();
      this.series.set(d.destination, points);
    }
    this.last = new Map(answer.destinations.map(
      (d) => [d.destination, { t, delivered: d.delivered, failed: d.failed }]));
  }

  latest(destination) {
    const points = this.series.get(destination) || [];
    return points.length ? points[points.length - 1] : null;
  }

  of(destination) {
    return this.series.get(destination) || [];
  }
}

/** An SVG of one value over time, scaled to its own maximum, with that maximum as a label. */
export function spark(points, field, kind, width = 160, height = 32) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('role', 'img');
  const values = points.filter((p) => p[field] !== null);
  const max = Math.max(1, ...values.map((p) => p[field]));
  const label = document.createElementNS(SVG, 'title');
  label.textContent = field + ', last 5 minutes, max ' + format(max);
  svg.append(label);
  if (values.length > 1) {
    const t0 = values[0].t;
    const span = Math.max(1, values[values.length - 1].t - t0);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', kind);
    line.setAttribute('points', values.map((p) =>
      ((p.t - t0) / span * (width - 2) + 1).toFixed(1) + ','
      + (height - 1 - p[field] / max * (height - 4)).toFixed(1)).join(' '));
    svg.append(line);
  }
  return svg;
}

export function format(n) {
  if (n === null || n === undefined) return '–';
  return n >= 100 ? Math.round(n).toString() : (Math.round(n * 10) / 10).toString();
}
