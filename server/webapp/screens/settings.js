// Edit profile: name, bio, private account.

import { announce, errorText, h } from "../lib/dom.js";
import { PROFILE, UPDATE_PROFILE } from "../lib/operations.js";

export default async function settings(view, _params, ctx) {
  const { user } = await ctx.request(PROFILE, { username: ctx.session.viewer.username });
  const form = h(
    "form",
    { class: "card settings-form" },
    h("h1", {}, "Edit profile"),
    h("div", { class: "field" }, h("label", { for: "displayName" }, "Name"), h("input", { id: "displayName", name: "displayName", maxlength: 64, value: user.displayName ?? "", autocomplete: "name" })),
    h("div", { class: "field" }, h("label", { for: "bio" }, "Bio"), h("textarea", { id: "bio", name: "bio", maxlength: 500, rows: 3 }, user.bio ?? "")),
    h(
      "div",
      { class: "field checkbox" },
      h("input", { id: "isPrivate", name: "isPrivate", type: "checkbox", checked: user.isPrivate, "aria-describedby": "private-help" }),
      h("label", { for: "isPrivate" }, "Private account"),
      h("p", { id: "private-help", class: "help" }, "Only followers you approve see your posts and stories. Going public approves every pending request."),
    ),
    h("button", { type: "submit", class: "primary" }, "Save"),
    ctx.features.has("Query.blockedUsers") ? h("p", { class: "switch" }, h("a", { href: "#/blocked" }, "Blocked accounts")) : null,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const input = { displayName: form.displayName.value.trim() || null, bio: form.bio.value.trim() || null, isPrivate: form.isPrivate.checked };
      const { updateProfile } = await ctx.request(UPDATE_PROFILE, { input });
      Object.assign(ctx.session.viewer, updateProfile);
      announce("Profile saved");
      ctx.go(`#/u/${encodeURIComponent(updateProfile.username)}`);
    } catch (error) {
      announce(errorText(error), { error: true });
    }
  });
  view.append(form);
}
