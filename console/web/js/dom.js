// Small DOM and formatting helpers. Text always goes in as text nodes,
// never as HTML: keys, tags and metadata come from users.

// h builds an element: h("a", {href: "#", onclick: f}, "text", child...).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// mount replaces el's children.
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

export function formatSize(n) {
  n = Number(n);
  if (!isFinite(n) || n < 0) return "";
  if (n < 1024) return n + " B";
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  return n.toFixed(n < 10 ? 1 : 0) + " " + units[i];
}

export function formatDate(s) {
  if (!s) return "";
  const d = new Date(s);
  if (isNaN(d)) return s;
  return d.toLocaleString(undefined, {year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"});
}

let toastTimer;
// toast shows a short message; bad ones in red.
export function toast(msg, bad = false) {
  const t = $("#toast");
  t.textContent = msg;
  t.className = "toast" + (bad ? " bad" : "");
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, bad ? 7000 : 3500);
}

// switchInput is a labelled on/off switch.
export function switchInput(label, checked, onchange, attrs = {}) {
  const input = h("input", {type: "checkbox", checked, onchange, ...attrs});
  return h("label", {class: "switch"}, input, label);
}

// copyText copies s, falling back to a selected field when the
// clipboard API is unavailable.
export async function copyText(s, field) {
  try {
    await navigator.clipboard.writeText(s);
  } catch {
    if (field) { field.select(); document.execCommand("copy"); }
  }
  toast("Copied");
}
