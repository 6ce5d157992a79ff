// One post as the feed and the post page show it: author, carousel, like, counts, caption.

import { announce, avatar, errorText, h, plural, richText, time, userLink } from "../lib/dom.js";
import { icon } from "../lib/icons.js";
import { describePhoto, picture } from "../lib/media.js";
import { LIKE, UNLIKE } from "../lib/operations.js";
import { moreMenu, openReportDialog } from "./menu.js";
import { safetyItems } from "./safety.js";

export function postCard(post, ctx, { headingLevel = "h2", linkToPost = true, eager = false, menu = null, onGone = null, extraActions = null } = {}) {
  const likeButton = h("button", { type: "button", class: "icon-button like", "aria-pressed": String(post.viewerHasLiked) });
  const likes = h("p", { class: "likes", "aria-live": "polite" });
  const comments = h(linkToPost ? "a" : "span", { class: "comment-count", href: linkToPost ? `#/p/${post.id}` : undefined });
  const statusBadge = h("span", { class: "status-badge" });
  const state = { ...post };

  function show() {
    likeButton.setAttribute("aria-pressed", String(state.viewerHasLiked));
    likeButton.setAttribute("aria-label", state.viewerHasLiked ? "Unlike" : "Like");
    likeButton.replaceChildren(icon(state.viewerHasLiked ? "heartFilled" : "heart"));
    likes.textContent = plural(state.likeCount, "like");
    if (linkToPost) comments.textContent = state.commentCount ? `View ${plural(state.commentCount, "comment")}` : "Add a comment";
    else comments.textContent = state.commentCount ? plural(state.commentCount, "comment") : "No comments yet";
    statusBadge.textContent = state.status === "PUBLISHED" ? "" : state.status.toLowerCase();
    statusBadge.hidden = state.status === "PUBLISHED";
  }

  likeButton.addEventListener("click", async () => {
    if (!ctx.session.token) return ctx.go("#/signin");
    const liked = !state.viewerHasLiked;
    Object.assign(state, { viewerHasLiked: liked, likeCount: state.likeCount + (liked ? 1 : -1) });
    show();
    try {
      const data = await ctx.request(liked ? LIKE : UNLIKE, { postId: post.id });
      Object.assign(state, liked ? data.likePost : data.unlikePost);
    } catch (error) {
      Object.assign(state, { viewerHasLiked: !liked, likeCount: state.likeCount + (liked ? -1 : 1) });
      announce(errorText(error), { error: true });
    }
    show();
  });

  const heading = h(headingLevel, { class: "post-author" }, userLink(post.author));
  // Someone else's post: report it, or mute or block its author (servers that offer it).
  const signedIn = Boolean(ctx.session.token);
  if (!menu && signedIn && post.author.id !== ctx.session.viewer?.id && ctx.features.has("Mutation.reportPost")) {
    const gone = (user) => {
      if (!user.viewerHasBlocked && !user.viewerHasMuted) return;
      if (onGone) onGone();
      else article.remove();
    };
    menu = moreMenu("More options for this post", [
      { label: "Report post", onSelect: () => openReportDialog(ctx, { postId: post.id }) },
      ...safetyItems(post.author, ctx, { viewerHasBlocked: false, viewerHasMuted: false }, gone),
    ]);
  }
  const article = h(
    "article",
    { class: "post-card", "aria-label": `Post by ${post.author.username}`, dataset: { postId: post.id } },
    h(
      "header",
      { class: "post-header" },
      avatar(post.author),
      h(
        "div",
        { class: "post-byline" },
        heading,
        post.feedReason === "SUGGESTED" ? h("p", { class: "reason" }, "Suggested for you") : null,
        post.location ? h("p", { class: "location" }, post.location) : null,
      ),
      statusBadge,
      menu,
    ),
    carousel(post, { eager, link: linkToPost ? `#/p/${post.id}` : null }),
    h("div", { class: "post-actions" }, likeButton, h("a", { class: "icon-button", href: `#/p/${post.id}`, "aria-label": "Comment" }, icon("comment")), extraActions),
    likes,
    post.caption ? h("p", { class: "caption" }, userLink(post.author), " ", richText(post.caption)) : null,
    comments,
    h("p", { class: "posted" }, time(post.createdAt)),
  );
  show();
  return {
    element: article,
    // Live changes (postUpdated, a comment added here).
    update(changes) {
      Object.assign(state, changes);
      show();
    },
  };
}

// Several photos scroll sideways (scroll snap); the buttons and arrow keys move one by one.
export function carousel(post, { eager = false, link = null } = {}) {
  const count = post.media.length;
  const slides = post.media.map((media, i) => {
    const content = picture(media, { alt: describePhoto(post, i), eager: eager && i === 0 });
    const slide = h("li", { class: "slide", "aria-roledescription": "slide", "aria-label": `${i + 1} of ${count}` });
    slide.append(link && i === 0 && count === 1 ? h("a", { href: link, class: "slide-link" }, content) : content);
    return slide;
  });
  const track = h("ul", { class: "track", role: "list" }, slides);
  if (count === 1) return h("div", { class: "carousel single" }, track);
  const dots = post.media.map(() => h("span", { class: "dot", "aria-hidden": "true" }));
  const counter = h("span", { class: "visually-hidden", "aria-live": "polite" });
  let index = 0;
  const goTo = (i) => {
    index = Math.max(0, Math.min(count - 1, i));
    track.scrollTo({ left: index * track.clientWidth, behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    mark();
  };
  const mark = () => {
    dots.forEach((d, i) => d.classList.toggle("active", i === index));
    prev.disabled = index === 0;
    next.disabled = index === count - 1;
    counter.textContent = `Photo ${index + 1} of ${count}`;
  };
  const prev = h("button", { type: "button", class: "nav prev", "aria-label": "Previous photo", onclick: () => goTo(index - 1) }, icon("left"));
  const next = h("button", { type: "button", class: "nav next", "aria-label": "Next photo", onclick: () => goTo(index + 1) }, icon("right"));
  track.addEventListener("scroll", () => {
    const i = Math.round(track.scrollLeft / Math.max(track.clientWidth, 1));
    if (i !== index) {
      index = i;
      mark();
    }
  }, { passive: true });
  const box = h(
    "section",
    { class: "carousel", "aria-roledescription": "carousel", "aria-label": `${count} photos`, tabindex: "0" },
    track,
    prev,
    next,
    h("div", { class: "dots" }, dots),
    counter,
  );
  box.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft") goTo(index - 1);
    else if (event.key === "ArrowRight") goTo(index + 1);
    else return;
    event.preventDefault();
  });
  mark();
  return box;
}
