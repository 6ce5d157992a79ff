// Relay client documents compiled by tests/test_relay.py against schema.graphql: paging
// fragments (@connection) and refetchable fragments on Node types, as a Relay app writes them.
import { graphql } from "react-relay";

export const feedFragment = graphql`
  fragment Feed_query on Query
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" })
  @refetchable(queryName: "FeedPaginationQuery") {
    feed(first: $count, after: $cursor) @connection(key: "Feed_feed") {
      edges {
        node {
          id
          caption
          ...PostCard_post
        }
      }
    }
  }
`;

export const postCardFragment = graphql`
  fragment PostCard_post on Post @refetchable(queryName: "PostCardRefetchQuery") {
    id
    caption
    likeCount
    viewerHasLiked
    author {
      id
      username
    }
    media {
      id
      url
    }
  }
`;

export const feedQuery = graphql`
  query FeedQuery {
    viewer {
      id
      username
    }
    ...Feed_query
  }
`;
