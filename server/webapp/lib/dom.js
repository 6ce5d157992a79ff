// Small DOM helpers: element building, announcements, dates, links in captions.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// Polite announcement for screen readers, also shown briefly on screen.
export function announce(message, { error = false } = {}) {
  const box = document.getElementById("toasts");
  const toast = h("p", { class: error ? "toast error" : "toast" }, message);
  box.append(toast);
  setTimeout(() => toast.remove(), error ? 8000 : 4000);
}

export function errorText(error) {
  switch (error?.code) {
    case "UNAUTHENTICATED":
      return "Please sign in again.";
    case "RATE_LIMITED":
      return `Slow down a little${error.retryAfter ? ` (try again in ${error.retryAfter} s)` : ""}.`;
    case "NETWORK":
      return error.message;
    default:
      return error?.message || "Something went wrong.";
  }
}

const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function timeAgo(iso) {
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

export function time(iso) {
  return h("time", { datetime: iso, title: new Date(iso).toLocaleString() }, timeAgo(iso));
}

export function plural(count, one, many = `${one}s`) {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

// Caption text with #hashtags and @mentions as links.
export function richText(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/([#@])([\p{L}\p{N}_.]+)/gu)) {
    parts.push(text.slice(last, match.index));
    const [whole, sign, word] = match;
    const name = word.replace(/\.+$/, "");
    const href = sign === "#" ? `#/t/${encodeURIComponent(name.toLowerCase())}` : `#/u/${encodeURIComponent(name.toLowerCase())}`;
    parts.push(h("a", { href }, sign + name), word.slice(name.length));
    last = match.index + whole.length;
  }
  parts.push(text.slice(last));
  return parts;
}

export function avatar(user, size = "small") {
  const initial = (user.displayName || user.username || "?").trim()[0]?.toUpperCase() ?? "?";
  let hue = 0;
  for (const ch of user.username ?? "") hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  const el = h("span", { class: `avatar ${size}`, "aria-hidden": "true" }, initial);
  el.style.setProperty("--hue", String(hue));
  return el;
}

export function userLink(user) {
  return h("a", { class: "user-link", href: `#/u/${encodeURIComponent(user.username)}` }, user.username);
}
