// Snapfeed's reference web app: plain ES modules, no build step. Every screen talks to the
// public GraphQL API only (lib/operations.js), over HTTP and graphql-transport-ws.

import { loadConfig } from "./lib/config.js";
import { announce, errorText, h, replace } from "./lib/dom.js";
import { icon } from "./lib/icons.js";
import { loadFeatures } from "./lib/features.js";
import { createHttpClient, createLiveClient } from "./lib/graphql.js";
import { createNotifications } from "./lib/notifications.js";
import { VIEWER, VIEWER_ROLE } from "./lib/operations.js";
import { createSession } from "./lib/session.js";

// A new screen drops in here: a pattern, its module, and whether it needs a signed-in viewer.
// `feature` names the schema field it needs (lib/features.js); without it the route is off.
const ROUTES = [
  { path: /^\/$/, screen: "feed", auth: true },
  { path: /^\/signin$/, screen: "auth", mode: "signin" },
  { path: /^\/signup$/, screen: "auth", mode: "signup" },
  { path: /^\/explore$/, screen: "explore" },
  { path: /^\/search$/, screen: "search" },
  { path: /^\/t\/([^/]+)$/, screen: "hashtag", params: ["name"] },
  { path: /^\/place$/, screen: "place", feature: "Query.postsNear" },
  { path: /^\/p\/([^/]+)$/, screen: "post", params: ["id"] },
  { path: /^\/u\/([^/]+)$/, screen: "profile", params: ["username"] },
  { path: /^\/u\/([^/]+)\/(followers|following)$/, screen: "people", params: ["username", "list"] },
  { path: /^\/requests$/, screen: "people", auth: true, mode: "requests" },
  { path: /^\/blocked$/, screen: "people", auth: true, mode: "blocked", feature: "Query.blockedUsers" },
  { path: /^\/moderation$/, screen: "moderation", auth: true, feature: "Query.moderationQueue" },
  { path: /^\/notifications$/, screen: "notifications", auth: true, feature: "Query.notifications" },
  { path: /^\/saved$/, screen: "saved", auth: true, feature: "Query.savedPosts" },
  { path: /^\/settings$/, screen: "settings", auth: true },
  { path: /^\/new$/, screen: "upload", auth: true },
  { path: /^\/stories\/([^/]+)$/, screen: "stories", auth: true, params: ["username"] },
];

// Navigation: `when` decides whether an entry shows (signed in, a feature present).
const NAV = [
  { href: "#/", label: "Home", icon: "home", when: (c) => c.session.token },
  { href: "#/explore", label: "Explore", icon: "explore" },
  { href: "#/search", label: "Search", icon: "search" },
  { href: "#/new", label: "New post", icon: "plus", when: (c) => c.session.token },
  {
    href: "#/notifications",
    label: "Notifications",
    icon: "heart",
    badge: (c) => c.notifications?.unread ?? 0,
    when: (c) => c.session.token && c.features?.has("Query.notifications"),
  },
  { href: () => `#/u/${encodeURIComponent(ctx.session.viewer?.username ?? "")}`, label: "Profile", icon: "user", when: (c) => c.session.viewer },
  { href: "#/moderation", label: "Moderation", icon: "flag", when: (c) => c.session.viewer?.isModerator },
  { href: "#/signin", label: "Sign in", icon: "signin", when: (c) => !c.session.token },
];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
let ctx;
let cleanup = null;
let firstRender = true;
let renders = 0;

// The skip link moves focus; it must not change the hash, which is the route.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

async function boot() {
  const config = await loadConfig();
  const session = createSession(config.api);
  const request = createHttpClient({ url: config.api, token: () => session.token });
  ctx = { config, session, request, live: null, features: null, go };
  ctx.live = createLiveClient({ url: config.ws, token: () => session.token });
  session.onChange(() => {
    // A socket speaks for the viewer it was opened with: a new one for the new viewer.
    ctx.live.dispose();
    ctx.live = createLiveClient({ url: config.ws, token: () => session.token });
    ctx.notifications?.start();
    renderNav();
    loadRole().then(renderNav);
  });
  const [features] = await Promise.all([loadFeatures(request), loadViewer()]);
  ctx.features = features;
  await loadRole();
  ctx.notifications = createNotifications(ctx, showBadge);
  ctx.notifications.start();
  renderNav();
  addEventListener("hashchange", render);
  render();
}

async function loadViewer() {
  if (!ctx.session.token) return;
  try {
    const { viewer } = await ctx.request(VIEWER);
    if (viewer) ctx.session.viewer = viewer;
    else ctx.session.signOut(); // expired or revoked
  } catch (error) {
    if (error.code === "UNAUTHENTICATED") ctx.session.signOut();
    else announce(errorText(error), { error: true });
  }
}

// Moderators get the moderation queue (servers that have one).
async function loadRole() {
  if (!ctx.session.viewer || !ctx.features?.has("User.isModerator")) return;
  try {
    const { viewer } = await ctx.request(VIEWER_ROLE);
    if (viewer) ctx.session.viewer.isModerator = viewer.isModerator;
  } catch {
    // not a moderator, as far as this app knows
  }
}

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function currentPath() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  return { path, query: new URLSearchParams(query) };
}

function renderNav() {
  const { path } = currentPath();
  const items = NAV.filter((item) => !item.when || item.when(ctx)).map((item) => {
    const href = typeof item.href === "function" ? item.href() : item.href;
    const current = href === `#${path}` || (href === "#/" && path === "/");
    const count = item.badge?.(ctx) ?? 0;
    return h(
      "a",
      {
        href,
        class: "nav-item",
        "aria-current": current ? "page" : undefined,
        "aria-label": count ? `${item.label}, ${count} unread` : undefined,
      },
      icon(item.icon, "icon nav-icon"),
      h("span", { class: "nav-label" }, item.label),
      count ? h("span", { class: "badge-count", "aria-hidden": "true" }, count > 99 ? "99+" : String(count)) : null,
    );
  });
  if (ctx.session.token) {
    items.push(
      h(
        "button",
        { type: "button", class: "nav-item", onclick: signOut },
        icon("signout", "icon nav-icon"),
        h("span", { class: "nav-label" }, "Sign out"),
      ),
    );
  }
  replace(nav, items);
  if (ctx.config.remote) {
    nav.append(h("span", { class: "api-host", title: ctx.config.api }, `API: ${new URL(ctx.config.api).host}`));
  }
}

// The badge changes in place: re-drawing the navigation would take the focus from its links.
function showBadge(count) {
  const link = nav.querySelector('a[href="#/notifications"]');
  if (!link) return renderNav();
  link.querySelector(".badge-count")?.remove();
  if (count) {
    link.append(h("span", { class: "badge-count", "aria-hidden": "true" }, count > 99 ? "99+" : String(count)));
    link.setAttribute("aria-label", `Notifications, ${count} unread`);
  } else {
    link.removeAttribute("aria-label");
  }
}

async function signOut() {
  try {
    const { LOGOUT } = await import("./lib/operations.js");
    await ctx.request(LOGOUT);
  } catch {
    // The token is forgotten here whatever the server said.
  }
  ctx.session.signOut();
  go("#/signin");
}

async function render() {
  const mine = ++renders;
  const { path, query } = currentPath();
  const route = ROUTES.find((r) => r.path.test(path) && (!r.feature || ctx.features.has(r.feature)));
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  renderNav();
  if (!route) {
    replace(main, h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "#/" }, "Go home")));
    return focusHeading();
  }
  if (route.auth && !ctx.session.token) {
    sessionStorage.setItem("snapfeed.next", location.hash);
    return go("#/signin");
  }
  const match = route.path.exec(path);
  const params = Object.fromEntries((route.params ?? []).map((name, i) => [name, decodeURIComponent(match[i + 1])]));
  params.mode = route.mode;
  params.query = query;
  main.setAttribute("aria-busy", "true");
  try {
    const module = await import(`./screens/${route.screen}.js`);
    if (mine !== renders) return;
    const view = h("div", { class: `screen screen-${route.screen}` });
    replace(main, view);
    const stop = (await module.default(view, params, ctx)) ?? null;
    // Left while it loaded: its subscriptions end now.
    if (mine !== renders) return stop?.();
    cleanup = stop;
  } catch (error) {
    console.error(error);
    replace(main, h("h1", {}, "Something went wrong"), h("p", { role: "alert" }, errorText(error)));
  } finally {
    main.setAttribute("aria-busy", "false");
  }
  focusHeading();
}

function focusHeading() {
  // Keyboard and screen reader users land on the new screen's title, not the old link.
  if (firstRender) {
    firstRender = false;
    return;
  }
  const heading = main.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  scrollTo({ top: 0 });
}

boot().catch((error) => {
  console.error(error);
  replace(main, h("h1", {}, "Snapfeed could not start"), h("p", { role: "alert" }, errorText(error)));
});
