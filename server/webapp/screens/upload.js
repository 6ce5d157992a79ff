// New post (1 to 10 photos or videos) or story: upload straight to the upload URL, create
// the post, then follow its status live from PROCESSING to PUBLISHED.

import { photoEditor } from "../components/photo-editor.js";
import { announce, errorText, h } from "../lib/dom.js";
import { uploadFile } from "../lib/graphql.js";
import { CREATE_POST, CREATE_STORY, CREATE_UPLOAD, POST_STATUS, POST_UPDATED } from "../lib/operations.js";

const TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic", "video/mp4", "video/quicktime"];
const BY_EXTENSION = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", heic: "image/heic", heif: "image/heic", mp4: "video/mp4", mov: "video/quicktime" };
const MAX_ITEMS = 10;

function contentType(file) {
  if (TYPES.includes(file.type)) return file.type;
  return BY_EXTENSION[file.name.split(".").pop()?.toLowerCase()] ?? file.type;
}

function idempotencyKey() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export default function upload(view, { query }, ctx) {
  const story = query.get("story") === "1";
  // Filters and crops: on servers that have them (Media.filter), for photos of a post.
  const canEdit = !story && ctx.features.has("Media.filter");
  // Places with coordinates: on servers that have them (Post.place).
  const canPlace = !story && ctx.features.has("Post.place");
  let files = [];
  let editors = [];
  let stopLive = null;
  const previews = h("ol", { class: "previews", "aria-label": "Chosen files" });
  const input = h("input", {
    id: "upload-files",
    name: "files",
    type: "file",
    accept: TYPES.join(","),
    multiple: !story,
    required: true,
  });
  const progress = h("progress", { max: 1, value: 0, hidden: true, "aria-label": "Upload progress" });
  const status = h("div", { class: "upload-status", role: "status", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary wide" }, story ? "Share to your story" : "Share");
  const form = h(
    "form",
    { class: "card upload-form" },
    h("h1", {}, story ? "New story" : "New post"),
    h("p", { class: "switch" }, story ? h("a", { href: "#/new" }, "New post instead") : h("a", { href: "#/new?story=1" }, "New story instead")),
    h("div", { class: "field" }, h("label", { for: "upload-files" }, story ? "Photo or video" : `Photos or videos (up to ${MAX_ITEMS})`), input),
    previews,
    story
      ? null
      : [
          h("div", { class: "field" }, h("label", { for: "upload-caption" }, "Caption"), h("textarea", { id: "upload-caption", name: "caption", rows: 3, maxlength: 2200, placeholder: "Write a caption… #hashtags and @mentions work" })),
          h("div", { class: "field" }, h("label", { for: "upload-location" }, canPlace ? "Place (optional)" : "Location (optional)"), h("input", { id: "upload-location", name: "location", maxlength: 100 })),
          canPlace ? coordinates() : null,
        ],
    progress,
    submit,
    status,
  );

  input.addEventListener("change", () => {
    files = [...input.files].slice(0, story ? 1 : MAX_ITEMS);
    if (input.files.length > files.length) announce(`Only the first ${files.length} files are used.`);
    editors = [];
    previews.replaceChildren(
      ...files.map((file, i) => {
        const label = `${i + 1}. ${file.name}`;
        const url = URL.createObjectURL(file);
        const previewable = file.type.startsWith("image/") && file.type !== "image/heic";
        if (canEdit && previewable) {
          const editor = photoEditor(file, url, i);
          editors[i] = editor;
          return h("li", { class: "with-editor" }, editor.element);
        }
        const content = file.type.startsWith("video/")
          ? h("video", { src: url, muted: true, "aria-label": label })
          : previewable
            ? h("img", { src: url, alt: label })
            : h("span", { class: "file-name" }, file.name);
        return h("li", {}, content);
      }),
    );
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!files.length) {
      status.textContent = "Choose a photo or a video first.";
      return input.focus();
    }
    submit.disabled = true;
    input.disabled = true;
    progress.hidden = false;
    try {
      const mediaIds = [];
      const total = files.reduce((sum, f) => sum + f.size, 0);
      let done = 0;
      for (const [i, file] of files.entries()) {
        status.textContent = `Uploading ${i + 1} of ${files.length}…`;
        const { createUpload: ticket } = await ctx.request(CREATE_UPLOAD, { input: { contentType: contentType(file), byteSize: file.size } });
        await uploadFile(ticket, file, (share) => (progress.value = (done + share * file.size) / total));
        done += file.size;
        mediaIds.push(ticket.media.id);
      }
      progress.value = 1;
      if (story) {
        await ctx.request(CREATE_STORY, { mediaId: mediaIds[0] });
        status.replaceChildren(h("p", {}, "Your story is processing; your followers see it once it is ready. "), h("a", { href: "#/" }, "Back to your feed"));
        return;
      }
      const caption = form.caption.value.trim() || null;
      const location = form.location.value.trim() || null;
      const place = canPlace && location ? placeInput(location) : null;
      const edits = mediaIds
        .map((mediaId, i) => ({ mediaId, ...(editors[i]?.edit() ?? { filter: "NONE", crop: null }) }))
        .filter((e) => e.filter !== "NONE" || e.crop);
      const input = { mediaIds, caption, location, idempotencyKey: idempotencyKey() };
      if (place) input.place = place;
      if (edits.length) input.edits = edits;
      const { createPost: post } = await ctx.request(CREATE_POST, { input });
      follow(post);
    } catch (error) {
      status.textContent = errorText(error);
      submit.disabled = false;
      input.disabled = false;
    }
  });

  function coordinates() {
    const useMine = h("button", { type: "button", disabled: !navigator.geolocation }, "Use my location");
    useMine.addEventListener("click", () =>
      navigator.geolocation.getCurrentPosition(
        ({ coords }) => {
          form.latitude.value = coords.latitude.toFixed(5);
          form.longitude.value = coords.longitude.toFixed(5);
        },
        () => announce("Your location is not available."),
      ),
    );
    const number = (id, label, min, max) =>
      h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, type: "number", step: "any", min, max, inputmode: "decimal" }));
    return h(
      "fieldset",
      { class: "coordinates" },
      h("legend", {}, "Coordinates (optional: the place's page shows posts near it)"),
      number("latitude", "Latitude", -90, 90),
      number("longitude", "Longitude", -180, 180),
      useMine,
    );
  }

  function placeInput(name) {
    const latitude = form.latitude.value === "" ? null : form.latitude.valueAsNumber;
    const longitude = form.longitude.value === "" ? null : form.longitude.valueAsNumber;
    // Both or neither: one alone is left out.
    return latitude !== null && longitude !== null ? { name, latitude, longitude } : { name };
  }

  function follow(post) {
    const state = h("strong", { class: "post-status", dataset: { status: post.status } }, post.status);
    const link = h("a", { href: `#/p/${post.id}`, hidden: post.status !== "PUBLISHED" }, "View your post");
    status.replaceChildren(h("p", {}, "Status: ", state), link);
    let timer = null;
    const show = (value, reason) => {
      if (state.dataset.status !== "PROCESSING") return;
      state.textContent = value;
      state.dataset.status = value;
      link.hidden = value !== "PUBLISHED";
      if (value === "FAILED") status.append(h("p", { class: "form-error" }, reason ?? "Processing failed."));
      if (value !== "PROCESSING") stopLive?.();
    };
    const unsubscribe = ctx.live.subscribe(POST_UPDATED, { id: post.id }, ({ postUpdated }) => show(postUpdated.status, postUpdated.failureReason));
    // The subscription tells changes from when it starts: a post done sooner is read once,
    // and again now and then in case the socket is down.
    const check = async (delay) => {
      timer = setTimeout(async () => {
        try {
          const { post: now } = await ctx.request(POST_STATUS, { id: post.id });
          if (now) show(now.status, now.failureReason);
        } catch {
          // the next check, or the subscription, will tell
        }
        if (state.dataset.status === "PROCESSING") check(Math.min(delay * 2, 10_000));
      }, delay);
    };
    check(1000);
    stopLive = () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }

  view.append(form);
  return () => stopLive?.();
}
