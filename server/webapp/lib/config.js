// Where the API is: `?api=<url>` (remembered for this browser), else `config.json` next to
// index.html (`{"api": "https://api.example/graphql"}`), else /graphql of this origin.

const STORAGE_KEY = "snapfeed.api";

export async function loadConfig() {
  const params = new URLSearchParams(location.search);
  const fromQuery = params.get("api");
  if (fromQuery !== null) {
    if (fromQuery === "") localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, new URL(fromQuery, location.href).href);
  }
  let api = localStorage.getItem(STORAGE_KEY);
  if (!api) api = await fromConfigFile();
  const httpUrl = new URL(api || "/graphql", location.href);
  const wsUrl = new URL(httpUrl);
  wsUrl.protocol = httpUrl.protocol === "https:" ? "wss:" : "ws:";
  return {
    api: httpUrl.href,
    ws: wsUrl.href,
    remote: httpUrl.origin !== location.origin,
  };
}

async function fromConfigFile() {
  try {
    const response = await fetch(new URL("config.json", location.href), { cache: "no-cache" });
    if (!response.ok) return null;
    const config = await response.json();
    return typeof config.api === "string" && config.api ? config.api : null;
  } catch {
    return null;
  }
}
