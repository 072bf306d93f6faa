//! The attribute python-gitlab names an object by in its short legacy
//! output (a class's `_repr_attr`), per resource.
//!
//! python-gitlab declares it class by class, and most classes declare none:
//! their short output is the id line alone. This table holds the classes that
//! declare one (python-gitlab's `gitlab/v4/objects/`); a resource that is not
//! listed has none.

/// (resource, attribute), sorted by resource name.
const REPR_ATTRS: &[(&str, &str)] = &[
    ("Application", "name"),
    ("CurrentUser", "username"),
    ("CurrentUserEmail", "email"),
    ("CurrentUserKey", "title"),
    ("CurrentUserStatus", "message"),
    ("Group", "name"),
    ("GroupApprovalRule", "name"),
    ("GroupBillableMember", "username"),
    ("GroupHook", "url"),
    ("GroupIteration", "title"),
    ("GroupMember", "username"),
    ("GroupMemberAll", "username"),
    ("GroupMilestone", "title"),
    ("GroupWiki", "slug"),
    ("Hook", "url"),
    ("Issue", "title"),
    ("Project", "path_with_namespace"),
    ("ProjectClusterAgent", "name"),
    ("ProjectCommit", "title"),
    ("ProjectCommitComment", "note"),
    ("ProjectFile", "file_path"),
    ("ProjectHook", "url"),
    ("ProjectIssue", "title"),
    ("ProjectMember", "username"),
    ("ProjectMemberAll", "username"),
    ("ProjectMergeRequestApprovalRule", "name"),
    ("ProjectMilestone", "title"),
    ("ProjectProtectedEnvironment", "name"),
    ("ProjectSnippet", "title"),
    ("ProjectTag", "name"),
    ("ProjectWiki", "slug"),
    ("Snippet", "title"),
    ("User", "username"),
    ("UserEmail", "email"),
    ("UserStatus", "message"),
];

/// The attribute that names an object of `resource` in short output, if python-gitlab declares one.
pub fn repr_attr(resource: &str) -> Option<&'static str> {
    REPR_ATTRS
        .binary_search_by(|(name, _)| (*name).cmp(resource))
        .ok()
        .map(|i| REPR_ATTRS[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitlab_client::resources::CATALOGUE;

    #[test]
    fn table_is_sorted_and_names_known_resources() {
        assert!(REPR_ATTRS.windows(2).all(|w| w[0].0 < w[1].0));
        for (name, _) in REPR_ATTRS {
            assert!(
                CATALOGUE.iter().any(|m| m.name == *name),
                "{name} is not a resource of the catalogue"
            );
        }
    }

    #[test]
    fn classes_without_one_have_none() {
        assert_eq!(repr_attr("Group"), Some("name"));
        assert_eq!(repr_attr("Project"), Some("path_with_namespace"));
        assert_eq!(repr_attr("ProjectMergeRequest"), None);
        assert_eq!(repr_attr("UserProject"), None);
    }
}
