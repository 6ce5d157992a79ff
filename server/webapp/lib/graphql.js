// The app's GraphQL client: HTTP with automatic persisted queries, WebSocket for
// subscriptions (graphql-transport-ws through the vendored graphql-ws client).

import { createClient } from "../vendor/graphql-ws@6.4.2/dist/client.js";

// Automatic persisted queries (Apollo's protocol): queries go as a SHA-256 hash (GET, so a
// CDN may cache anonymous ones); the server asks for the text once, then knows it.
export const PERSISTED_QUERIES = true;

export class GraphQLError extends Error {
  constructor(errors, data = null) {
    super(errors.map((e) => e.message).join("; ") || "Request failed");
    this.errors = errors;
    this.data = data;
    this.code = errors[0]?.extensions?.code ?? "INTERNAL";
    this.retryAfter = errors[0]?.extensions?.retryAfter ?? null;
  }
}

const ACCEPT = "application/graphql-response+json, application/json;q=0.9";
const hashes = new Map();

async function sha256(text) {
  if (!hashes.has(text)) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    hashes.set(text, [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""));
  }
  return hashes.get(text);
}

function operationOf(document) {
  const match = /^\s*(query|mutation|subscription)\s+(\w+)/.exec(document);
  return match ? { type: match[1], name: match[2] } : { type: "query", name: undefined };
}

function notPersistedYet(body) {
  return (body?.errors ?? []).some(
    (e) => e.extensions?.code === "PERSISTED_QUERY_NOT_FOUND" || e.message === "PersistedQueryNotFound",
  );
}

export function createHttpClient({ url, token }) {
  // crypto.subtle exists only in secure contexts (https, localhost): elsewhere, full texts.
  const persisted = PERSISTED_QUERIES && Boolean(globalThis.crypto?.subtle);

  async function send(method, payload) {
    const headers = { accept: ACCEPT };
    const current = token();
    if (current) headers.authorization = `Bearer ${current}`;
    let response;
    if (method === "GET") {
      const target = new URL(url);
      for (const [key, value] of Object.entries(payload)) {
        if (value !== undefined) target.searchParams.set(key, typeof value === "string" ? value : JSON.stringify(value));
      }
      response = await fetch(target, { headers });
    } else {
      headers["content-type"] = "application/json";
      response = await fetch(url, { method: "POST", headers, body: JSON.stringify(payload) });
    }
    try {
      return await response.json();
    } catch {
      const code = response.status === 413 ? "PAYLOAD_TOO_LARGE" : "INTERNAL";
      return { errors: [{ message: `The server answered ${response.status}`, extensions: { code } }] };
    }
  }

  return async function request(document, variables = {}) {
    const { type, name } = operationOf(document);
    let body;
    try {
      if (persisted) {
        const extensions = { persistedQuery: { version: 1, sha256Hash: await sha256(document) } };
        const method = type === "query" ? "GET" : "POST";
        body = await send(method, { operationName: name, variables, extensions });
        if (notPersistedYet(body)) {
          body = await send("POST", { query: document, operationName: name, variables, extensions });
        }
      } else {
        body = await send("POST", { query: document, operationName: name, variables });
      }
    } catch (error) {
      throw new GraphQLError([{ message: "Cannot reach Snapfeed. Check your connection.", extensions: { code: "NETWORK" } }]);
    }
    if (body.errors?.length) throw new GraphQLError(body.errors, body.data ?? null);
    return body.data;
  };
}

export function createLiveClient({ url, token }) {
  const client = createClient({
    url,
    lazy: true,
    connectionParams: () => (token() ? { authorization: `Bearer ${token()}` } : {}),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    keepAlive: 20_000,
  });
  return {
    // Calls onData with each result's data; returns a function that ends the subscription.
    subscribe(document, variables, onData) {
      const { name } = operationOf(document);
      return client.subscribe(
        { query: document, variables, operationName: name },
        {
          next: (result) => result.data && onData(result.data),
          error: (error) => console.warn("subscription ended", name, error),
          complete: () => {},
        },
      );
    },
    dispose: () => client.dispose(),
  };
}

export async function uploadFile(ticket, file, onProgress) {
  // XMLHttpRequest, not fetch: it reports upload progress.
  await new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", ticket.uploadUrl);
    for (const { name, value } of ticket.uploadHeaders) {
      if (name.toLowerCase() !== "content-length") xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress?.(event.loaded / event.total);
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error(`upload refused (${xhr.status})`)));
    xhr.onerror = () => reject(new Error("upload failed"));
    xhr.send(file);
  });
}
