//! Listings: [`ListRequest`] for typed managers and [`Pages`] for dynamic
//! ones. Both walk the same [`Cursor`](crate::pagination) and make objects that
//! keep the manager's call options.
//!
//! Order rule: `all()` and `stream()` return the items in the order that
//! `page(1)`, `page(2)`, … would. They switch to keyset pagination (cheaper
//! for GitLab on long listings) only where the schema's `keyset` ordering is
//! GitLab's default ordering for the listing, and only when the caller's own
//! `order_by`/`sort` (if any) agree with it; otherwise they page by offset.

use crate::attrs::{Attrs, Param};
use crate::error::{Error, Op, Result};
use crate::manager::{DynManager, Manager};
use crate::meta::{ops, HttpMethod, Operation, Resource};
use crate::object::{Object, ObjectCore};
use crate::pagination::{sequential_pages, Cursor, Page, PageInfo};
use crate::transport::{json_depth, kind_of, MAX_JSON_DEPTH};
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use serde_json::value::RawValue;
use serde_json::Value;
use std::marker::PhantomData;

impl<R: ops::List> Manager<R> {
    /// Starts a listing. Pick how much to fetch: `.page(n)`, `.all()` or `.stream()`;
    /// nothing is silently cut at GitLab's default page size.
    ///
    /// ```no_run
    /// # async fn f(gl: gitlab_client::Gitlab) -> gitlab_client::Result<()> {
    /// let page = gl.projects().list().filter("owned", true).per_page(50).page(1).await?;
    /// println!("{} of {:?}", page.items.len(), page.info.total);
    /// let open = gl.projects().get_lazy(7).issues().list().filter("state", "opened").all().await?;
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListRequest<R> {
        ListRequest {
            per_page: self.core.scope.gl.per_page(),
            core: self.core.clone(),
            filters: Attrs::new(),
            concurrency: 1,
            offset_only: false,
            refused: None,
            _r: PhantomData,
        }
    }
}

/// A filter set by a generated typed method: its name is the schema's own.
/// A function, not a method, so generated bodies do not depend on every
/// generated `ListRequest` impl (see `attrs::Builder`).
#[inline]
pub(crate) fn typed_filter<R>(
    mut req: ListRequest<R>,
    name: &'static str,
    value: impl Into<Param>,
) -> ListRequest<R> {
    req.filters.insert(name, value);
    req
}

/// Query parameters every listing takes, whatever its schema lists.
const PAGING_PARAMS: &[&str] = &["page", "per_page", "pagination", "order_by", "sort"];

/// A listing being set up: add filters, then choose `.page(n)`, `.all()` or `.stream()`.
pub struct ListRequest<R> {
    core: DynManager,
    filters: Attrs,
    per_page: Option<u32>,
    /// Pages fetched at once by `all()`/`stream()` (offset pagination only).
    concurrency: usize,
    /// Never switch to keyset pagination.
    offset_only: bool,
    /// A filter the schema does not know: reported when the listing runs.
    refused: Option<Error>,
    _r: PhantomData<fn() -> R>,
}

impl<R: Resource> ListRequest<R> {
    /// Adds a list filter by name (`state`, `labels`, …); arrays and comma lists
    /// are encoded per schema. A name the schema does not list for this
    /// resource makes the listing fail before any request, with the closest
    /// known name; use [`filter_unchecked`](Self::filter_unchecked) for filters
    /// newer than the schema. The generated typed methods (`.state(..)`) are
    /// the checked, typed way.
    pub fn filter(mut self, name: impl Into<String>, value: impl Into<Param>) -> Self {
        let name = name.into();
        self.check(&name);
        self.filters.insert(name, value);
        self
    }

    /// Adds a filter the schema may not know, sent as given.
    pub fn filter_unchecked(mut self, name: impl Into<String>, value: impl Into<Param>) -> Self {
        self.filters = std::mem::take(&mut self.filters).set_unchecked(name, value);
        self
    }

    /// Adds several filters at once (checked like [`filter`](Self::filter),
    /// except those added with [`Attrs::set_unchecked`]).
    pub fn filters(mut self, attrs: Attrs) -> Self {
        for (k, v) in attrs.iter() {
            if attrs.is_unchecked(k) {
                self = self.filter_unchecked(k, v.clone());
            } else {
                self = self.filter(k, v.clone());
            }
        }
        self
    }

    fn check(&mut self, name: &str) {
        if self.refused.is_some() {
            return;
        }
        let known = R::META.list_filters;
        let all = || {
            let mut all = known.to_vec();
            all.extend_from_slice(PAGING_PARAMS);
            all
        };
        let ok = |n: &str| known.contains(n) || PAGING_PARAMS.contains(&n);
        if let Err(e) =
            self.core
                .scope
                .check_name(Op::from(Operation::List), "list filter", name, &ok, &all)
        {
            self.refused = Some(e);
        }
    }

    /// Page size, 1–100 (GitLab caps larger values at 100).
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = Some(n.clamp(1, 100));
        self
    }

    /// Keyset pagination (`pagination=keyset`), for endpoints that offer it.
    pub fn keyset(self) -> Self {
        self.filter("pagination", "keyset")
    }

    /// Runs this listing as `user` (`Sudo` header); the listed objects keep it.
    pub fn sudo(mut self, user: impl Into<String>) -> Self {
        self.core.scope.opts.sudo = Some(user.into());
        self
    }

    /// Fetches page `n` (1-based) with its pagination facts.
    pub async fn page(self, n: u32) -> Result<Page<Object<R>>> {
        if let Some(e) = self.refused {
            return Err(e);
        }
        let page = self
            .core
            .list_page(&self.filters, self.per_page, n.max(1))
            .await?;
        Ok(Page {
            items: page.items.into_iter().map(Object::from_core).collect(),
            info: page.info,
        })
    }

    /// Fetches up to `n` pages at once in `all()`/`stream()`, keeping their order.
    /// Applies to offset pagination once the first page tells how many pages
    /// there are (`X-Total-Pages`); keyset listings are always sequential.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Uses offset pagination even where GitLab offers keyset pagination.
    pub fn offset_pagination(mut self) -> Self {
        self.offset_only = true;
        self
    }

    /// The filters to send, and whether the listing is keyset-paginated. Keyset
    /// parameters are added only where they keep the order `page(n)` gives: the
    /// schema's keyset ordering is GitLab's default for this listing, and any
    /// `order_by`/`sort` the caller chose is that same ordering.
    fn effective_filters(&self) -> (Attrs, bool) {
        let mut f = self.filters.clone();
        let chosen = |name: &str| match f.get(name) {
            Some(Param::Value(Value::String(s))) => Some(s.clone()),
            Some(Param::Value(v)) => Some(v.to_string()),
            Some(_) => Some(String::new()),
            None => None,
        };
        let keyset = match R::META.keyset {
            Some(k)
                if !self.offset_only
                    && self.concurrency <= 1
                    && !f.contains("pagination")
                    && !f.contains("page")
                    && chosen("order_by").is_none_or(|o| o == k.order_by)
                    && chosen("sort").is_none_or(|s| s == k.sort.as_str()) =>
            {
                f.insert("pagination", "keyset");
                f.insert("order_by", k.order_by);
                f.insert("sort", k.sort.as_str());
                true
            }
            _ => f.get("pagination") == Some(&Param::Value(Value::from("keyset"))),
        };
        (f, keyset)
    }

    /// Every page's items, in order.
    fn pages(mut self) -> BoxStream<'static, Result<Vec<Box<RawValue>>>> {
        if let Some(e) = self.refused.take() {
            return stream::once(async { Err(e) }).boxed();
        }
        let (filters, keyset) = self.effective_filters();
        let cursor = match self.core.cursor(&filters, self.per_page, None) {
            Ok(c) => c,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        if keyset || self.concurrency <= 1 {
            return sequential_pages(cursor).boxed();
        }
        let (core, per_page, n) = (self.core, self.per_page, self.concurrency);
        stream::once(async move {
            let mut cursor = cursor;
            let (items, info) = match cursor.next_page_raw().await {
                Err(e) => return stream::once(async { Err(e) }).boxed(),
                Ok(None) => return stream::empty().boxed(),
                Ok(Some(page)) => page,
            };
            let first = stream::once(async { Ok(items) });
            match info.total_pages {
                // The total is known and page 2 comes next: fetch the rest concurrently.
                // The pages fetched must agree with the total, or the listing
                // would be silently short (a total too small) or endless (too
                // large): an empty page before the last one, or a last page
                // that links further, is an error.
                Some(total) if total > 1 && info.next_page == Some(2) => {
                    let rest = stream::iter(2..=total)
                        .map(move |p| {
                            let core = core.clone();
                            let filters = filters.clone();
                            async move {
                                let mut c = core.cursor(&filters, per_page, Some(p))?;
                                let (items, info) = c.next_page_raw().await?.unwrap_or_default();
                                let wrong = if items.is_empty() {
                                    Some(format!("page {p} is empty"))
                                } else if p == total && (info.next_page.is_some() || info.next_url.is_some()) {
                                    Some(format!("page {p} links to a next page"))
                                } else {
                                    None
                                };
                                match wrong {
                                    None => Ok(items),
                                    Some(w) => Err(Error::Decode {
                                        op: Op::from(Operation::List),
                                        method: HttpMethod::Get,
                                        path: core.scope.path().unwrap_or_default(),
                                        status: 200,
                                        detail: format!(
                                            "X-Total-Pages said {total}, but {w}; the listing would be wrong, so it stops (concurrency(1) pages without trusting the total)"
                                        ),
                                        body: String::new(),
                                    }),
                                }
                            }
                        })
                        .buffered(n);
                    first.chain(rest).boxed()
                }
                // No total (GitLab omits it for very large collections): keep walking.
                _ => first.chain(sequential_pages(cursor)).boxed(),
            }
        })
        .flatten()
        .boxed()
    }

    /// Fetches every page, in the order `page(1)`, `page(2)`, … would give
    /// (see the module's order rule). Objects keep this listing's call options.
    pub async fn all(self) -> Result<Vec<Object<R>>> {
        let core = self.core.clone();
        let mut pages = self.pages();
        let mut out = Vec::new();
        while let Some(items) = pages.next().await {
            for v in items? {
                out.push(Object::from_core(core.object_of_raw(v, out.len())?));
            }
        }
        Ok(out)
    }

    /// Streams objects page by page, in the order `page(1)`, `page(2)`, …
    /// would give; memory holds one page at a time (or `concurrency` pages
    /// when fetching concurrently).
    pub fn stream(self) -> impl Stream<Item = Result<Object<R>>> + Send + 'static {
        let core = self.core.clone();
        let mut seen = 0usize;
        self.pages()
            .flat_map(move |page| {
                let items: Vec<Result<Object<R>>> = match page {
                    Ok(items) => items
                        .into_iter()
                        .map(|v| {
                            seen += 1;
                            core.object_of_raw(v, seen - 1).map(Object::from_core)
                        })
                        .collect(),
                    Err(e) => vec![Err(e)],
                };
                stream::iter(items)
            })
            // Ended streams stay ended instead of panicking when polled again.
            .fuse()
    }
}

/// A listing read one page at a time, so memory holds one page however long
/// the listing is. Made by [`DynManager::pages`].
pub struct Pages {
    core: DynManager,
    cursor: Cursor,
    seen: usize,
}

impl Pages {
    /// The next page of objects with its pagination headers, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Page<ObjectCore>>> {
        match self.cursor.next_page_raw().await? {
            None => Ok(None),
            Some((items, info)) => {
                let mut objects = Vec::with_capacity(items.len());
                for v in items {
                    objects.push(self.core.object_of_raw(v, self.seen)?);
                    self.seen += 1;
                }
                Ok(Some(Page {
                    items: objects,
                    info,
                }))
            }
        }
    }
}

impl DynManager {
    /// Walks a listing page by page, starting at `first_page` (none: no `page`
    /// parameter, GitLab's first page) and following the server's next-page
    /// links. `per_page` defaults to the client's.
    pub fn pages(
        &self,
        filters: &Attrs,
        per_page: Option<u32>,
        first_page: Option<u32>,
    ) -> Result<Pages> {
        let per_page = per_page.or(self.scope.gl.per_page());
        Ok(Pages {
            core: self.clone(),
            cursor: self.cursor(filters, per_page, first_page)?,
            seen: 0,
        })
    }

    /// One page of a listing.
    pub async fn list_page(
        &self,
        filters: &Attrs,
        per_page: Option<u32>,
        page: u32,
    ) -> Result<Page<ObjectCore>> {
        let mut pages = Pages {
            core: self.clone(),
            cursor: self.cursor(filters, per_page, Some(page))?,
            seen: 0,
        };
        Ok(pages.next_page().await?.unwrap_or(Page {
            items: Vec::new(),
            info: PageInfo::default(),
        }))
    }

    pub(crate) fn cursor(
        &self,
        filters: &Attrs,
        per_page: Option<u32>,
        page: Option<u32>,
    ) -> Result<Cursor> {
        let op = Op::from(Operation::List);
        self.scope.require(Operation::List)?;
        let mut q = self.scope.query(op, filters)?;
        if let Some(n) = per_page {
            q.retain(|(k, _)| k != "per_page");
            q.push(("per_page".into(), n.to_string()));
        }
        if let Some(p) = page {
            q.retain(|(k, _)| k != "page");
            q.push(("page".into(), p.to_string()));
        }
        Ok(self.scope.cursor(op, self.scope.path()?, q))
    }

    /// An object from raw list item number `index` (0-based, across pages),
    /// parsed only when first read.
    pub(crate) fn object_of_raw(&self, raw: Box<RawValue>, index: usize) -> Result<ObjectCore> {
        let depth = json_depth(raw.get());
        let detail = if depth > MAX_JSON_DEPTH {
            // It would parse to nothing when first read: say so now.
            format!("list item {index} is nested {depth} levels deep; at most {MAX_JSON_DEPTH} can be decoded")
        } else if raw.get().trim_start().starts_with('{') {
            return Ok(ObjectCore::from_raw(self.scope.clone(), raw));
        } else {
            let what = match serde_json::from_str::<Value>(raw.get()) {
                Ok(v) => kind_of(&v).to_string(),
                Err(e) => format!("undecodable JSON ({e})"),
            };
            format!("expected a JSON object as list item {index}, got {what}")
        };
        Err(Error::Decode {
            op: Op::from(Operation::List),
            method: HttpMethod::Get,
            path: self.scope.path().unwrap_or_default(),
            status: 200,
            detail,
            body: raw.get().chars().take(200).collect(),
        })
    }
}
