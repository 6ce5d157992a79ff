// Save a post for later (servers with Mutation.savePost); its state is read when shown.

import { announce, errorText, h } from "../lib/dom.js";
import { icon } from "../lib/icons.js";
import { POST_SAVED, SAVE_POST, UNSAVE_POST } from "../lib/operations.js";

export function saveButton(postId, ctx) {
  if (!ctx.session.token || !ctx.features.has("Mutation.savePost")) return null;
  let saved = false;
  const button = h("button", { type: "button", class: "icon-button save", "aria-pressed": "false" });
  const show = () => {
    button.setAttribute("aria-pressed", String(saved));
    button.setAttribute("aria-label", saved ? "Remove from saved" : "Save");
    button.replaceChildren(icon(saved ? "bookmarkFilled" : "bookmark"));
  };
  ctx.request(POST_SAVED, { id: postId }).then(({ post }) => {
    saved = Boolean(post?.viewerHasSaved);
    show();
  }, () => {});
  button.addEventListener("click", async () => {
    const wanted = !saved;
    try {
      const data = await ctx.request(wanted ? SAVE_POST : UNSAVE_POST, { postId });
      saved = (wanted ? data.savePost : data.unsavePost).viewerHasSaved;
      announce(saved ? "Saved. Find it under Saved on your profile." : "Removed from saved.");
    } catch (error) {
      announce(errorText(error), { error: true });
    }
    show();
  });
  show();
  return button;
}
