import { graphql } from "react-relay";

export const commentsFragment = graphql`
  fragment Comments_post on Post
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" })
  @refetchable(queryName: "CommentsPaginationQuery") {
    comments(first: $count, after: $cursor) @connection(key: "Comments_comments") {
      __id
      edges {
        node {
          id
          body
          author {
            username
          }
        }
      }
    }
  }
`;

export const addCommentMutation = graphql`
  mutation CommentsAddMutation($postId: ID!, $body: String!, $connections: [ID!]!) {
    addComment(postId: $postId, body: $body) @appendNode(connections: $connections, edgeTypeName: "CommentEdge") {
      id
      body
    }
  }
`;

export const hashtagFragment = graphql`
  fragment HashtagPosts_query on Query
  @argumentDefinitions(
    name: { type: "String!" }
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
  )
  @refetchable(queryName: "HashtagPostsPaginationQuery") {
    hashtag(name: $name) {
      name
      postCount
      posts(first: $count, after: $cursor) @connection(key: "HashtagPosts_posts") {
        edges {
          node {
            id
          }
        }
      }
    }
  }
`;

export const exploreFragment = graphql`
  fragment Explore_query on Query
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" })
  @refetchable(queryName: "ExplorePaginationQuery") {
    explore(first: $count, after: $cursor) @connection(key: "Explore_explore") {
      edges {
        node {
          id
          ...PostCard_post
        }
      }
    }
  }
`;
