// Infinite scroll over a Relay connection: the next page loads when the end of the list
// comes into view, or when the "Load more" button is used (keyboard, no observer).

import { announce, errorText, h } from "./dom.js";

/**
 * fetchPage(after) -> connection ({edges, pageInfo}) or null; renderItem(node) -> element.
 * Returns {element, prepend(nodes), reload(), stop()}.
 */
export function pagedList({ fetchPage, renderItem, listClass = "list", label, empty }) {
  const list = h("div", { class: listClass, role: "feed", "aria-label": label, "aria-busy": "false" });
  const more = h("button", { class: "load-more", type: "button", hidden: true }, "Load more");
  const status = h("p", { class: "list-status", role: "status" });
  const sentinel = h("div", { class: "sentinel", "aria-hidden": "true" });
  const element = h("div", { class: "paged" }, list, status, more, sentinel);
  let after = null;
  let hasNext = true;
  let loading = false;
  let generation = 0;
  const seen = new Set();

  function add(nodes, where = "end") {
    const items = nodes.filter((n) => !seen.has(n.id));
    items.forEach((n) => seen.add(n.id));
    const elements = items.map(renderItem);
    if (where === "start") list.prepend(...elements);
    else list.append(...elements);
    return elements;
  }

  async function load() {
    if (loading || !hasNext) return;
    loading = true;
    const mine = generation;
    list.setAttribute("aria-busy", "true");
    status.textContent = "Loading…";
    try {
      const page = await fetchPage(after);
      if (mine !== generation) return;
      if (!page) {
        hasNext = false;
        status.textContent = "";
        return;
      }
      add(page.edges.map((e) => e.node));
      after = page.pageInfo.endCursor;
      hasNext = page.pageInfo.hasNextPage;
      status.textContent = list.children.length === 0 ? (empty ?? "Nothing here yet.") : hasNext ? "" : "You're all caught up.";
    } catch (error) {
      status.textContent = "";
      announce(errorText(error), { error: true });
      hasNext = true;
    } finally {
      if (mine === generation) {
        loading = false;
        list.setAttribute("aria-busy", "false");
        more.hidden = !hasNext;
        if (hasNext && isNearView(sentinel)) queueMicrotask(load);
      }
    }
  }

  more.addEventListener("click", load);
  const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && load(), {
    rootMargin: "800px 0px",
  });
  observer.observe(sentinel);

  return {
    element,
    list,
    load,
    prepend: (nodes) => {
      const added = add(nodes, "start");
      if (added.length) status.textContent = "";
      return added;
    },
    reload() {
      generation += 1;
      after = null;
      hasNext = true;
      loading = false;
      seen.clear();
      list.replaceChildren();
      return load();
    },
    stop: () => observer.disconnect(),
  };
}

function isNearView(el) {
  const box = el.getBoundingClientRect();
  return box.top < innerHeight + 800;
}
