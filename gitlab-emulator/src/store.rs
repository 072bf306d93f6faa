//! The in-memory store: one collection per resource and parent, objects kept
//! both as JSON maps (to change them) and as serialised bytes (to list them fast).
//! Every object stored or changed gets the response fields its resource's schema
//! declares and it lacks, blank (`null`, `[]` for lists), so answers show them all.

use crate::registry::ResId;
use crate::reply::to_bytes;
use crate::typing;
use bytes::Bytes;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The declared fields of one resource with their blank values.
pub(crate) type Blanks = Arc<[(&'static str, Value)]>;

/// State of an object that GitLab does not show in its JSON.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hidden {
    /// Users subscribed to an issue or merge request.
    pub subscribers: Vec<u64>,
    /// Users who starred a project.
    pub starrers: Vec<u64>,
    /// Commit shas known in a project (branch heads past and present).
    pub shas: Vec<String>,
    /// A secret GitLab shows once or never (a token, a hidden variable's value).
    pub secret: Option<String>,
    /// Attributes a client wrote that are not fields of the resource's entity
    /// (write-only inputs such as a cluster's `platform_kubernetes_attributes`):
    /// kept, never rendered.
    pub inputs: Map<String, Value>,
    /// A snippet's files: path and content, in order.
    pub files: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub obj: Map<String, Value>,
    /// `obj` serialised; list pages are these bytes joined with commas.
    pub bytes: Bytes,
    pub hidden: Hidden,
}

impl Entry {
    pub fn new(obj: Map<String, Value>) -> Entry {
        let mut e = Entry {
            obj,
            bytes: Bytes::new(),
            hidden: Hidden::default(),
        };
        e.reserialize();
        e
    }

    /// An object about to be stored, not serialised yet: [`Store::insert`]
    /// serialises it once, after adding the declared fields it lacks.
    pub fn unserialized(obj: Map<String, Value>) -> Entry {
        Entry {
            obj,
            bytes: Bytes::new(),
            hidden: Hidden::default(),
        }
    }

    pub fn reserialize(&mut self) {
        let mut out = Vec::with_capacity(self.bytes.len().max(256));
        if serde_json::to_writer(&mut out, &self.obj).is_err() {
            out = to_bytes(&Value::Null);
        }
        self.bytes = Bytes::from(out);
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.obj.clone())
    }

    pub fn u64(&self, k: &str) -> Option<u64> {
        self.obj.get(k).and_then(Value::as_u64)
    }

    pub fn str(&self, k: &str) -> Option<&str> {
        self.obj.get(k).and_then(Value::as_str)
    }
}

/// Objects of one resource under one parent, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Collection {
    items: BTreeMap<u64, Entry>,
    keys: HashMap<String, u64>,
    /// Last `iid` handed out here.
    pub last_iid: u64,
}

impl Collection {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.items.get(self.keys.get(key)?)
    }

    /// Changes an object, gives it the declared fields it lacks and serialises it again.
    fn modify<R>(
        &mut self,
        key: &str,
        blanks: &[(&'static str, Value)],
        f: impl FnOnce(&mut Entry) -> R,
    ) -> Option<R> {
        let seq = *self.keys.get(key)?;
        let e = self.items.get_mut(&seq)?;
        let out = f(e);
        typing::fill(blanks, &mut e.obj);
        e.reserialize();
        Some(out)
    }

    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        let seq = self.keys.remove(key)?;
        self.items.remove(&seq)
    }

    /// Objects in creation order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> {
        self.items.values()
    }
}

/// The table behind a collection path: its last literal segment, one trailing
/// `s` cut, so that `/snippets` and `/projects/{}/snippets`, `/user/keys` and
/// `/users/{}/keys`, project and group `boards` share one id counter, and
/// `notes` counts with the core handlers' `note`.
pub(crate) fn table_of(norm: &str) -> String {
    let last = norm
        .rsplit('/')
        .find(|s| !s.is_empty() && *s != "{}")
        .unwrap_or("");
    last.strip_suffix('s').unwrap_or(last).to_string()
}

pub(crate) type CollKey = (ResId, Vec<String>);

#[derive(Debug, Default)]
pub(crate) struct Store {
    colls: HashMap<CollKey, Collection>,
    counters: HashMap<String, u64>,
    seq: u64,
    /// Bumped by every change; list caches compare it.
    pub version: u64,
    /// Blank declared fields, by resource.
    blanks: Vec<Blanks>,
}

impl Store {
    /// An empty store whose objects of resource `r` get the fields `blanks[r]`.
    pub fn new(blanks: Vec<Blanks>) -> Store {
        Store {
            blanks,
            ..Store::default()
        }
    }

    fn blanks(&self, res: ResId) -> Blanks {
        self.blanks
            .get(res)
            .cloned()
            .unwrap_or_else(|| Arc::new([]))
    }

    /// An object of `res` that is not stored (a singleton nobody has set yet):
    /// every declared field, blank.
    pub fn blank_object(&self, res: ResId) -> Map<String, Value> {
        let mut obj = Map::new();
        if let Some(b) = self.blanks.get(res) {
            typing::fill(b, &mut obj);
        }
        obj
    }

    /// The next value of a global id counter (`project`, `issue`, `namespace`…).
    /// A collection path (`/projects/{}/snippets`) counts in its table's counter
    /// ([`table_of`]), so a kind of object has unique ids wherever it lives, as
    /// in GitLab, where each kind is one database table.
    pub fn next_id(&mut self, counter: &str) -> u64 {
        let name = if counter.starts_with('/') {
            table_of(counter)
        } else {
            counter.to_string()
        };
        let c = self.counters.entry(name).or_insert(0);
        *c += 1;
        *c
    }

    pub fn coll(&self, res: ResId, parent: &[String]) -> Option<&Collection> {
        self.colls.get(&(res, parent.to_vec()))
    }

    /// Every collection of `res`, whatever its parent, in no particular order.
    pub fn colls_of(&self, res: ResId) -> impl Iterator<Item = &Collection> {
        self.colls
            .iter()
            .filter(move |((r, _), _)| *r == res)
            .map(|(_, c)| c)
    }

    pub fn coll_mut(&mut self, res: ResId, parent: &[String]) -> &mut Collection {
        self.version += 1;
        self.colls.entry((res, parent.to_vec())).or_default()
    }

    pub fn get(&self, res: ResId, parent: &[String], key: &str) -> Option<&Entry> {
        self.coll(res, parent)?.get(key)
    }

    /// Adds an object under `key`, replacing any object with that key, and
    /// returns its bytes as stored (with the declared fields it lacked).
    pub fn insert(
        &mut self,
        res: ResId,
        parent: &[String],
        key: String,
        mut entry: Entry,
    ) -> Bytes {
        let filled = self
            .blanks
            .get(res)
            .is_some_and(|b| typing::fill(b, &mut entry.obj));
        // Serialised bytes are never empty (`{}` at least), so empty ones are unserialised.
        if filled || entry.bytes.is_empty() {
            entry.reserialize();
        }
        let bytes = entry.bytes.clone();
        self.seq += 1;
        let seq = self.seq;
        let c = self.coll_mut(res, parent);
        if let Some(old) = c.keys.insert(key, seq) {
            c.items.remove(&old);
        }
        c.items.insert(seq, entry);
        bytes
    }

    pub fn modify<R>(
        &mut self,
        res: ResId,
        parent: &[String],
        key: &str,
        f: impl FnOnce(&mut Entry) -> R,
    ) -> Option<R> {
        self.version += 1;
        let blanks = self.blanks(res);
        self.colls
            .get_mut(&(res, parent.to_vec()))?
            .modify(key, &blanks, f)
    }

    pub fn remove(&mut self, res: ResId, parent: &[String], key: &str) -> Option<Entry> {
        self.version += 1;
        self.colls.get_mut(&(res, parent.to_vec()))?.remove(key)
    }

    /// Drops every collection whose parent path starts with `(res_of_prefix, prefix)`:
    /// deleting project 5 drops `/projects/{}/...` collections under `["5", ..]`.
    pub fn drop_children(&mut self, is_child: impl Fn(ResId) -> bool, prefix: &[String]) {
        self.version += 1;
        self.colls
            .retain(|(res, parent), _| !(is_child(*res) && parent.starts_with(prefix)));
    }

    /// Removes a whole collection (the notes of a deleted issue).
    pub fn take_coll(&mut self, res: ResId, parent: &[String]) -> Option<Collection> {
        self.version += 1;
        self.colls.remove(&(res, parent.to_vec()))
    }
}
