// Filter and crop of one photo before it is posted (servers with MediaEditInput). The
// preview is the browser's approximation; the worker applies the real look to the variants.

import { h } from "../lib/dom.js";

export const FILTERS = {
  NONE: "none",
  CLARENDON: "contrast(1.2) saturate(1.35)",
  GINGHAM: "brightness(1.05) contrast(0.85) saturate(0.8) sepia(0.05)",
  JUNO: "contrast(1.15) saturate(1.3) sepia(0.05)",
  LARK: "brightness(1.12) contrast(0.92) saturate(0.9)",
  LUDWIG: "contrast(1.05) saturate(0.85) sepia(0.06) brightness(1.02)",
  MOON: "grayscale(1) contrast(1.1) brightness(1.08)",
  REYES: "sepia(0.22) brightness(1.1) contrast(0.85) saturate(0.75)",
  VALENCIA: "contrast(1.05) brightness(1.05) sepia(0.12) saturate(1.08)",
};

// Width / height; the API accepts crops from 4:5 to 1.91:1.
export const SHAPES = { ORIGINAL: null, SQUARE: 1, PORTRAIT: 4 / 5, LANDSCAPE: 1.91 };
const SHAPE_LABELS = { ORIGINAL: "Original", SQUARE: "Square", PORTRAIT: "Portrait 4:5", LANDSCAPE: "Landscape 1.91:1" };

const title = (name) => name[0] + name.slice(1).toLowerCase();

/** A centred crop of `aspect` in a width × height picture, shifted by `position` (0..1). */
export function cropFor(width, height, aspect, position = 0.5) {
  if (!aspect || !width || !height) return null;
  if (width / height > aspect) {
    const w = (height * aspect) / width;
    return { x: (1 - w) * position, y: 0, width: w, height: 1 };
  }
  const hgt = width / aspect / height;
  return { x: 0, y: (1 - hgt) * position, width: 1, height: hgt };
}

/** The editor for one image File; `edit()` gives {filter, crop} as the API takes them. */
export function photoEditor(file, url, index) {
  const state = { filter: "NONE", shape: "ORIGINAL", position: 0.5, width: 0, height: 0 };
  const image = h("img", { src: url, alt: `Preview of photo ${index + 1}` });
  const frame = h("div", { class: "edit-frame" }, image);
  const position = h("input", { type: "range", min: 0, max: 100, value: 50, id: `crop-position-${index}`, disabled: true });
  const shapes = h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, "Crop"),
    Object.keys(SHAPES).map((shape) =>
      h("label", {}, h("input", { type: "radio", name: `shape-${index}`, value: shape, checked: shape === "ORIGINAL" }), SHAPE_LABELS[shape]),
    ),
  );
  const filters = h(
    "fieldset",
    { class: "choices filters" },
    h("legend", {}, "Filter"),
    Object.keys(FILTERS).map((name) => {
      const swatch = h("img", { src: url, alt: "", class: "swatch" });
      swatch.style.filter = FILTERS[name];
      return h("label", {}, h("input", { type: "radio", name: `filter-${index}`, value: name, checked: name === "NONE" }), swatch, title(name));
    }),
  );

  function show() {
    image.style.filter = FILTERS[state.filter];
    const aspect = SHAPES[state.shape];
    frame.style.aspectRatio = aspect ? String(aspect) : state.width ? `${state.width} / ${state.height}` : "";
    // The same rectangle the crop names: object-position pans along the cut side.
    const pct = `${Math.round(state.position * 100)}%`;
    image.style.objectPosition = aspect && state.width / state.height > aspect ? `${pct} 50%` : `50% ${pct}`;
    position.disabled = !aspect;
  }
  image.addEventListener("load", () => {
    state.width = image.naturalWidth;
    state.height = image.naturalHeight;
    show();
  });
  shapes.addEventListener("change", (e) => ((state.shape = e.target.value), show()));
  filters.addEventListener("change", (e) => ((state.filter = e.target.value), show()));
  position.addEventListener("input", () => ((state.position = position.valueAsNumber / 100), show()));
  show();

  const element = h(
    "section",
    { class: "photo-editor", "aria-label": `Edit photo ${index + 1}` },
    frame,
    filters,
    shapes,
    h("div", { class: "field" }, h("label", { for: `crop-position-${index}` }, "Crop position"), position),
  );
  return {
    element,
    edit: () => ({
      filter: state.filter,
      crop: cropFor(state.width, state.height, SHAPES[state.shape], state.position),
    }),
  };
}
