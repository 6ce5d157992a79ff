"""Static limits on a GraphQL document: depth, aliases, size and cost, linear in the document.

Each definition (operation or fragment) is walked once into a summary of what it holds
locally and which fragments it spreads where; the summaries are then combined in
dependency order. A fragment spread a million times is still walked once, so a chain of
fragments that each spread the next twice costs as much as it is long, not 2^length.
"""
