// Builds elements from data as text only: nothing from outside is ever parsed as markup.

/**
 * h('td', {class: 'num'}, 'text', child): attributes are set as attributes (never on*), children
 * are nodes or text.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) {
      el.addEventListener(name.substring(2), value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function table(headers, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { class: numeric(t) ? 'num' : null }, t)))),
    h('tbody', {}, rows));
}

const NUMERIC = new Set(['Backlog', 'Delivered/s', 'Error rate', 'Depth', 'In flight',
  'Concurrency limit', 'Rate limit', 'Attempt', 'HTTP status']);
const numeric = (t) => NUMERIC.has(t);

export function card(label, value, id) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label),
    h('div', { class: 'value', id }, value));
}

export function badge(text, kind) {
  return h('span', { class: 'badge ' + kind }, text);
}

export function ago(iso) {
  if (!iso) return '';
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return seconds < 90 ? seconds + ' s ago' : Math.round(seconds / 60) + ' min ago';
}
