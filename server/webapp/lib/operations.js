// Every GraphQL document the app sends. tests/test_web_app.py validates each one against the
// server's schema, so a screen cannot drift from the API. Documents of features that arrive
// later sit in their own screen modules' `operations` export and are checked the same way.

// A template tag that also keeps one copy of each fragment a document spreads (fragments
// are interpolated after the operation; a name defined twice would make it invalid).
function gql(strings, ...parts) {
  const text = strings.reduce((all, s, i) => all + s + (parts[i] ?? ""), "");
  const [head, ...fragments] = text.split(/(?=^[ \t]*fragment\s+\w+\s+on\s)/m);
  const seen = new Map();
  for (const fragment of fragments) {
    const name = /fragment\s+(\w+)/.exec(fragment)[1];
    if (!seen.has(name)) seen.set(name, fragment.trim());
  }
  return [head.trim(), ...seen.values()].filter(Boolean).join("\n");
}

export const MEDIA = gql`
  fragment MediaFields on Media {
    id
    kind
    status
    width
    height
    blurhash
    variants { size url width height }
    videoUrl
  }
`;

export const USER_BASICS = gql`
  fragment UserBasics on User {
    id
    username
    displayName
    isPrivate
    viewerFollowStatus
  }
`;

export const POST_CARD = gql`
  fragment PostCard on Post {
    id
    caption
    hashtags
    location
    status
    createdAt
    likeCount
    commentCount
    viewerHasLiked
    author { ...UserBasics }
    media { ...MediaFields }
  }
  ${USER_BASICS}
  ${MEDIA}
`;

export const GRID_POST = gql`
  fragment GridPost on Post {
    id
    caption
    status
    likeCount
    commentCount
    author { id username }
    media { id kind status width height blurhash thumb: url(size: SMALL) }
  }
`;

export const COMMENT = gql`
  fragment CommentFields on Comment {
    id
    body
    createdAt
    author { id username }
  }
`;

const PAGE_INFO = "pageInfo { hasNextPage endCursor }";

export const VIEWER = gql`
  query Viewer {
    viewer { ...UserBasics followerCount followingCount postCount }
  }
  ${USER_BASICS}
`;

export const REGISTER = gql`
  mutation Register($input: RegisterInput!) {
    register(input: $input) { token user { ...UserBasics } }
  }
  ${USER_BASICS}
`;

export const LOGIN = gql`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) { token user { ...UserBasics } }
  }
  ${USER_BASICS}
`;

export const LOGOUT = gql`
  mutation Logout { logout }
`;

export const FEED = gql`
  query Feed($first: Int!, $after: String) {
    feed(first: $first, after: $after) {
      edges { cursor node { ...PostCard } }
      ${PAGE_INFO}
    }
  }
  ${POST_CARD}
`;

export const FEED_UPDATES = gql`
  subscription FeedUpdates {
    feedUpdates { ...PostCard }
  }
  ${POST_CARD}
`;

export const POST = gql`
  query Post($id: ID!) {
    post(id: $id) {
      ...PostCard
      failureReason
      comments(first: 20) {
        edges { cursor node { ...CommentFields } }
        ${PAGE_INFO}
      }
    }
  }
  ${POST_CARD}
  ${COMMENT}
`;

export const COMMENTS = gql`
  query Comments($id: ID!, $after: String) {
    post(id: $id) {
      id
      comments(first: 20, after: $after) {
        edges { cursor node { ...CommentFields } }
        ${PAGE_INFO}
      }
    }
  }
  ${COMMENT}
`;

export const POST_UPDATED = gql`
  subscription PostUpdated($id: ID!) {
    postUpdated(id: $id) {
      id
      status
      likeCount
      commentCount
      failureReason
      media { ...MediaFields }
    }
  }
  ${MEDIA}
`;

export const POST_STATUS = gql`
  query PostStatus($id: ID!) {
    post(id: $id) { id status failureReason }
  }
`;

export const LIKE = gql`
  mutation Like($postId: ID!) {
    likePost(postId: $postId) { id likeCount viewerHasLiked }
  }
`;

export const UNLIKE = gql`
  mutation Unlike($postId: ID!) {
    unlikePost(postId: $postId) { id likeCount viewerHasLiked }
  }
`;

export const ADD_COMMENT = gql`
  mutation AddComment($postId: ID!, $body: String!) {
    addComment(postId: $postId, body: $body) { ...CommentFields post { id commentCount } }
  }
  ${COMMENT}
`;

export const DELETE_COMMENT = gql`
  mutation DeleteComment($id: ID!) { deleteComment(id: $id) }
`;

export const DELETE_POST = gql`
  mutation DeletePost($id: ID!) { deletePost(id: $id) }
`;

export const CREATE_UPLOAD = gql`
  mutation CreateUpload($input: CreateUploadInput!) {
    createUpload(input: $input) {
      media { id status }
      uploadUrl
      uploadHeaders { name value }
      expiresAt
    }
  }
`;

export const CREATE_POST = gql`
  mutation CreatePost($input: CreatePostInput!) {
    createPost(input: $input) { id status }
  }
`;

export const CREATE_STORY = gql`
  mutation CreateStory($mediaId: ID!) {
    createStory(mediaId: $mediaId) { id media { id status } }
  }
`;

export const PROFILE = gql`
  query Profile($username: String!) {
    user(username: $username) {
      ...UserBasics
      bio
      followerCount
      followingCount
      postCount
      posts(first: 12) {
        edges { cursor node { ...GridPost } }
        ${PAGE_INFO}
      }
    }
  }
  ${USER_BASICS}
  ${GRID_POST}
`;

export const USER_POSTS = gql`
  query UserPosts($username: String!, $after: String) {
    user(username: $username) {
      id
      posts(first: 12, after: $after) {
        edges { cursor node { ...GridPost } }
        ${PAGE_INFO}
      }
    }
  }
  ${GRID_POST}
`;

export const FOLLOWERS = gql`
  query Followers($username: String!, $after: String) {
    user(username: $username) {
      id
      list: followers(first: 20, after: $after) {
        edges { cursor node { ...UserBasics } }
        ${PAGE_INFO}
      }
    }
  }
  ${USER_BASICS}
`;

export const FOLLOWING = gql`
  query Following($username: String!, $after: String) {
    user(username: $username) {
      id
      list: following(first: 20, after: $after) {
        edges { cursor node { ...UserBasics } }
        ${PAGE_INFO}
      }
    }
  }
  ${USER_BASICS}
`;

export const FOLLOW = gql`
  mutation Follow($userId: ID!) {
    follow(userId: $userId) { status user { id followerCount viewerFollowStatus } }
  }
`;

export const UNFOLLOW = gql`
  mutation Unfollow($userId: ID!) {
    unfollow(userId: $userId) { status user { id followerCount viewerFollowStatus } }
  }
`;

export const FOLLOW_REQUESTS = gql`
  query FollowRequests($after: String) {
    followRequests(first: 20, after: $after) {
      edges { cursor node { ...UserBasics } }
      ${PAGE_INFO}
    }
  }
  ${USER_BASICS}
`;

export const APPROVE_REQUEST = gql`
  mutation ApproveFollowRequest($userId: ID!) {
    approveFollowRequest(userId: $userId) { id }
  }
`;

export const REJECT_REQUEST = gql`
  mutation RejectFollowRequest($userId: ID!) {
    rejectFollowRequest(userId: $userId) { id }
  }
`;

export const UPDATE_PROFILE = gql`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) { ...UserBasics bio }
  }
  ${USER_BASICS}
`;

export const STORY_REELS = gql`
  query StoryReels {
    storyReels {
      hasUnseen
      author { id username }
      stories {
        id
        createdAt
        expiresAt
        viewerHasSeen
        media { ...MediaFields }
      }
    }
  }
  ${MEDIA}
`;

export const MARK_STORY_SEEN = gql`
  mutation MarkStorySeen($storyId: ID!) {
    markStorySeen(storyId: $storyId) { id viewerHasSeen }
  }
`;

export const EXPLORE = gql`
  query Explore($after: String) {
    explore(first: 24, after: $after) {
      edges { cursor node { ...GridPost } }
      ${PAGE_INFO}
    }
  }
  ${GRID_POST}
`;

export const HASHTAG = gql`
  query Hashtag($name: String!, $after: String) {
    hashtag(name: $name) {
      name
      postCount
      posts(first: 24, after: $after) {
        edges { cursor node { ...GridPost } }
        ${PAGE_INFO}
      }
    }
  }
  ${GRID_POST}
`;

export const SEARCH = gql`
  query Search($query: String!) {
    search(query: $query, first: 10) {
      users { ...UserBasics followerCount }
      hashtags { name postCount }
    }
  }
  ${USER_BASICS}
`;

// Blocks, mutes, reports and moderation (servers with Mutation.block; lib/features.js).
const SAFETY_STATE = "id viewerHasBlocked viewerHasMuted viewerFollowStatus followerCount";

export const USER_SAFETY = gql`
  query UserSafety($username: String!) {
    user(username: $username) { ${SAFETY_STATE} }
  }
`;

export const BLOCK = gql`
  mutation Block($userId: ID!) { block(userId: $userId) { ${SAFETY_STATE} } }
`;

export const UNBLOCK = gql`
  mutation Unblock($userId: ID!) { unblock(userId: $userId) { ${SAFETY_STATE} } }
`;

export const MUTE = gql`
  mutation Mute($userId: ID!) { mute(userId: $userId) { ${SAFETY_STATE} } }
`;

export const UNMUTE = gql`
  mutation Unmute($userId: ID!) { unmute(userId: $userId) { ${SAFETY_STATE} } }
`;

export const REPORT_POST = gql`
  mutation ReportPost($postId: ID!, $reason: ReportReason!, $note: String) {
    reportPost(postId: $postId, reason: $reason, note: $note)
  }
`;

export const REPORT_COMMENT = gql`
  mutation ReportComment($commentId: ID!, $reason: ReportReason!, $note: String) {
    reportComment(commentId: $commentId, reason: $reason, note: $note)
  }
`;

export const BLOCKED_USERS = gql`
  query BlockedUsers($after: String) {
    blockedUsers(first: 20, after: $after) {
      edges { cursor node { ...UserBasics } }
      ${PAGE_INFO}
    }
  }
  ${USER_BASICS}
`;

export const VIEWER_ROLE = gql`
  query ViewerRole {
    viewer { id isModerator }
  }
`;

export const MODERATION_NOTE = gql`
  query ModerationNote($id: ID!) {
    post(id: $id) { id status moderationNote }
  }
`;

export const MODERATION_QUEUE = gql`
  query ModerationQueue($after: String) {
    moderationQueue(first: 20, after: $after) {
      edges {
        cursor
        node {
          id
          reason
          note
          createdAt
          reporter { id username }
          post { ...GridPost }
          comment { id body author { id username } }
        }
      }
      ${PAGE_INFO}
    }
  }
  ${GRID_POST}
`;

export const MODERATE_POST = gql`
  mutation ModeratePost($postId: ID!, $action: ModerationAction!, $note: String) {
    moderatePost(postId: $postId, action: $action, note: $note) { id status }
  }
`;

// The ranked feed (servers with FeedOrder.RANKED) and suggestions (Query.suggestedUsers).
export const FEED_ORDERED = gql`
  query FeedOrdered($first: Int!, $after: String, $order: FeedOrder!) {
    feed(first: $first, after: $after, order: $order) {
      edges { cursor reason node { ...PostCard } }
      ${PAGE_INFO}
    }
  }
  ${POST_CARD}
`;

export const SUGGESTED_USERS = gql`
  query SuggestedUsers {
    suggestedUsers(first: 8) { ...UserBasics followerCount }
  }
  ${USER_BASICS}
`;

// Places (servers with Query.postsNear).
export const POST_PLACE = gql`
  query PostPlace($id: ID!) {
    post(id: $id) { id place { name latitude longitude } }
  }
`;

export const SEARCH_PLACES = gql`
  query SearchPlaces($query: String!) {
    search(query: $query, first: 10) { places { name latitude longitude } }
  }
`;

export const POSTS_NEAR = gql`
  query PostsNear($latitude: Float!, $longitude: Float!, $radiusKm: Float!, $after: String) {
    postsNear(latitude: $latitude, longitude: $longitude, radiusKm: $radiusKm, first: 24, after: $after) {
      edges { cursor node { ...GridPost } }
      ${PAGE_INFO}
    }
  }
  ${GRID_POST}
`;

// Saved posts (servers with Mutation.savePost).
export const POST_SAVED = gql`
  query PostSaved($id: ID!) {
    post(id: $id) { id viewerHasSaved }
  }
`;

export const SAVE_POST = gql`
  mutation SavePost($postId: ID!) { savePost(postId: $postId) { id viewerHasSaved } }
`;

export const UNSAVE_POST = gql`
  mutation UnsavePost($postId: ID!) { unsavePost(postId: $postId) { id viewerHasSaved } }
`;

export const SAVED_POSTS = gql`
  query SavedPosts($after: String) {
    savedPosts(first: 24, after: $after) {
      edges { cursor node { ...GridPost } }
      ${PAGE_INFO}
    }
  }
  ${GRID_POST}
`;

// Notifications (servers with Query.notifications).
export const NOTIFICATION = gql`
  fragment NotificationFields on Notification {
    id
    kind
    read
    createdAt
    actorCount
    actors(first: 2) { id username displayName }
    post { id status media { id kind status width height blurhash thumb: url(size: THUMBNAIL) } }
    comment { id body }
  }
`;

export const NOTIFICATIONS = gql`
  query Notifications($after: String) {
    notifications(first: 20, after: $after) {
      edges { cursor node { ...NotificationFields } }
      ${PAGE_INFO}
    }
  }
  ${NOTIFICATION}
`;

export const UNREAD_NOTIFICATIONS = gql`
  query UnreadNotifications { unreadNotificationCount }
`;

export const NOTIFICATION_RECEIVED = gql`
  subscription NotificationReceived {
    notificationReceived { ...NotificationFields }
  }
  ${NOTIFICATION}
`;

export const MARK_NOTIFICATIONS_READ = gql`
  mutation MarkNotificationsRead($upTo: ID) { markNotificationsRead(upTo: $upTo) }
`;

// What this server offers beyond v1: screens of later features show only where it does.
export const CAPABILITIES = gql`
  query Capabilities {
    __schema {
      queryType { fields { name } }
      mutationType { fields { name } }
      subscriptionType { fields { name } }
    }
    feedOrder: __type(name: "FeedOrder") { enumValues { name } }
    post: __type(name: "Post") { fields { name } }
    user: __type(name: "User") { fields { name } }
    media: __type(name: "Media") { fields { name } }
    searchResult: __type(name: "SearchResult") { fields { name } }
  }
`;
