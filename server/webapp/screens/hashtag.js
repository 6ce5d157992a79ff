// A hashtag's posts, newest first.

import { gridItem } from "../components/grid.js";
import { h, plural } from "../lib/dom.js";
import { HASHTAG } from "../lib/operations.js";
import { pagedList } from "../lib/paging.js";

export default async function hashtag(view, { name }, ctx) {
  const count = h("p", { class: "subtitle" });
  const grid = pagedList({
    label: `Posts tagged #${name}`,
    listClass: "grid",
    empty: `No posts tagged #${name} yet.`,
    renderItem: gridItem,
    fetchPage: async (after) => {
      const { hashtag: tag } = await ctx.request(HASHTAG, { name, after });
      if (!tag) return null;
      count.textContent = plural(tag.postCount, "post");
      return tag.posts;
    },
  });
  view.append(h("h1", {}, `#${name}`), count, grid.element);
  await grid.load();
  if (!count.textContent) count.textContent = `No posts tagged #${name} yet.`;
  return () => grid.stop();
}
