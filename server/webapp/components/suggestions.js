// People the viewer may know (servers with Query.suggestedUsers), with a follow button each.

import { avatar, h, userLink } from "../lib/dom.js";
import * as ops from "../lib/operations.js";
import { followButton } from "./follow-button.js";

export async function suggestions(ctx, { title = "Suggested for you" } = {}) {
  if (!ctx.session.token || !ctx.features.has("Query.suggestedUsers") || !ops.SUGGESTED_USERS) return null;
  let users = [];
  try {
    users = (await ctx.request(ops.SUGGESTED_USERS)).suggestedUsers;
  } catch {
    return null;
  }
  if (!users.length) return null;
  return h(
    "section",
    { class: "suggestions", "aria-label": title },
    h("h2", {}, title),
    h(
      "ul",
      { role: "list" },
      users.map((user) =>
        h(
          "li",
          { class: "suggestion" },
          avatar(user, "medium"),
          userLink(user),
          user.displayName ? h("span", { class: "display-name" }, user.displayName) : null,
          followButton(user, ctx),
        ),
      ),
    ),
  );
}
