// Follow / Requested / Following for one user; onChange gets the user's new counts.

import { announce, errorText, h } from "../lib/dom.js";
import { FOLLOW, UNFOLLOW } from "../lib/operations.js";

const LABELS = { FOLLOWING: "Following", REQUESTED: "Requested", NOT_FOLLOWING: "Follow" };

export function followButton(user, ctx, onChange = () => {}) {
  let status = user.viewerFollowStatus;
  const button = h("button", { type: "button", class: "follow-button" });
  const show = () => {
    button.textContent = LABELS[status];
    button.classList.toggle("primary", status === "NOT_FOLLOWING");
    button.setAttribute("aria-pressed", String(status !== "NOT_FOLLOWING"));
    button.setAttribute("aria-label", status === "NOT_FOLLOWING" ? `Follow ${user.username}` : `${LABELS[status]} ${user.username}; press to cancel`);
  };
  button.addEventListener("click", async () => {
    if (!ctx.session.token) return ctx.go("#/signin");
    button.disabled = true;
    try {
      const data = status === "NOT_FOLLOWING"
        ? (await ctx.request(FOLLOW, { userId: user.id })).follow
        : (await ctx.request(UNFOLLOW, { userId: user.id })).unfollow;
      status = data.status;
      onChange(data.user);
      if (status === "REQUESTED") announce(`Follow request sent to ${user.username}`);
    } catch (error) {
      announce(errorText(error), { error: true });
    } finally {
      button.disabled = false;
      show();
    }
  });
  show();
  return button;
}
