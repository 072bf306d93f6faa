//! Listings: ordering, offset and keyset pagination with GitLab's headers, and a
//! small cache so that paging through one listing costs O(per_page) per page.
//!
//! The first page of a listing filters and sorts the collection and keeps the
//! result (the objects' serialised bytes, shared, not copied) under a key made of
//! the query without its page parameters, the caller and the store's version.
//! Later pages of the same listing slice that result; any change to the store
//! changes the version, so a cached listing is never stale.

use crate::reply::{ApiError, ApiResult, Reply};
use crate::request::ApiRequest;
use crate::store::Entry;
use bytes::{BufMut, Bytes, BytesMut};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::sync::Arc;

/// One listed object: its id (for keyset pagination) and its JSON.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub id: u64,
    pub bytes: Bytes,
}

impl Item {
    pub fn of(e: &Entry) -> Item {
        Item {
            id: e.u64("id").unwrap_or(0),
            bytes: e.bytes.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheKey {
    pub scope: String,
    pub viewer: Option<u64>,
    pub query: Vec<(String, String)>,
    pub version: u64,
}

const CACHE_SLOTS: usize = 8;

#[derive(Debug, Default)]
pub(crate) struct ListCache {
    slots: VecDeque<(CacheKey, Arc<Vec<Item>>)>,
}

impl ListCache {
    pub fn get(&mut self, key: &CacheKey) -> Option<Arc<Vec<Item>>> {
        let i = self.slots.iter().position(|(k, _)| k == key)?;
        let hit = self.slots.remove(i)?;
        let items = hit.1.clone();
        self.slots.push_front(hit);
        Some(items)
    }

    pub fn put(&mut self, key: CacheKey, items: Arc<Vec<Item>>) {
        self.slots.retain(|(k, _)| k.version == key.version);
        self.slots.push_front((key, items));
        self.slots.truncate(CACHE_SLOTS);
    }
}

/// Query parameters about paging, not filtering.
pub(crate) const PAGING_PARAMS: &[&str] = &[
    "page",
    "per_page",
    "pagination",
    "cursor",
    "id_after",
    "id_before",
    "private_token",
];

/// How the caller wants the listing ordered and paged.
#[derive(Debug, Clone)]
pub(crate) struct Paging {
    pub order_by: String,
    pub desc: bool,
    pub keyset: bool,
}

/// Per-kind ordering rules: the default field and direction, and the accepted fields.
pub(crate) struct OrderRules {
    pub default_field: &'static str,
    pub default_desc: bool,
    pub allowed: &'static [&'static str],
}

pub(crate) fn paging(req: &ApiRequest, rules: &OrderRules) -> ApiResult<Paging> {
    let p = &req.params;
    let keyset = p.str("pagination").as_deref() == Some("keyset");
    let order_by = match p.nonblank("order_by") {
        Some(o) => {
            let any = rules.allowed.contains(&"*");
            if !any && !rules.allowed.contains(&o.as_str()) && o != "id" {
                return Err(ApiError::error(400, "order_by does not have a valid value"));
            }
            o
        }
        None if keyset => "id".to_string(),
        None => rules.default_field.to_string(),
    };
    let desc = match p.nonblank("sort").map(|s| s.to_ascii_lowercase()) {
        Some(s) if s == "asc" => false,
        Some(s) if s == "desc" => true,
        Some(_) => return Err(ApiError::error(400, "sort does not have a valid value")),
        None if keyset => false,
        None => rules.default_desc,
    };
    if keyset && order_by != "id" {
        return Err(ApiError::message(
            405,
            "Keyset pagination is not yet available for this type of request",
        ));
    }
    Ok(Paging {
        order_by,
        desc,
        keyset,
    })
}

/// Orders JSON values: numbers numerically, strings case-insensitively, nulls first.
pub(crate) fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => {
            let o = x.to_lowercase().cmp(&y.to_lowercase());
            o.then_with(|| x.cmp(y))
        }
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (None | Some(Value::Null), None | Some(Value::Null)) => Ordering::Equal,
        (None | Some(Value::Null), _) => Ordering::Less,
        (_, None | Some(Value::Null)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// Sorts by `field` then by id, both in the chosen direction.
pub(crate) fn sort_entries(entries: &mut [&Entry], field: &str, desc: bool) {
    entries.sort_by(|a, b| {
        let o = if field == "id" {
            Ordering::Equal
        } else {
            cmp_values(a.obj.get(field), b.obj.get(field))
        };
        let o = o.then_with(|| cmp_values(a.obj.get("id"), b.obj.get("id")));
        if desc {
            o.reverse()
        } else {
            o
        }
    });
}

/// Writes `[a,b,c]` from pre-serialised objects.
pub(crate) fn json_array(items: &[Item]) -> Bytes {
    let len: usize = items.iter().map(|i| i.bytes.len() + 1).sum::<usize>() + 2;
    let mut out = BytesMut::with_capacity(len);
    out.put_u8(b'[');
    for (n, i) in items.iter().enumerate() {
        if n > 0 {
            out.put_u8(b',');
        }
        out.put_slice(&i.bytes);
    }
    out.put_u8(b']');
    out.freeze()
}

fn per_page_of(req: &ApiRequest) -> usize {
    match req
        .params
        .str("per_page")
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        Some(n) if n >= 1 => n.min(100) as usize,
        _ => 20,
    }
}

fn page_of(req: &ApiRequest) -> usize {
    match req
        .params
        .str("page")
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        Some(n) if n >= 1 => n.min(1_000_000_000) as usize,
        _ => 1,
    }
}

/// Builds a `Link` URL: this request's path and query with some parameters replaced.
fn link_url(base: &str, req: &ApiRequest, drop: &[&str], add: &[(&str, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    // Credentials never go into links.
    const SECRET: &[&str] = &["private_token", "access_token", "job_token"];
    for (k, v) in &req.query {
        if !drop.contains(&k.as_str()) && !SECRET.contains(&k.as_str()) {
            ser.append_pair(k, v);
        }
    }
    for (k, v) in add {
        ser.append_pair(k, v);
    }
    format!("{base}{}?{}", req.raw_path, ser.finish())
}

/// Answers one page of `items` (already filtered and ordered).
pub(crate) fn page_reply(
    base: &str,
    count_limit: usize,
    req: &ApiRequest,
    items: &[Item],
    paging: &Paging,
    cursor_style: CursorStyle,
) -> ApiResult<Reply> {
    let per_page = per_page_of(req);
    if paging.keyset {
        return keyset_reply(base, req, items, paging, per_page, cursor_style);
    }
    let page = page_of(req);
    let total = items.len();
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    let counted = total <= count_limit;
    let total_pages = total.div_ceil(per_page).max(1);
    let has_next = end < total;
    let body = json_array(&items[start..end]);
    let mut r = Reply::raw_json(200, body)
        .header("x-page", page.to_string())
        .header("x-per-page", per_page.to_string())
        .header(
            "x-next-page",
            if has_next {
                (page + 1).to_string()
            } else {
                String::new()
            },
        )
        .header(
            "x-prev-page",
            if page > 1 {
                (page - 1).to_string()
            } else {
                String::new()
            },
        );
    if counted {
        r = r
            .header("x-total", total.to_string())
            .header("x-total-pages", total_pages.to_string());
    }
    let drop = ["page", "per_page"];
    let link = |n: usize| {
        link_url(
            base,
            req,
            &drop,
            &[("page", n.to_string()), ("per_page", per_page.to_string())],
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("<{}>; rel=\"prev\"", link(page - 1)));
    }
    if has_next {
        links.push(format!("<{}>; rel=\"next\"", link(page + 1)));
    }
    links.push(format!("<{}>; rel=\"first\"", link(1)));
    if counted {
        links.push(format!("<{}>; rel=\"last\"", link(total_pages)));
    }
    Ok(r.header("link", links.join(", ")))
}

/// How the `rel="next"` link of a keyset page names its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CursorStyle {
    /// `id_after=42` / `id_before=42` (projects).
    IdBound,
    /// An opaque `cursor=...` (issues and most newer endpoints).
    Opaque,
}

fn keyset_reply(
    base: &str,
    req: &ApiRequest,
    items: &[Item],
    paging: &Paging,
    per_page: usize,
    style: CursorStyle,
) -> ApiResult<Reply> {
    // Where the previous page stopped.
    let bound =
        match req.params.str("cursor") {
            Some(c) => Some(decode_cursor(&c).ok_or_else(|| {
                ApiError::message(400, "400 Bad request - Invalid cursor parameter")
            })?),
            None => {
                let name = if paging.desc { "id_before" } else { "id_after" };
                req.params.u64(name)?
            }
        };
    // `items` is ordered by id in the requested direction.
    let start = match bound {
        None => 0,
        Some(b) if paging.desc => items.partition_point(|i| i.id >= b),
        Some(b) => items.partition_point(|i| i.id <= b),
    };
    let end = start.saturating_add(per_page).min(items.len());
    let page = &items[start..end];
    let mut r = Reply::raw_json(200, json_array(page));
    if end < items.len() {
        if let Some(last) = page.last() {
            let add = match style {
                CursorStyle::IdBound if paging.desc => ("id_before", last.id.to_string()),
                CursorStyle::IdBound => ("id_after", last.id.to_string()),
                CursorStyle::Opaque => ("cursor", encode_cursor(last.id)),
            };
            let url = link_url(base, req, &["cursor", "id_after", "id_before"], &[add]);
            r = r.header("link", format!("<{url}>; rel=\"next\""));
        }
    }
    Ok(r)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// GitLab's cursors are base64 of a small JSON object; ours hold the last id.
fn encode_cursor(id: u64) -> String {
    let raw = format!("{{\"id\":\"{id}\",\"_kd\":\"n\"}}");
    let bytes = raw.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn decode_cursor(s: &str) -> Option<u64> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'+' => 62,
            b'/' => 63,
            _ => B64.iter().position(|x| *x == c)? as u32,
        };
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    let v: Value = serde_json::from_slice(&out).ok()?;
    match v.get("id")? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        for id in [0, 1, 42, 123_456_789] {
            assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        }
        assert_eq!(decode_cursor("!!"), None);
        assert_eq!(decode_cursor("e30"), None); // "{}"
    }
}
