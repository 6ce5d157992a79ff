// Photos: a BlurHash placeholder at once, then the variant that fits the layout (srcset).

import { decode } from "../vendor/blurhash@2.0.5/dist/esm/index.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";

const placeholders = new Map();

export function blurhashUrl(hash) {
  if (!hash) return null;
  if (!placeholders.has(hash)) {
    try {
      const size = 32;
      const pixels = decode(hash, size, size);
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = size;
      const context = canvas.getContext("2d");
      const image = context.createImageData(size, size);
      image.data.set(pixels);
      context.putImageData(image, 0, 0);
      placeholders.set(hash, canvas.toDataURL());
    } catch {
      placeholders.set(hash, null);
    }
  }
  return placeholders.get(hash);
}

// `sizes`: how wide the picture is drawn, so the browser picks the right variant.
export function picture(media, { alt, sizes = "(max-width: 640px) 100vw, 614px", eager = false, thumb = null } = {}) {
  const frame = h("div", { class: "frame" });
  // Thumbnails are square (grids); elsewhere the frame keeps the photo's shape before it loads.
  if (!thumb && media.width && media.height) frame.style.aspectRatio = `${media.width} / ${media.height}`;
  const placeholder = blurhashUrl(media.blurhash);
  if (placeholder) frame.style.backgroundImage = `url("${placeholder}")`;
  const variants = (media.variants ?? []).filter((v) => !v.contentType || v.contentType.startsWith("image/"));
  const src = thumb ?? variants.find((v) => v.size === "FEED")?.url ?? variants.at(-1)?.url;
  if (media.status !== "READY" || !src) {
    frame.classList.add("pending");
    frame.append(h("span", { class: "pending-label" }, media.status === "FAILED" ? "Could not process" : "Processing…"));
    frame.setAttribute("role", "img");
    frame.setAttribute("aria-label", alt);
    return frame;
  }
  if (media.kind === "VIDEO" && media.videoUrl && !thumb) {
    const video = h("video", {
      src: media.videoUrl,
      poster: src,
      controls: true,
      preload: "metadata",
      playsInline: true,
      "aria-label": alt,
    });
    frame.append(video);
    return frame;
  }
  const img = h("img", {
    alt,
    src,
    srcset: thumb ? undefined : variants.map((v) => `${v.url} ${v.width}w`).join(", ") || undefined,
    sizes: thumb ? undefined : sizes,
    loading: eager ? "eager" : "lazy",
    decoding: "async",
  });
  if (media.width && media.height) {
    img.width = media.width;
    img.height = media.height;
  }
  const shown = () => frame.classList.add("loaded");
  img.addEventListener("load", shown, { once: true });
  if (img.complete && img.naturalWidth) shown();
  frame.append(img);
  return frame;
}

export function describePhoto(post, index = 0) {
  const who = post.author?.username ? ` by ${post.author.username}` : "";
  const kind = post.media?.[index]?.kind === "VIDEO" ? "Video" : "Photo";
  const position = (post.media?.length ?? 1) > 1 ? ` ${index + 1} of ${post.media.length}` : "";
  const caption = post.caption?.trim();
  return `${kind}${position}${who}${caption ? `: ${caption}` : ""}`;
}
