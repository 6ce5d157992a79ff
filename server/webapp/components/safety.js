// Mute and block (servers with Mutation.block): menu items for a user, from a profile or a post.

import { announce, errorText } from "../lib/dom.js";
import { BLOCK, MUTE, UNBLOCK, UNMUTE } from "../lib/operations.js";

/** state: {viewerHasBlocked, viewerHasMuted}; onChange(user) gets the user's new state. */
export function safetyItems(user, ctx, state, onChange = () => {}) {
  if (!ctx.session.token || user.id === ctx.session.viewer?.id || !ctx.features.has("Mutation.block")) return [];
  const run = async (document, done) => {
    try {
      const data = await ctx.request(document, { userId: user.id });
      const changed = Object.values(data)[0];
      Object.assign(state, changed);
      announce(done);
      onChange(changed);
    } catch (error) {
      announce(errorText(error), { error: true });
    }
  };
  return [
    state.viewerHasMuted
      ? { label: `Unmute ${user.username}`, onSelect: () => run(UNMUTE, `Unmuted ${user.username}.`) }
      : { label: `Mute ${user.username}`, onSelect: () => run(MUTE, `Muted ${user.username}: their posts and stories leave your feed.`) },
    state.viewerHasBlocked
      ? { label: `Unblock ${user.username}`, onSelect: () => run(UNBLOCK, `Unblocked ${user.username}.`) }
      : {
          label: `Block ${user.username}`,
          danger: true,
          onSelect: () =>
            confirm(`Block ${user.username}? Neither of you will see the other, and follows both ways end.`) &&
            run(BLOCK, `Blocked ${user.username}.`),
        },
  ];
}
