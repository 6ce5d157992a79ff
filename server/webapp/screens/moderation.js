// The moderation queue (moderators, on servers that have one): open reports, oldest first;
// remove or restore the post, or dismiss the report.

import { gridItem } from "../components/grid.js";
import { announce, errorText, h, time, userLink } from "../lib/dom.js";
import { MODERATE_POST, MODERATION_QUEUE } from "../lib/operations.js";
import { pagedList } from "../lib/paging.js";

const ACTIONS = [
  ["REMOVE", "Remove post", "danger"],
  ["RESTORE", "Restore", ""],
  ["DISMISS", "Dismiss report", ""],
];

export default async function moderation(view, _params, ctx) {
  const renderReport = (report) => {
    const note = h("input", { id: `note-${report.id}`, name: "note", maxlength: 500 });
    const row = h(
      "article",
      { class: "report", "aria-label": `Report of ${report.comment ? "a comment" : "a post"}` },
      report.post ? gridItem(report.post) : null,
      h(
        "div",
        { class: "report-info" },
        h("p", {}, h("strong", {}, report.reason.toLowerCase()), " reported by ", userLink(report.reporter), " ", time(report.createdAt)),
        report.note ? h("p", { class: "quote" }, report.note) : null,
        report.comment ? h("p", { class: "quote" }, userLink(report.comment.author), " ", report.comment.body) : null,
        h("div", { class: "field" }, h("label", { for: `note-${report.id}` }, "Note for the author (optional)"), note),
        h(
          "div",
          { class: "row-actions" },
          ACTIONS.map(([action, label, style]) =>
            h("button", {
              type: "button",
              class: style || undefined,
              disabled: !report.post,
              onclick: async () => {
                try {
                  await ctx.request(MODERATE_POST, { postId: report.post.id, action, note: note.value.trim() || null });
                  row.replaceWith(h("p", { class: "done" }, `${label}: done.`));
                } catch (error) {
                  announce(errorText(error), { error: true });
                }
              },
            }, label),
          ),
        ),
      ),
    );
    return row;
  };
  const queue = pagedList({
    label: "Open reports",
    listClass: "reports",
    empty: "No open reports.",
    renderItem: renderReport,
    fetchPage: async (after) => (await ctx.request(MODERATION_QUEUE, { after })).moderationQueue,
  });
  view.append(h("h1", {}, "Moderation"), queue.element);
  await queue.load();
  return () => queue.stop();
}
