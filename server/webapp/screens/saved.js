// The viewer's saved posts, newest saved first.

import { gridItem } from "../components/grid.js";
import { h } from "../lib/dom.js";
import { SAVED_POSTS } from "../lib/operations.js";
import { pagedList } from "../lib/paging.js";

export default async function saved(view, _params, ctx) {
  const grid = pagedList({
    label: "Saved posts",
    listClass: "grid",
    empty: "Nothing saved yet: use the bookmark on a post to keep it here.",
    renderItem: gridItem,
    fetchPage: async (after) => (await ctx.request(SAVED_POSTS, { after })).savedPosts,
  });
  view.append(h("h1", {}, "Saved"), h("p", { class: "subtitle" }, "Only you can see what you saved."), grid.element);
  await grid.load();
  return () => grid.stop();
}
