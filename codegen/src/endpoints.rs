//! The HTTP endpoints the catalogue generates: one method and path per
//! standard operation and per action, built with the runtime's path rules
//! (`gitlab-client/src/scope.rs`), so coverage checks and the command line
//! see the same requests the client sends.
//!
//! Paths are relative to `/api/v4`, without the leading `/`, and every
//! placeholder is written `{}` (`projects/{}/issues/{}`), the shape of
//! `gitlab-endpoints.json`.

use crate::catalogue::{Action, Catalogue, Resource};
use crate::model::{HttpMethod, Operation};
use std::fmt;

/// What produces an endpoint: a standard operation or a custom action.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// `list`, `get`, `create`, … of the resource.
    Operation(Operation),
    /// One of the resource's `actions`.
    Action(&'a Action),
}

/// One request shape the generated client can send.
#[derive(Debug, Clone)]
pub struct Endpoint<'a> {
    pub method: HttpMethod,
    /// Relative to `/api/v4`, placeholders written `{}`.
    pub path: String,
    /// The full template, e.g. `/projects/{project_id}/issues/{id}`.
    pub template: String,
    pub resource: &'a Resource,
    pub source: Source<'a>,
}

impl Endpoint<'_> {
    /// The documentation that vouches for this endpoint: the action's own
    /// `docs_url`, or the resource's for standard operations.
    pub fn docs_url(&self) -> Option<&str> {
        match self.source {
            Source::Operation(_) => self.resource.docs_url.as_deref(),
            Source::Action(a) => a.docs_url.as_deref(),
        }
    }

    /// `ProjectIssue.list`, `ProjectIssue.move`: where the endpoint comes from.
    pub fn origin(&self) -> String {
        match self.source {
            Source::Operation(op) => format!("{}.{}", self.resource.name, op.as_str()),
            Source::Action(a) => format!("{}.{}", self.resource.name, a.name),
        }
    }
}

impl fmt::Display for Endpoint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// `/projects/{project_id}/issues/{id}` → `projects/{}/issues/{}`.
pub fn normalize(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_placeholder = false;
    for c in template.trim_start_matches('/').chars() {
        match (c, in_placeholder) {
            ('{', false) => {
                in_placeholder = true;
                out.push_str("{}");
            }
            ('}', true) => in_placeholder = false,
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

impl Resource {
    /// The object path template: `{path}/{id}`, or `{path}` for singletons
    /// (the runtime's `Scope::object_path`).
    fn object_template(&self) -> String {
        match self.id_attr {
            Some(_) => format!("{}/{{id}}", self.path),
            None => self.path.clone(),
        }
    }

    /// Every endpoint of this resource: operations in schema order, then actions.
    pub fn endpoints<'a>(&'a self) -> Vec<Endpoint<'a>> {
        let at = |method: HttpMethod, template: String, source: Source<'a>| Endpoint {
            method,
            path: normalize(&template),
            template,
            resource: self,
            source,
        };
        let ops = self.operations.iter().map(|&op| {
            let (method, template) = match op {
                Operation::List | Operation::GetWithoutId => (HttpMethod::Get, self.path.clone()),
                Operation::Get => (HttpMethod::Get, self.object_template()),
                Operation::Create => (
                    HttpMethod::Post,
                    self.create_path
                        .clone()
                        .unwrap_or_else(|| self.path.clone()),
                ),
                Operation::Update => (
                    self.update_method.unwrap_or(HttpMethod::Put),
                    self.object_template(),
                ),
                Operation::Delete => (HttpMethod::Delete, self.object_template()),
                Operation::Set => (HttpMethod::Put, self.object_template()),
            };
            at(method, template, Source::Operation(op))
        });
        // Action paths are resolved by the loader (relative, absolute, `""`, `on:`).
        let actions = self
            .actions
            .iter()
            .map(|a| at(a.method, a.path.clone(), Source::Action(a)));
        ops.chain(actions).collect()
    }
}

impl Catalogue {
    /// Every endpoint of every resource, in catalogue order (duplicates kept:
    /// two resources may reach the same endpoint).
    pub fn endpoints(&self) -> Vec<Endpoint<'_>> {
        self.resources
            .iter()
            .flat_map(Resource::endpoints)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(yaml: &str) -> Catalogue {
        crate::load_sources(&[("schema/t.yaml", yaml)]).unwrap_or_else(|d| panic!("{d}"))
    }

    fn lines(c: &Catalogue) -> Vec<String> {
        c.endpoints()
            .iter()
            .map(|e| format!("{e} <- {}", e.origin()))
            .collect()
    }

    #[test]
    fn normalize_replaces_every_placeholder() {
        assert_eq!(
            normalize("/projects/{project_id}/issues/{id}"),
            "projects/{}/issues/{}"
        );
        assert_eq!(normalize("/user"), "user");
        assert_eq!(normalize("/a/{x}.json"), "a/{}.json");
    }

    #[test]
    fn operations_and_actions_expand_like_the_runtime() {
        let c = cat(r#"
resources:
  - name: Thing
    path: /projects/{project_id}/things
    from_parent: {project_id: id}
    id: iid
    operations: [list, get, create, update, delete, set]
    update_method: PATCH
    create_path: "{name}/new"
    create: {required: [name]}
    update: {optional: [title]}
    actions:
      - {name: star, method: POST, path: star}
      - {name: whole, method: PUT, path: ""}
      - {name: bulk, method: POST, path: bulk, on: manager}
      - {name: all_of_them, method: DELETE, path: "", on: manager}
      - {name: elsewhere, method: GET, path: "/things/{ref}/raw", required: [ref]}
  - name: Single
    path: /projects/{project_id}/setting
    from_parent: {project_id: id}
    id: null
    operations: [get_without_id, update, delete]
  - name: Group
    path: /markdown
    actions:
      - {name: render, method: POST, path: "", on: manager}
"#);
        assert_eq!(
            lines(&c),
            [
                "GET projects/{}/things <- Thing.list",
                "GET projects/{}/things/{} <- Thing.get",
                "POST projects/{}/things/{}/new <- Thing.create",
                "PATCH projects/{}/things/{} <- Thing.update",
                "DELETE projects/{}/things/{} <- Thing.delete",
                "PUT projects/{}/things/{} <- Thing.set",
                "POST projects/{}/things/{}/star <- Thing.star",
                "PUT projects/{}/things/{} <- Thing.whole",
                "POST projects/{}/things/bulk <- Thing.bulk",
                "DELETE projects/{}/things <- Thing.all_of_them",
                "GET things/{}/raw <- Thing.elsewhere",
                "GET projects/{}/setting <- Single.get_without_id",
                "PUT projects/{}/setting <- Single.update",
                "DELETE projects/{}/setting <- Single.delete",
                "POST markdown <- Group.render",
            ]
        );
    }

    #[test]
    fn docs_url_comes_from_the_action_or_the_resource() {
        let c = cat(r#"
resources:
  - name: Thing
    path: /things
    docs_url: https://docs.gitlab.com/api/things/
    operations: [list]
    actions:
      - {name: a, method: POST, path: a, docs_url: "https://docs.gitlab.com/api/things/#a"}
      - {name: b, method: POST, path: b}
"#);
        let all = c.endpoints();
        let urls: Vec<Option<&str>> = all.iter().map(|e| e.docs_url()).collect();
        assert_eq!(
            urls,
            [
                Some("https://docs.gitlab.com/api/things/"),
                Some("https://docs.gitlab.com/api/things/#a"),
                None
            ]
        );
    }
}
