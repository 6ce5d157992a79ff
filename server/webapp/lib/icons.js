// Line icons drawn as inline SVG (no icon font to load); always decorative (aria-hidden),
// the control carrying them has a text label or an aria-label.

const PATHS = {
  home: "M3 10.5 12 3l9 7.5V21h-6v-6H9v6H3z",
  explore: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm4.5 5.5-2.8 6.2-6.2 2.8 2.8-6.2z",
  search: "M10.5 3a7.5 7.5 0 1 0 4.6 13.4L20 21.3l1.4-1.4-4.9-4.9A7.5 7.5 0 0 0 10.5 3zm0 2a5.5 5.5 0 1 1 0 11 5.5 5.5 0 0 1 0-11z",
  plus: "M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm0 2v14h14V5zm6 3h2v3h3v2h-3v3h-2v-3H8v-2h3z",
  user: "M12 3a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9zm0 2a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5zm0 8c4.4 0 8 2.2 8 5.5V21H4v-2.5C4 15.2 7.6 13 12 13zm0 2c-3.3 0-6 1.5-6 3.5v.5h12v-.5c0-2-2.7-3.5-6-3.5z",
  signin: "M10 4h9a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-9v-2h9V6h-9zm1.6 3.6L16 12l-4.4 4.4-1.4-1.4 2-2H3v-2h9.2l-2-2z",
  signout: "M5 4h9v2H5v12h9v2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm11.4 3.6L20.8 12l-4.4 4.4-1.4-1.4 2-2H8v-2h9l-2-2z",
  heart: "M12 20.5 4.2 12.9A5 5 0 0 1 12 6.6a5 5 0 0 1 7.8 6.3zm0-2.8 6.3-6.2A3 3 0 0 0 14 7.2L12 9.4 10 7.2a3 3 0 0 0-4.3 4.3z",
  heartFilled: "M12 20.5 4.2 12.9A5 5 0 0 1 12 6.6a5 5 0 0 1 7.8 6.3z",
  comment: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm0 2v10h2v2l2.5-2H20V6z",
  trash: "M9 3h6l1 2h4v2H4V5h4zm-3 6h12l-1 12H7zm2.2 2 .7 8h6.2l.7-8z",
  lock: "M12 2a5 5 0 0 1 5 5v3h1a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h1V7a5 5 0 0 1 5-5zm0 2a3 3 0 0 0-3 3v3h6V7a3 3 0 0 0-3-3z",
  play: "M7 4v16l13-8z",
  pause: "M6 4h4v16H6zm8 0h4v16h-4z",
  close: "M5.4 4 12 10.6 18.6 4 20 5.4 13.4 12l6.6 6.6-1.4 1.4-6.6-6.6L5.4 20 4 18.6 10.6 12 4 5.4z",
  left: "M15.4 4.6 8 12l7.4 7.4-1.4 1.4L5.2 12 14 3.2z",
  right: "M8.6 4.6 16 12l-7.4 7.4 1.4 1.4 8.8-8.8L10 3.2z",
  flag: "M5 3h2v1h11l-2.5 5L18 14H7v7H5zm2 3v6h7.8l-1.5-3 1.5-3z",
  bookmark: "M6 3h12a1 1 0 0 1 1 1v17l-7-4.5L5 21V4a1 1 0 0 1 1-1zm1 2v12.3l5-3.2 5 3.2V5z",
  bookmarkFilled: "M6 3h12a1 1 0 0 1 1 1v17l-7-4.5L5 21V4a1 1 0 0 1 1-1z",
  more: "M5 10a2 2 0 1 1 0 4 2 2 0 0 1 0-4zm7 0a2 2 0 1 1 0 4 2 2 0 0 1 0-4zm7 0a2 2 0 1 1 0 4 2 2 0 0 1 0-4z",
  carousel: "M7 3h12a2 2 0 0 1 2 2v12h-2V5H7zm-2 4h10a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V9a2 2 0 0 1 2-2z",
};

export function icon(name, className = "icon") {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", PATHS[name]);
  path.setAttribute("fill", "currentColor");
  path.setAttribute("fill-rule", "evenodd");
  svg.append(path);
  return svg;
}
