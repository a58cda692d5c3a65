// dom.js builds small pieces of DOM for the pages' lists and overlays.

/** el creates a tag with the given properties and children (nodes or strings). */
export function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}
