"""The home feed, one domain: `read` (cache, store and celebrity timelines merged newest
first), `fanout` (a post into followers' feeds or its author's timeline, and out again),
`hooks` (follows, unfollows and blocks; rebuilding an away user's feed), `merge` (pure
merging), the ranked feed (`ranked`: sessions; `rank` and `mix`: the pure score and the
diversity pass; `signals`: the aggregates it reads) and `suggestions` (people to follow).
The profile grid is the posts domain's (resolvers/profile_posts.py)."""
