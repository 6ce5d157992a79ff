// Lists of people: someone's followers or following, and the viewer's follow requests.

import { followButton } from "../components/follow-button.js";
import { announce, append, avatar, errorText, h, userLink } from "../lib/dom.js";
import { APPROVE_REQUEST, BLOCKED_USERS, FOLLOW_REQUESTS, FOLLOWERS, FOLLOWING, REJECT_REQUEST, UNBLOCK } from "../lib/operations.js";
import { pagedList } from "../lib/paging.js";

export function personRow(user, ctx, extra = null) {
  const self = user.id === ctx.session.viewer?.id;
  return h(
    "div",
    { class: "person" },
    avatar(user, "medium"),
    h("div", { class: "person-names" }, userLink(user), user.displayName ? h("span", { class: "display-name" }, user.displayName) : null),
    extra ?? (self || !ctx.session.token ? null : followButton(user, ctx)),
  );
}

export default async function people(view, { username, list, mode }, ctx) {
  const requests = mode === "requests";
  const blocked = mode === "blocked";
  const title = requests ? "Follow requests" : blocked ? "Blocked accounts" : `${username}'s ${list === "followers" ? "followers" : "following"}`;
  const document = requests ? FOLLOW_REQUESTS : blocked ? BLOCKED_USERS : list === "followers" ? FOLLOWERS : FOLLOWING;

  const renderRequest = (user) => {
    const decide = (mutation, verb) => async (event) => {
      const row = event.target.closest(".person");
      row.querySelectorAll("button").forEach((b) => (b.disabled = true));
      try {
        await ctx.request(mutation, { userId: user.id });
        row.replaceWith(h("p", { class: "person done" }, `${user.username}: ${verb}`));
      } catch (error) {
        announce(errorText(error), { error: true });
        row.querySelectorAll("button").forEach((b) => (b.disabled = false));
      }
    };
    return personRow(
      user,
      ctx,
      h(
        "div",
        { class: "row-actions" },
        h("button", { type: "button", class: "primary", onclick: decide(APPROVE_REQUEST, "approved"), "aria-label": `Approve ${user.username}` }, "Approve"),
        h("button", { type: "button", onclick: decide(REJECT_REQUEST, "declined"), "aria-label": `Decline ${user.username}` }, "Decline"),
      ),
    );
  };

  const renderBlocked = (user) =>
    personRow(
      user,
      ctx,
      h("button", {
        type: "button",
        "aria-label": `Unblock ${user.username}`,
        onclick: async (event) => {
          try {
            await ctx.request(UNBLOCK, { userId: user.id });
            event.target.closest(".person").replaceWith(h("p", { class: "person done" }, `${user.username}: unblocked`));
          } catch (error) {
            announce(errorText(error), { error: true });
          }
        },
      }, "Unblock"),
    );

  const paged = pagedList({
    label: title,
    listClass: "people",
    empty: requests ? "No pending requests." : blocked ? "You have not blocked anyone." : "Nobody here yet.",
    renderItem: requests ? renderRequest : blocked ? renderBlocked : (user) => personRow(user, ctx),
    fetchPage: async (after) => {
      const data = await ctx.request(document, requests || blocked ? { after } : { username, after });
      return requests ? data.followRequests : blocked ? data.blockedUsers : data.user?.list ?? null;
    },
  });
  append(view, [
    h("h1", {}, title),
    requests || blocked ? null : h("p", {}, h("a", { href: `#/u/${encodeURIComponent(username)}` }, `Back to ${username}`)),
    paged.element,
  ]);
  await paged.load();
  return () => paged.stop();
}
