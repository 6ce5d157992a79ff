// The GraphQL-over-HTTP audit (graphql-http's auditServer) against a running Snapfeed:
// prints one JSON array of {id, name, status, reason} for tests/test_graphql_over_http.py.
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs URL");
  process.exit(2);
}
const results = await auditServer({ url });
const summary = results.map((r) => ({
  id: r.id,
  name: r.name,
  status: r.status,
  reason: r.status === "ok" ? null : r.reason,
}));
process.stdout.write(JSON.stringify(summary));
