// A profile: counts, follow/unfollow (or requests, for a private account), the post grid.

import { followButton } from "../components/follow-button.js";
import { gridItem } from "../components/grid.js";
import { moreMenu } from "../components/menu.js";
import { safetyItems } from "../components/safety.js";
import { append, avatar, h, plural } from "../lib/dom.js";
import { icon } from "../lib/icons.js";
import { PROFILE, USER_POSTS, USER_SAFETY } from "../lib/operations.js";
import { pagedList } from "../lib/paging.js";

export default async function profile(view, { username }, ctx) {
  const { user } = await ctx.request(PROFILE, { username });
  if (!user) {
    view.append(h("h1", {}, "No such user"), h("p", {}, `Nobody is called ${username} here.`));
    return;
  }
  const self = user.id === ctx.session.viewer?.id;
  const base = `#/u/${encodeURIComponent(user.username)}`;
  const followers = h("a", { href: `${base}/followers` });
  const showFollowers = (count) => followers.replaceChildren(h("strong", {}, count.toLocaleString()), count === 1 ? " follower" : " followers");
  showFollowers(user.followerCount);

  // Blocks and mutes (servers that have them): the viewer's state towards this user.
  const safety = !self && ctx.session.token && ctx.features.has("User.viewerHasBlocked")
    ? (await ctx.request(USER_SAFETY, { username })).user ?? {}
    : {};
  const rerender = () => ctx.go(location.hash);
  const menu = safetyItems(user, ctx, safety, rerender);
  const actions = self
    ? [
        h("a", { class: "button", href: "#/settings" }, "Edit profile"),
        h("a", { class: "button", href: "#/requests" }, "Follow requests"),
        ctx.features.has("Query.savedPosts") ? h("a", { class: "button", href: "#/saved" }, "Saved") : null,
      ]
    : !ctx.session.token
      ? [h("a", { class: "button primary", href: "#/signin" }, "Sign in to follow")]
      : safety.viewerHasBlocked
        ? [h("p", { class: "notice blocked" }, `You blocked ${user.username}.`), h("button", { type: "button", onclick: () => menu.find((i) => i.label.startsWith("Unblock")).onSelect() }, "Unblock")]
        : [followButton(user, ctx, (changed) => showFollowers(changed.followerCount)), safety.viewerHasMuted ? h("span", { class: "muted-note" }, "Muted") : null];
  if (menu.length) actions.push(moreMenu(`More options for ${user.username}`, menu));

  const header = h(
    "header",
    { class: "profile-header" },
    avatar(user, "large"),
    h(
      "div",
      { class: "profile-info" },
      h("h1", {}, user.username, user.isPrivate ? h("span", { class: "lock", title: "Private account" }, icon("lock"), h("span", { class: "visually-hidden" }, " (private account)")) : null),
      user.displayName ? h("p", { class: "display-name" }, user.displayName) : null,
      h(
        "ul",
        { class: "counts", role: "list" },
        h("li", {}, h("strong", {}, user.postCount.toLocaleString()), user.postCount === 1 ? " post" : " posts"),
        h("li", {}, followers),
        h("li", {}, h("a", { href: `${base}/following` }, h("strong", {}, user.followingCount.toLocaleString()), " following")),
      ),
      user.bio ? h("p", { class: "bio" }, user.bio) : null,
      h("div", { class: "profile-actions" }, actions),
    ),
  );

  let first = user.posts;
  const grid = pagedList({
    label: `Posts by ${user.username}`,
    listClass: "grid",
    empty: safety.viewerHasBlocked
      ? "Unblock this account to see its posts."
      : user.isPrivate && !self && user.viewerFollowStatus !== "FOLLOWING"
        ? "This account is private. Follow it to see its posts."
        : "No posts yet.",
    renderItem: gridItem,
    fetchPage: async (after) => {
      if (first) {
        const page = first;
        first = null;
        return page;
      }
      return (await ctx.request(USER_POSTS, { username, after })).user?.posts ?? null;
    },
  });
  append(view, [header, h("h2", { class: "visually-hidden" }, plural(user.postCount, "post")), grid.element]);
  await grid.load();
  return () => grid.stop();
}
