// Explore: public posts ranked by recent engagement.

import { gridItem } from "../components/grid.js";
import { h } from "../lib/dom.js";
import { EXPLORE } from "../lib/operations.js";
import { pagedList } from "../lib/paging.js";

export default async function explore(view, _params, ctx) {
  const grid = pagedList({
    label: "Explore",
    listClass: "grid",
    empty: "Nothing to explore yet: new public posts show up here as people like and comment.",
    renderItem: gridItem,
    fetchPage: async (after) => (await ctx.request(EXPLORE, { after })).explore,
  });
  view.append(h("h1", {}, "Explore"), grid.element);
  await grid.load();
  return () => grid.stop();
}
