// A story reel: one story at a time, marked seen as it shows; then the next unseen reel.

import { announce, avatar, errorText, h, time, userLink } from "../lib/dom.js";
import { icon } from "../lib/icons.js";
import { picture } from "../lib/media.js";
import { MARK_STORY_SEEN, STORY_REELS } from "../lib/operations.js";

const SECONDS = 6;

export default async function stories(view, { username }, ctx) {
  const { storyReels: reels } = await ctx.request(STORY_REELS);
  const reelIndex = reels.findIndex((r) => r.author.username === username);
  if (reelIndex < 0) {
    view.append(h("h1", {}, "No stories"), h("p", {}, `${username} has no live stories you can see. `, h("a", { href: "#/" }, "Back home")));
    return;
  }
  const reel = reels[reelIndex];
  let index = Math.max(0, reel.stories.findIndex((s) => !s.viewerHasSeen));
  let timer = null;
  let paused = matchMedia("(prefers-reduced-motion: reduce)").matches;

  const bars = reel.stories.map(() => h("span", { class: "bar" }, h("span", { class: "fill" })));
  const stage = h("div", { class: "story-stage" });
  const when = h("span", { class: "story-time" });
  const pause = h("button", { type: "button", class: "icon-button", "aria-pressed": String(paused) });
  const prev = h("button", { type: "button", class: "nav prev", "aria-label": "Previous story", onclick: () => show(index - 1) }, icon("left"));
  const next = h("button", { type: "button", class: "nav next", "aria-label": "Next story", onclick: () => show(index + 1) }, icon("right"));
  const close = h("a", { class: "icon-button", href: "#/", "aria-label": "Close stories" }, icon("close"));
  const position = h("p", { class: "visually-hidden", "aria-live": "polite" });

  const showPause = () => {
    pause.replaceChildren(icon(paused ? "play" : "pause"));
    pause.setAttribute("aria-label", paused ? "Play stories" : "Pause stories");
    pause.setAttribute("aria-pressed", String(paused));
  };
  pause.addEventListener("click", () => {
    paused = !paused;
    showPause();
    schedule();
  });

  function schedule() {
    clearTimeout(timer);
    view.classList.toggle("paused", paused);
    if (!paused) timer = setTimeout(() => show(index + 1), SECONDS * 1000);
  }

  async function show(i) {
    if (i >= reel.stories.length) return leave(+1);
    if (i < 0) return leave(-1);
    index = i;
    const story = reel.stories[i];
    bars.forEach((bar, j) => {
      bar.classList.toggle("done", j < i);
      bar.classList.toggle("current", j === i);
    });
    stage.replaceChildren(picture(story.media, { alt: `Story ${i + 1} of ${reel.stories.length} by ${reel.author.username}`, eager: true, sizes: "min(100vw, 420px)" }));
    when.replaceChildren(time(story.createdAt));
    position.textContent = `Story ${i + 1} of ${reel.stories.length}`;
    prev.disabled = i === 0 && reelIndex === 0;
    schedule();
    if (!story.viewerHasSeen) {
      try {
        await ctx.request(MARK_STORY_SEEN, { storyId: story.id });
        story.viewerHasSeen = true;
      } catch (error) {
        announce(errorText(error), { error: true });
      }
    }
  }

  function leave(step) {
    // Forward: the next reel with something unseen; backward: the previous reel.
    const target = step > 0 ? reels.slice(reelIndex + 1).find((r) => r.hasUnseen) : reels[reelIndex - 1];
    ctx.go(target ? `#/stories/${encodeURIComponent(target.author.username)}` : "#/");
  }

  const onKey = (event) => {
    if (event.key === "ArrowRight") show(index + 1);
    else if (event.key === "ArrowLeft") show(index - 1);
    else if (event.key === "Escape") ctx.go("#/");
    else return;
    event.preventDefault();
  };
  document.addEventListener("keydown", onKey);

  showPause();
  view.append(
    h("h1", { class: "visually-hidden" }, `${reel.author.username}'s story`),
    h(
      "section",
      { class: "story-viewer", "aria-label": `${reel.author.username}'s story` },
      h("div", { class: "bars", "aria-hidden": "true" }, bars),
      h("header", { class: "story-header" }, avatar(reel.author), userLink(reel.author), when, pause, close),
      stage,
      prev,
      next,
      position,
    ),
  );
  await show(index);
  return () => {
    clearTimeout(timer);
    document.removeEventListener("keydown", onKey);
  };
}
