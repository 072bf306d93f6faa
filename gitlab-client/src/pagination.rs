//! Walking the pages of a listing: GitLab's pagination headers, `Link`
//! parsing, and a cursor that follows `rel="next"` or `X-Next-Page`.

use crate::attrs::Body;
use crate::error::{Error, Op, Result};
use crate::meta::HttpMethod;
use crate::transport::{decode_error, decode_json, kind_of, CallOptions, Gitlab, Request};
use futures_util::stream::{self, Stream};
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

/// Pagination facts from GitLab's response headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// `X-Page`
    pub page: Option<u32>,
    /// `X-Per-Page`
    pub per_page: Option<u32>,
    /// `X-Total` (absent on very large collections).
    pub total: Option<u64>,
    /// `X-Total-Pages`
    pub total_pages: Option<u32>,
    /// `X-Next-Page`
    pub next_page: Option<u32>,
    /// `X-Prev-Page`
    pub prev_page: Option<u32>,
    /// `Link: <…>; rel="next"` (keyset pagination uses only this).
    pub next_url: Option<String>,
}

impl PageInfo {
    pub(crate) fn from_headers(h: &reqwest::header::HeaderMap) -> PageInfo {
        fn num<T: std::str::FromStr>(h: &reqwest::header::HeaderMap, k: &str) -> Option<T> {
            h.get(k)?.to_str().ok()?.trim().parse().ok()
        }
        PageInfo {
            page: num(h, "x-page"),
            per_page: num(h, "x-per-page"),
            total: num(h, "x-total"),
            total_pages: num(h, "x-total-pages"),
            next_page: num(h, "x-next-page"),
            prev_page: num(h, "x-prev-page"),
            next_url: h
                .get_all(reqwest::header::LINK)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|v| link_rel(v, "next")),
        }
    }
}

/// Finds the URL with `rel="<rel>"` in a `Link` header value.
pub(crate) fn link_rel(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let url = pieces.next()?.trim();
        let url = url.strip_prefix('<')?.strip_suffix('>')?;
        pieces
            .any(|p| {
                let p = p.trim();
                p == format!("rel=\"{rel}\"") || p == format!("rel={rel}")
            })
            .then(|| url.to_string())
    })
}

/// One page of objects and what the server said about the rest.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The objects of the page.
    pub items: Vec<T>,
    /// What the headers said about the rest.
    pub info: PageInfo,
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Walks the pages of a listing: follows `Link: rel="next"` when present
/// (keyset pagination), else `X-Next-Page`.
pub(crate) struct Cursor {
    gl: Gitlab,
    op: Op,
    /// The resource listed, by schema name (for the request's tracing span).
    resource: &'static str,
    next: Option<(String, Vec<(String, String)>)>,
    opts: CallOptions,
    /// Pages already requested (path and sorted query): a server that sends the
    /// listing back to one of them would make it loop forever.
    seen: HashSet<String>,
    /// Hash of the last page's body: a page identical to the previous one is a loop too.
    last_body: Option<u64>,
}

/// A page's identity: its path with the query sorted.
fn page_key(path: &str, query: &[(String, String)]) -> String {
    let mut q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    q.sort();
    format!("{path}?{}", q.join("&"))
}

impl Cursor {
    pub(crate) fn new(
        gl: Gitlab,
        op: Op,
        path: String,
        query: Vec<(String, String)>,
        opts: CallOptions,
    ) -> Cursor {
        Cursor {
            gl,
            op,
            resource: "",
            next: Some((path, query)),
            opts,
            seen: HashSet::new(),
            last_body: None,
        }
    }

    /// The next page with its items parsed into JSON values. An item that does
    /// not parse (nested deeper than the parser allows) is an error naming it.
    pub(crate) async fn next_page(&mut self) -> Result<Option<(Vec<Value>, PageInfo)>> {
        let path = match &self.next {
            Some((p, _)) => p.clone(),
            None => return Ok(None),
        };
        let Some((raw, info)) = self.next_page_raw().await? else {
            return Ok(None);
        };
        let mut items = Vec::with_capacity(raw.len());
        for (i, r) in raw.into_iter().enumerate() {
            match serde_json::from_str(r.get()) {
                Ok(v) => items.push(v),
                Err(e) => {
                    return Err(Error::Decode {
                        op: self.op,
                        method: HttpMethod::Get,
                        path: crate::transport::display_path(&path, ""),
                        status: 200,
                        detail: format!("item {i} of the page cannot be decoded: {e}"),
                        body: r.get().chars().take(200).collect(),
                    })
                }
            }
        }
        Ok(Some((items, info)))
    }

    /// Names the resource listed, for the requests' tracing spans.
    pub(crate) fn for_resource(mut self, resource: &'static str) -> Cursor {
        self.resource = resource;
        self
    }

    /// The next page, its items kept as raw JSON text (one validation pass, no tree).
    pub(crate) async fn next_page_raw(&mut self) -> Result<Option<(Vec<Box<RawValue>>, PageInfo)>> {
        let Some((path, query)) = self.next.take() else {
            return Ok(None);
        };
        self.seen.insert(page_key(&path, &query));
        let resp = self
            .gl
            .send(Request {
                op: self.op,
                resource: self.resource,
                method: HttpMethod::Get,
                path: path.clone(),
                query: query.clone(),
                body: Body::Empty,
                opts: &self.opts,
            })
            .await?;
        let info = PageInfo::from_headers(&resp.headers);
        let items: Vec<Box<RawValue>> = match serde_json::from_slice(&resp.body) {
            Ok(items) => items,
            // Not an array of JSON values: say what it is instead.
            Err(_) => {
                let other = decode_json(&resp, self.op, HttpMethod::Get, &path)?;
                return Err(decode_error(
                    &resp,
                    self.op,
                    HttpMethod::Get,
                    &path,
                    format!("expected a JSON array, got {}", kind_of(&other)),
                ));
            }
        };
        let looped = |what: String| Error::Decode {
            op: self.op,
            method: HttpMethod::Get,
            path: crate::transport::display_path(&path, ""),
            status: resp.status,
            detail: format!("the listing does not end: {what}; stopped instead of looping"),
            body: String::new(),
        };
        if !items.is_empty() {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            resp.body.hash(&mut h);
            let hash = h.finish();
            if self.last_body == Some(hash) {
                return Err(looped("this page repeats the previous one".into()));
            }
            self.last_body = Some(hash);
            let next = if let Some(url) = &info.next_url {
                Some((self.gl.follow_link(url).map_err(&looped)?, Vec::new()))
            } else if let Some(n) = info.next_page {
                let mut q = query;
                q.retain(|(k, _)| k != "page");
                q.push(("page".into(), n.to_string()));
                Some((path.clone(), q))
            } else {
                None
            };
            if let Some((p, q)) = &next {
                let key = page_key(p, q);
                if self.seen.contains(&key) {
                    return Err(looped(format!(
                        "the server sent it back to a page it already served ({})",
                        crate::transport::display_path(&key, "")
                    )));
                }
            }
            self.next = next;
        }
        Ok(Some((items, info)))
    }
}

/// Pages one after another, following the cursor; ends after an error.
pub(crate) fn sequential_pages(
    cursor: Cursor,
) -> impl Stream<Item = Result<Vec<Box<RawValue>>>> + Send + 'static {
    stream::unfold(Some(cursor), |cursor| async move {
        let mut cursor = cursor?;
        match cursor.next_page_raw().await {
            Ok(Some((items, _))) => Some((Ok(items), Some(cursor))),
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    })
}

#[cfg(test)]
mod fuzz {
    //! Whatever pagination headers a server sends, parsing never panics.
    use super::*;
    use proptest::prelude::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_pagination_headers_parse_without_panic(
            page in "\\PC{0,12}", total in "\\PC{0,12}", link in "\\PC{0,200}"
        ) {
            let mut h = HeaderMap::new();
            for (k, v) in [("x-page", &page), ("x-total", &total), ("x-next-page", &page), ("link", &link)] {
                if let Ok(v) = HeaderValue::from_str(v) {
                    h.insert(k, v);
                }
            }
            let _ = PageInfo::from_headers(&h);
            let _ = link_rel(&link, "next");
        }

    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next_is_found() {
        let h = r#"<https://gl/api/v4/projects?page=1>; rel="prev", <https://gl/api/v4/projects?id_after=5&pagination=keyset>; rel="next", <https://gl/api/v4/projects?page=9>; rel="last""#;
        assert_eq!(
            link_rel(h, "next").as_deref(),
            Some("https://gl/api/v4/projects?id_after=5&pagination=keyset")
        );
        assert_eq!(link_rel(h, "first"), None);
    }
}
