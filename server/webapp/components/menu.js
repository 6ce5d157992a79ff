// A "more options" disclosure (details/summary: keyboard and screen reader friendly as is)
// and the report dialog (a modal <dialog>: focus stays inside, Escape closes it).

import { announce, errorText, h } from "../lib/dom.js";
import { icon } from "../lib/icons.js";
import { REPORT_COMMENT, REPORT_POST } from "../lib/operations.js";

/** items: [{label, onSelect, danger}] (falsy items are left out). */
export function moreMenu(label, items) {
  const menu = h("details", { class: "more-menu" });
  const summary = h("summary", { "aria-label": label, title: label }, icon("more"));
  const list = h(
    "ul",
    { class: "menu-items", role: "list" },
    items.filter(Boolean).map((item) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: item.danger ? "danger" : undefined,
            onclick: async () => {
              menu.open = false;
              await item.onSelect();
            },
          },
          item.label,
        ),
      ),
    ),
  );
  menu.append(summary, list);
  // Escape closes it and gives focus back to its button; a click elsewhere closes it too.
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      summary.focus();
    }
  });
  return menu;
}

// A click elsewhere closes any open menu.
document.addEventListener("click", (event) => {
  for (const open of document.querySelectorAll("details.more-menu[open]")) {
    if (!open.contains(event.target)) open.open = false;
  }
});

const REASONS = {
  SPAM: "Spam",
  NUDITY: "Nudity or sexual content",
  VIOLENCE: "Violence",
  HARASSMENT: "Harassment or bullying",
  HATE: "Hate speech",
  MISINFORMATION: "False information",
  OTHER: "Something else",
};

/** Ask why, then report a post or a comment. */
export function openReportDialog(ctx, { postId = null, commentId = null }) {
  const what = commentId ? "comment" : "post";
  const form = h(
    "form",
    { method: "dialog", class: "report-form" },
    h("h2", { id: "report-title" }, `Report this ${what}`),
    h(
      "fieldset",
      { class: "reasons" },
      h("legend", {}, "Why are you reporting it?"),
      Object.entries(REASONS).map(([value, label], i) =>
        h("label", {}, h("input", { type: "radio", name: "reason", value, required: true, checked: i === 0 }), label),
      ),
    ),
    h("div", { class: "field" }, h("label", { for: "report-note" }, "Anything to add? (optional)"), h("textarea", { id: "report-note", name: "note", rows: 2, maxlength: 500 })),
    h(
      "div",
      { class: "dialog-actions" },
      h("button", { type: "button", value: "cancel", onclick: () => dialog.close() }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Report"),
    ),
  );
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": "report-title" }, form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.reason.value;
    const note = form.note.value.trim() || null;
    try {
      if (commentId) await ctx.request(REPORT_COMMENT, { commentId, reason, note });
      else await ctx.request(REPORT_POST, { postId, reason, note });
      announce(`Thanks: the ${what} was reported to the moderators.`);
      dialog.close();
    } catch (error) {
      announce(errorText(error), { error: true });
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
