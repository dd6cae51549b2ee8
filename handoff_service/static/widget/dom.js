// Building the widget's DOM: el() for elements, svg() and ICON for the inline icons, tid() for test hooks.

/** el("button", {className, text, on: {click}, "data-x": …}, [children]); null/false props are skipped. */
export function el(tag, props, children) {
  const node = document.createElement(tag);
  if (props) {
    for (const k in props) {
      if (!Object.prototype.hasOwnProperty.call(props, k)) continue;
      const v = props[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else if (k === "on") {
        for (const ev in v) node.addEventListener(ev, v[ev]);
      } else node.setAttribute(k, v === true ? "" : v);
    }
  }
  (children || []).forEach(function (c) {
    if (c) node.appendChild(c);
  });
  return node;
}

export function svg(path, size) {
  const ns = "http://www.w3.org/2000/svg";
  const s = document.createElementNS(ns, "svg");
  s.setAttribute("viewBox", "0 0 24 24");
  s.setAttribute("width", size || 24);
  s.setAttribute("height", size || 24);
  s.setAttribute("aria-hidden", "true");
  s.setAttribute("focusable", "false");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", path);
  p.setAttribute("fill", "currentColor");
  s.appendChild(p);
  return s;
}

/** The paths of the widget's icons (24×24). */
export const ICON = {
  thumb: "M2 10h4v11H2zM8 10.5l4.2-7.1a1.6 1.6 0 0 1 2.9 1.2L14.2 9H20a2 2 0 0 1 2 2.3l-1.3 7.4A2.8 2.8 0 0 1 18 21H8z",
  chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.3 3.6A.75.75 0 0 1 3.5 21v-3.1A2 2 0 0 1 2 16V6a2 2 0 0 1 2-2zm3 6.25a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5z",
  close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z",
  down: "M7.4 8.6 12 13.2l4.6-4.6L18 10l-6 6-6-6z",
  send: "M3.4 20.4 21 12 3.4 3.6 3.4 10.2 15 12 3.4 13.8z",
  bot: "M12 2a1.5 1.5 0 0 1 .75 2.8V6H17a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3V9a3 3 0 0 1 3-3h4.25V4.8A1.5 1.5 0 0 1 12 2zM9 11a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zM2 11h1v5H2a1 1 0 0 1-1-1v-3a1 1 0 0 1 1-1zm20 0a1 1 0 0 1 1 1v3a1 1 0 0 1-1 1h-1v-5h1z",
  person: "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.4 0-8 2.2-8 5v1.5c0 .3.2.5.5.5h15c.3 0 .5-.2.5-.5V19c0-2.8-3.6-5-8-5z",
  star: "M12 2.8l2.8 5.9 6.4.8-4.7 4.4 1.2 6.4L12 17.1l-5.7 3.2 1.2-6.4L2.8 9.5l6.4-.8z",
  copy: "M8 3h10a2 2 0 0 1 2 2v12h-2V5H8zM5 7h9a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V9a2 2 0 0 1 2-2zm0 2v11h9V9z",
  camera: "M9 3h6l1.8 2H20a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2h3.2zm3 4.5a5 5 0 1 0 0 10 5 5 0 0 0 0-10zm0 2a3 3 0 1 1 0 6 3 3 0 0 1 0-6z",
  clock: "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm-.9 4v6.6l5 3 .9-1.5-4.1-2.4V6z",
};

/** A single element's test hook: the same name as its id inside the shadow root and as data-testid. */
function tid(name) {
  return { id: name, "data-testid": name };
}
export function withTid(name, props) {
  const p = tid(name);
  for (const k in props) p[k] = props[k];
  return p;
}
