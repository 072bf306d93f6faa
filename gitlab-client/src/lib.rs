//! An async client for the GitLab REST API v4, in the spirit of python-gitlab.
//!
//! Every resource is described once in YAML (`schema/`) and generated at build
//! time into [`resources`]: a static table, a marker type, and one-line methods
//! for sub-resources and custom actions. All behaviour lives in a small generic
//! runtime: [`Manager`], [`Object`], [`Gitlab`].
//!
//! ```no_run
//! use gitlab_client::{Attrs, Gitlab};
//!
//! # async fn run() -> gitlab_client::Result<()> {
//! let gl = Gitlab::new("https://gitlab.example.com", "glpat-...")?;
//!
//! // Lists make you choose how much to fetch: .page(n), .all() or .stream().
//! let open = gl.projects().get_lazy("group/project").issues().list().filter("state", "opened").all().await?;
//!
//! let mut project = gl.projects().get("group/project").await?;
//! let mut issue = project.issues().create(Attrs::new().set("title", "Broken link")).await?;
//! issue.set("labels", vec!["bug"]);
//! issue.save().await?;          // sends only `labels`
//! project.star().await?;        // a custom action
//! println!("{} open issues", open.len());
//! # Ok(()) }
//! ```

mod attrs;
mod client;
mod config;
mod dynamic;
mod error;
mod manager;
pub mod meta;
mod object;
mod retry;

pub use attrs::{Attrs, FilePart, Param};
pub use bytes::Bytes;
pub use client::{
    Auth, CallOptions, Gitlab, GitlabBuilder, Secret, ServerVersion, DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
};
pub use config::{
    process_env, Config, ConfigError, EnvLookup, ServerConfig, SslVerify, DEFAULT_URL,
};
pub use dynamic::Pages;
pub use error::{Error, Op, Result};
pub use manager::{encode_id, ActionResult, DynManager, ListRequest, Manager, Page, PageInfo};
pub use meta::{ops, Resource, ResourceMeta};
pub use object::{Object, ObjectCore};
pub use retry::RetryPolicy;
pub use serde_json::Value;

/// Generated from `schema/`: one module per schema file, re-exported here.
#[allow(clippy::all)]
pub mod resources {
    include!(concat!(env!("OUT_DIR"), "/resources.rs"));

    /// The resource named `name` (`"ProjectIssue"`), or `None`.
    pub fn find(name: &str) -> Option<&'static crate::meta::ResourceMeta> {
        CATALOGUE.iter().copied().find(|r| r.name == name)
    }
}
