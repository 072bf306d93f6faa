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

#![deny(missing_docs)]

// Layers, each importing only the ones above it:
// meta, error, attrs, retry, headers → transport → pagination → scope → object → manager → list → client;
// config and graphql build on client; blocking (feature `blocking`) wraps them all.
// Generated `resources` sit on top of all of them.
mod attrs;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
#[cfg(feature = "config")]
mod config;
mod error;
mod graphql;
#[doc = include_str!("guide.md")]
pub mod guide {}
mod headers;
mod list;
mod manager;
pub mod meta;
mod object;
mod pagination;
mod retry;
mod scope;
mod transport;
pub mod typed;

pub use attrs::{Attrs, CreateAttrs, FilePart, Param, UpdateAttrs};
pub use bytes::Bytes;
pub use client::{
    GitlabBuilder, ServerVersion, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
};
#[cfg(feature = "config")]
pub use config::{
    process_env, Config, ConfigError, EnvLookup, ServerConfig, SslVerify, DEFAULT_URL,
};
pub use error::{Error, GraphQLError, Op, Result};
pub use headers::ResponseHeaders;
pub use list::{ListRequest, Pages};
pub use manager::{DynManager, Manager};
pub use meta::{ops, Resource, ResourceMeta};
pub use object::{Fields, NoFields, Object, ObjectCore};
pub use pagination::{Page, PageInfo};
pub use retry::RetryPolicy;
pub use scope::{encode_id, ActionResult};
pub use serde_json::Value;
pub use transport::{redact_url, Auth, CallOptions, Gitlab, Secret};
pub use typed::{Date, DateTime, Id};

/// A JSON object: GitLab's `hash` parameters and objects in responses.
pub type Map = serde_json::Map<String, Value>;

/// Generated from `schema/`: one module per schema file, re-exported here.
///
/// Lints allowed here: builders take every required attribute as an argument
/// (some have many), enum variants spell GitLab's values, and a few GitLab
/// names end in their type's name.
#[allow(
    clippy::too_many_arguments,
    clippy::enum_variant_names,
    clippy::module_name_repetitions
)]
pub mod resources {
    #[cfg(feature = "regenerate")]
    include!(concat!(env!("OUT_DIR"), "/resources.rs"));
    #[cfg(not(feature = "regenerate"))]
    include!("generated/resources.rs");

    /// The resource named `name` (`"ProjectIssue"`), or `None`.
    pub fn find(name: &str) -> Option<&'static crate::meta::ResourceMeta> {
        CATALOGUE.iter().copied().find(|r| r.name == name)
    }
}
