// Lists of people: someone's followers or following, and the viewer's follow requests.

import { followButton } from "../components/follow-button.js";
import { announce, append, avatar, errorText, h, userLink } from "../lib/dom.js";
import { APPROVE_REQUEST, FOLLOW_REQUESTS, FOLLOWERS, FOLLOWING, REJECT_REQUEST } from "../lib/operations.js";
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
  const title = requests ? "Follow requests" : `${username}'s ${list === "followers" ? "followers" : "following"}`;
  const document = requests ? FOLLOW_REQUESTS : list === "followers" ? FOLLOWERS : FOLLOWING;

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

  const paged = pagedList({
    label: title,
    listClass: "people",
    empty: requests ? "No pending requests." : "Nobody here yet.",
    renderItem: requests ? renderRequest : (user) => personRow(user, ctx),
    fetchPage: async (after) => {
      const data = await ctx.request(document, requests ? { after } : { username, after });
      return requests ? data.followRequests : data.user?.list ?? null;
    },
  });
  append(view, [
    h("h1", {}, title),
    requests ? null : h("p", {}, h("a", { href: `#/u/${encodeURIComponent(username)}` }, `Back to ${username}`)),
    paged.element,
  ]);
  await paged.load();
  return () => paged.stop();
}
