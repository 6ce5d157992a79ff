import { graphql } from "react-relay";

export const profilePostsFragment = graphql`
  fragment ProfilePosts_user on User
  @argumentDefinitions(count: { type: "Int", defaultValue: 12 }, cursor: { type: "String" })
  @refetchable(queryName: "ProfilePostsPaginationQuery") {
    id
    username
    posts(first: $count, after: $cursor) @connection(key: "ProfilePosts_posts") {
      edges {
        node {
          id
          caption
        }
      }
    }
  }
`;

export const followersFragment = graphql`
  fragment Followers_user on User
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" })
  @refetchable(queryName: "FollowersPaginationQuery") {
    followers(first: $count, after: $cursor) @connection(key: "Followers_followers") {
      edges {
        node {
          id
          username
        }
      }
    }
  }
`;

export const profileQuery = graphql`
  query ProfileQuery($username: String!) {
    user(username: $username) {
      ...ProfilePosts_user
      ...Followers_user
    }
  }
`;
