// A place: posts tagged within a few kilometres of it, newest first (postsNear).

import { gridItem } from "../components/grid.js";
import { h } from "../lib/dom.js";
import { POSTS_NEAR } from "../lib/operations.js";
import { pagedList } from "../lib/paging.js";

const RADII = [1, 5, 25];

export default async function place(view, { query }, ctx) {
  const name = query.get("name") ?? "A place";
  const latitude = Number(query.get("lat"));
  const longitude = Number(query.get("lng"));
  const radiusKm = RADII.includes(Number(query.get("km"))) ? Number(query.get("km")) : 5;
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || query.get("lat") === null) {
    view.append(h("h1", {}, name), h("p", {}, "This place has no coordinates."));
    return;
  }
  const link = (km) => {
    const params = new URLSearchParams({ name, lat: String(latitude), lng: String(longitude), km: String(km) });
    return h("a", { href: `#/place?${params}`, "aria-current": km === radiusKm ? "true" : undefined }, `${km} km`);
  };
  const grid = pagedList({
    label: `Posts near ${name}`,
    listClass: "grid",
    empty: `No posts within ${radiusKm} km yet.`,
    renderItem: gridItem,
    fetchPage: async (after) => (await ctx.request(POSTS_NEAR, { latitude, longitude, radiusKm, after })).postsNear,
  });
  view.append(
    h("h1", {}, name),
    h("p", { class: "subtitle" }, `${latitude.toFixed(4)}, ${longitude.toFixed(4)}`),
    h("div", { class: "segmented", role: "group", "aria-label": "Distance" }, RADII.map(link)),
    grid.element,
  );
  await grid.load();
  return () => grid.stop();
}
