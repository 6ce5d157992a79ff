// Home: story tray, the feed with infinite scroll, and new posts arriving live.

import { postCard } from "../components/post-card.js";
import { storyTray } from "../components/story-tray.js";
import { suggestions } from "../components/suggestions.js";
import { append, h, plural } from "../lib/dom.js";
import * as ops from "../lib/operations.js";
import { pagedList } from "../lib/paging.js";

const PAGE = 10;

export default async function feed(view, { query }, ctx) {
  // CHRONOLOGICAL/RANKED: offered once the server has FeedOrder and the app its document.
  const orders = ctx.features.values("FeedOrder");
  const canRank = orders.includes("RANKED") && Boolean(ops.FEED_ORDERED);
  const order = canRank && query.get("order") === "ranked" ? "RANKED" : "CHRONOLOGICAL";

  const heading = h("h1", { class: "visually-hidden" }, "Home");
  const pending = [];
  const pill = h("button", { type: "button", class: "new-posts-pill", hidden: true });
  const list = pagedList({
    label: "Home feed",
    listClass: "feed",
    empty: "Your feed is empty. Find people to follow in Explore or Search.",
    renderItem: (post) => postCard(post, ctx).element,
    fetchPage: async (after) => {
      if (!canRank) return (await ctx.request(ops.FEED, { first: PAGE, after })).feed;
      const page = (await ctx.request(ops.FEED_ORDERED, { first: PAGE, after, order })).feed;
      // Why a post is here: SUGGESTED ones say so on their card.
      return { ...page, edges: page.edges.map((e) => ({ ...e, node: { ...e.node, feedReason: e.reason } })) };
    },
  });

  pill.addEventListener("click", () => {
    const added = list.prepend(pending.splice(0).reverse());
    pill.hidden = true;
    scrollTo({ top: 0, behavior: "smooth" });
    added[0]?.querySelector("a, button")?.focus({ preventScroll: true });
  });

  const switcher = canRank
    ? h(
        "div",
        { class: "segmented", role: "group", "aria-label": "Feed order" },
        h("a", { href: "#/", "aria-current": order === "CHRONOLOGICAL" ? "true" : undefined }, "Latest"),
        h("a", { href: "#/?order=ranked", "aria-current": order === "RANKED" ? "true" : undefined }, "For you"),
      )
    : null;

  const [tray, suggested] = await Promise.all([storyTray(ctx), suggestions(ctx)]);
  append(view, [heading, tray, switcher, suggested, pill, list.element]);

  const stop = ctx.live.subscribe(ops.FEED_UPDATES, {}, ({ feedUpdates: post }) => {
    if (post.author.id === ctx.session.viewer?.id) {
      list.prepend([post]); // one's own new post goes straight to the top
      return;
    }
    if (pending.some((p) => p.id === post.id)) return;
    pending.push(post);
    pill.textContent = `↑ ${plural(pending.length, "new post")}`;
    pill.hidden = false;
  });
  await list.load();
  return () => {
    stop();
    list.stop();
  };
}
