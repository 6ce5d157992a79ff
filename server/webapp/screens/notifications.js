// Notifications, newest first; new and re-folded ones arrive live. Opening the screen marks
// them read.

import { announce, avatar, errorText, h, time } from "../lib/dom.js";
import { picture } from "../lib/media.js";
import { MARK_NOTIFICATIONS_READ, NOTIFICATIONS } from "../lib/operations.js";
import { pagedList } from "../lib/paging.js";

/** "ada", "ada and bob", "ada and 12 others" */
export function actorsText(notification) {
  const [first, second] = notification.actors.map((a) => a.username);
  const others = notification.actorCount - (second ? 2 : first ? 1 : 0);
  if (!first) return "Someone";
  if (second && others <= 0) return `${first} and ${second}`;
  if (others > 0) return `${first}${second ? `, ${second}` : ""} and ${others} other${others === 1 ? "" : "s"}`;
  return first;
}

export function describe(notification) {
  const who = actorsText(notification);
  switch (notification.kind) {
    case "LIKE":
      return `${who} liked your post.`;
    case "COMMENT":
      return `${who} commented${notification.comment ? `: ${notification.comment.body}` : " on your post."}`;
    case "MENTION":
      return `${who} mentioned you${notification.comment ? `: ${notification.comment.body}` : " in a post."}`;
    case "FOLLOW":
      return `${who} started following you.`;
    case "FOLLOW_REQUEST":
      return `${who} asked to follow you.`;
    case "FOLLOW_ACCEPTED":
      return `${who} accepted your follow request.`;
    case "POST_PUBLISHED":
      return "Your post is published.";
    case "POST_FAILED":
      return "Your post could not be processed.";
    case "POST_REMOVED":
      return "A moderator removed your post.";
    default:
      return `${who}: ${notification.kind.toLowerCase()}`;
  }
}

function target(notification) {
  if (notification.kind === "FOLLOW_REQUEST") return "#/requests";
  if (notification.post) return `#/p/${notification.post.id}`;
  const actor = notification.actors[0];
  return actor ? `#/u/${encodeURIComponent(actor.username)}` : "#/";
}

function row(notification) {
  const media = notification.post?.media?.[0];
  return h(
    "a",
    {
      class: `notification${notification.read ? "" : " unread"}`,
      href: target(notification),
      dataset: { notificationId: notification.id },
    },
    notification.actors[0] ? avatar(notification.actors[0], "medium") : h("span", { class: "avatar medium", "aria-hidden": "true" }, "★"),
    h("span", { class: "notification-text" }, describe(notification), " ", time(notification.createdAt)),
    media ? h("span", { class: "notification-thumb" }, picture(media, { alt: "", thumb: media.thumb })) : null,
  );
}

export default async function notifications(view, _params, ctx) {
  let newest = null;
  const list = pagedList({
    label: "Notifications",
    listClass: "notifications",
    empty: "Nothing yet: likes, comments, mentions and follows show up here.",
    renderItem: row,
    fetchPage: async (after) => {
      const page = (await ctx.request(NOTIFICATIONS, { after })).notifications;
      newest ??= page.edges[0]?.node.id ?? null;
      return page;
    },
  });
  view.append(h("h1", {}, "Notifications"), list.element);
  await list.load();

  const markRead = async (upTo) => {
    if (!upTo) return;
    try {
      await ctx.request(MARK_NOTIFICATIONS_READ, { upTo });
      ctx.notifications.markedRead();
    } catch (error) {
      announce(errorText(error), { error: true });
    }
  };
  await markRead(newest);

  const stop = ctx.notifications.listen((notification) => {
    // A re-folded notification moves to the top with its new actors.
    list.list.querySelector(`[data-notification-id="${notification.id}"]`)?.remove();
    list.list.prepend(row(notification));
    markRead(notification.id);
  });
  return () => {
    stop();
    list.stop();
  };
}
