// The drawer: a panel on the right with an object's or a bucket's
// settings. Each section loads on its own, so one refused call (a key
// that may not read a bucket's policy) leaves the others working.

import {h, mount, $} from "./dom.js";

let generation = 0;

// openDrawer shows the drawer titled title and returns its body and a
// function telling whether it is still the one shown (sections load
// asynchronously and must not write into a drawer opened since).
export function openDrawer(title, kind) {
  generation++;
  const mine = generation;
  $("#drawer-title").textContent = title;
  const body = mount($("#drawer-body"));
  const d = $("#drawer");
  d.dataset.kind = kind;
  d.hidden = false;
  return {body, current: () => mine === generation && !d.hidden};
}

export function closeDrawer() {
  generation++;
  $("#drawer").hidden = true;
}

// section appends a titled section to the drawer body and returns its
// content element, filled by load(el) (errors shown in place).
export function section(body, title, id, load) {
  const content = h("div", {class: "section-body"}, h("span", {class: "muted"}, "Loading..."));
  body.append(h("div", {class: "section", id}, h("h3", {}, title), content));
  Promise.resolve().then(() => load(content)).catch(e => {
    mount(content, h("span", {class: "error"}, e.message));
  });
  return content;
}

// props renders a definition list of [label, value] pairs (empty values
// skipped).
export function props(pairs) {
  const dl = h("dl", {class: "props"});
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === "") continue;
    dl.append(h("dt", {}, k), h("dd", {}, v));
  }
  return dl;
}
