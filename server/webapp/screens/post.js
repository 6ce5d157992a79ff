// One post: carousel, likes, comments (live), and the author's delete.

import { carousel, postCard } from "../components/post-card.js";
import { openReportDialog } from "../components/menu.js";
import { saveButton } from "../components/save-button.js";
import { announce, append, errorText, h, time, userLink } from "../lib/dom.js";
import { icon } from "../lib/icons.js";
import { ADD_COMMENT, COMMENTS, DELETE_COMMENT, DELETE_POST, MODERATION_NOTE, POST, POST_PLACE, POST_UPDATED } from "../lib/operations.js";
import { placeLink } from "../lib/places.js";

export default async function postScreen(view, { id }, ctx) {
  const { post } = await ctx.request(POST, { id });
  if (!post) {
    view.append(h("h1", {}, "Post not found"), h("p", {}, "It was deleted, or you may not see it."));
    return;
  }
  const viewerId = ctx.session.viewer?.id;
  const mine = post.author.id === viewerId;
  const menu = mine
    ? h("button", { type: "button", class: "icon-button danger", "aria-label": "Delete this post", onclick: deletePost }, icon("trash"))
    : null;
  const card = postCard(post, ctx, {
    linkToPost: false,
    eager: true,
    menu,
    onGone: () => ctx.go("#/"),
    extraActions: saveButton(id, ctx),
  });
  let media = post.media;

  const list = h("ol", { class: "comments", "aria-label": "Comments" });
  const earlier = h("button", { type: "button", class: "load-more", hidden: true }, "More comments");
  let cursor = null;
  let hasNext = false;
  let known = post.commentCount;

  const renderComment = (comment) => {
    const removable = viewerId && (comment.author.id === viewerId || mine);
    const reportable = viewerId && comment.author.id !== viewerId && ctx.features.has("Mutation.reportComment");
    const item = h(
      "li",
      { class: "comment", dataset: { commentId: comment.id } },
      h("p", {}, userLink(comment.author), " ", comment.body),
      h("p", { class: "meta" }, time(comment.createdAt)),
    );
    if (removable) {
      item.querySelector(".meta").append(
        h("button", {
          type: "button",
          class: "link-button",
          "aria-label": `Delete comment by ${comment.author.username}`,
          onclick: async () => {
            try {
              await ctx.request(DELETE_COMMENT, { id: comment.id });
              item.remove();
            } catch (error) {
              announce(errorText(error), { error: true });
            }
          },
        }, "Delete"),
      );
    }
    if (reportable) {
      item.querySelector(".meta").append(
        h("button", {
          type: "button",
          class: "link-button",
          "aria-label": `Report comment by ${comment.author.username}`,
          onclick: () => openReportDialog(ctx, { commentId: comment.id }),
        }, "Report"),
      );
    }
    return item;
  };
  const addComments = (connection) => {
    const present = new Set([...list.children].map((li) => li.dataset.commentId));
    for (const edge of connection.edges) {
      if (!present.has(edge.node.id)) list.append(renderComment(edge.node));
    }
    if (connection.edges.length) cursor = connection.pageInfo.endCursor;
    hasNext = connection.pageInfo.hasNextPage;
    earlier.hidden = !hasNext;
  };
  const more = async () => {
    const data = await ctx.request(COMMENTS, { id, after: cursor });
    if (data.post) addComments(data.post.comments);
  };
  earlier.addEventListener("click", () => more().catch((e) => announce(errorText(e), { error: true })));
  addComments(post.comments);

  const form = h(
    "form",
    { class: "comment-form" },
    h("label", { for: "comment-body", class: "visually-hidden" }, "Add a comment"),
    h("textarea", { id: "comment-body", name: "body", rows: 1, maxlength: 2200, placeholder: "Add a comment…", required: true }),
    h("button", { type: "submit", class: "primary" }, "Post"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!ctx.session.token) return ctx.go("#/signin");
    const body = form.body.value.trim();
    if (!body) return;
    form.querySelector("button").disabled = true;
    try {
      const { addComment } = await ctx.request(ADD_COMMENT, { postId: id, body });
      if (!list.querySelector(`[data-comment-id="${addComment.id}"]`)) list.append(renderComment(addComment));
      known = addComment.post.commentCount;
      card.update({ commentCount: known });
      form.reset();
    } catch (error) {
      announce(errorText(error), { error: true });
    } finally {
      form.querySelector("button").disabled = false;
    }
  });
  form.body.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  async function deletePost() {
    if (!confirm("Delete this post?")) return;
    try {
      await ctx.request(DELETE_POST, { id });
      announce("Post deleted");
      ctx.go(`#/u/${encodeURIComponent(post.author.username)}`);
    } catch (error) {
      announce(errorText(error), { error: true });
    }
  }

  const failure = h("p", { class: "form-error", role: "alert", hidden: post.status !== "FAILED" }, post.status === "FAILED" ? post.failureReason ?? "Processing failed." : "");
  if (post.location && ctx.features.has("Post.place")) {
    // A tagged place links to the posts near it.
    ctx.request(POST_PLACE, { id }).then(({ post: placed }) => {
      if (placed?.place) card.element.querySelector(".location")?.replaceChildren(placeLink(placed.place));
    }, () => {});
  }
  if (post.status === "REMOVED" && ctx.features.has("Post.moderationNote")) {
    // Seen by its author and moderators only: say why it is gone.
    ctx.request(MODERATION_NOTE, { id }).then(({ post: moderated }) => {
      failure.textContent = `Removed by a moderator${moderated?.moderationNote ? `: ${moderated.moderationNote}` : "."}`;
      failure.hidden = false;
    }, () => {});
  }
  append(view, [
    h("h1", { class: "visually-hidden" }, `Post by ${post.author.username}`),
    card.element,
    failure,
    h("section", { class: "comments-section", "aria-label": "Comments" }, list, earlier, form),
  ]);

  // Status, likes and comment counts as they change; new comments are fetched when counted.
  return ctx.live.subscribe(POST_UPDATED, { id }, async ({ postUpdated: update }) => {
    card.update({ status: update.status, likeCount: update.likeCount, commentCount: update.commentCount });
    if (update.status === "FAILED") {
      failure.textContent = update.failureReason ?? "Processing failed.";
      failure.hidden = false;
    }
    if (media.some((m, i) => m.status !== update.media[i]?.status)) {
      media = update.media;
      view.querySelector(".carousel").replaceWith(carousel({ ...post, media }, { eager: true }));
    }
    if (update.commentCount > known && !hasNext) await more().catch(() => {});
    known = update.commentCount;
  });
}
