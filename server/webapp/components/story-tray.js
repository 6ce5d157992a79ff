// The row of story reels above the home feed; a ring marks reels with unseen stories.

import { avatar, h } from "../lib/dom.js";
import { STORY_REELS } from "../lib/operations.js";

export async function storyTray(ctx) {
  const tray = h("nav", { class: "story-tray", "aria-label": "Stories" });
  const add = h(
    "a",
    { class: "reel add", href: "#/new?story=1" },
    h("span", { class: "ring" }, h("span", { class: "avatar medium plus", "aria-hidden": "true" }, "+")),
    h("span", { class: "reel-name" }, "Your story"),
  );
  let reels = [];
  try {
    reels = (await ctx.request(STORY_REELS)).storyReels;
  } catch {
    reels = [];
  }
  const items = reels.map((reel) =>
    h(
      "a",
      {
        class: `reel${reel.hasUnseen ? " unseen" : ""}`,
        href: `#/stories/${encodeURIComponent(reel.author.username)}`,
        "aria-label": `${reel.author.username}'s story${reel.hasUnseen ? ", not seen yet" : ", seen"}`,
      },
      h("span", { class: "ring" }, avatar(reel.author, "medium")),
      h("span", { class: "reel-name", "aria-hidden": "true" }, reel.author.username),
    ),
  );
  tray.append(h("ul", { role: "list" }, [add, ...items].map((item) => h("li", {}, item))));
  return tray;
}
