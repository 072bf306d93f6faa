//! Typed values for the generated setters and accessors: ids, dates, times,
//! and the reading of response fields that never fails loudly.
//!
//! The drift contract: an accessor returns `None` when the field is missing,
//! `null`, or of another type than the schema says (a string where a number
//! was due); an enum accessor returns the `Other` variant for a value the
//! schema does not know, so it survives a read → save round trip. Nothing here
//! panics on what a server sends. [`Object::get`](crate::Object::get) stays for
//! callers who want an error saying what is wrong.

use serde_json::{Map, Value};
use std::fmt;
use std::marker::PhantomData;

/// The id of an object in a path: a number (`42`) or a path (`group/project`),
/// URL-encoded where it is used. Built from integers and strings, so a
/// boolean or a float does not compile as an id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Id {
    /// A numeric id.
    Num(u64),
    /// A path or name (`group/project`, `main`, `v1.0`).
    Path(String),
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Num(n) => write!(f, "{n}"),
            Id::Path(p) => f.write_str(p),
        }
    }
}

impl From<u64> for Id {
    fn from(n: u64) -> Id {
        Id::Num(n)
    }
}

impl From<u32> for Id {
    fn from(n: u32) -> Id {
        Id::Num(n.into())
    }
}

impl From<usize> for Id {
    fn from(n: usize) -> Id {
        Id::Num(n as u64)
    }
}

impl From<i32> for Id {
    /// A negative number is kept as written; GitLab answers it with 404.
    fn from(n: i32) -> Id {
        u64::try_from(n).map_or_else(|_| Id::Path(n.to_string()), Id::Num)
    }
}

impl From<i64> for Id {
    /// A negative number is kept as written; GitLab answers it with 404.
    fn from(n: i64) -> Id {
        u64::try_from(n).map_or_else(|_| Id::Path(n.to_string()), Id::Num)
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Id {
        Id::Path(s.to_string())
    }
}

impl From<String> for Id {
    fn from(s: String) -> Id {
        Id::Path(s)
    }
}

impl From<&String> for Id {
    fn from(s: &String) -> Id {
        Id::Path(s.clone())
    }
}

impl From<&Id> for Id {
    fn from(id: &Id) -> Id {
        id.clone()
    }
}

impl From<Id> for Value {
    fn from(id: Id) -> Value {
        match id {
            Id::Num(n) => Value::from(n),
            Id::Path(p) => Value::String(p),
        }
    }
}

impl Id {
    /// The number, for a numeric id.
    pub fn as_num(&self) -> Option<u64> {
        match self {
            Id::Num(n) => Some(*n),
            Id::Path(_) => None,
        }
    }

    /// The id in a JSON value: a non-negative integer or a string.
    pub fn from_json(v: &Value) -> Option<Id> {
        match v {
            Value::Number(n) => n.as_u64().map(Id::Num),
            Value::String(s) => Some(Id::Path(s.clone())),
            _ => None,
        }
    }
}

/// A calendar date as GitLab writes it, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date `year-month-day`; `None` when there is no such day.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        gitlab_vocab::is_calendar_day(year, month, day).then_some(Date { year, month, day })
    }

    /// Reads `YYYY-MM-DD` (a trailing time, as some endpoints send, is ignored).
    pub fn parse(s: &str) -> Option<Date> {
        let (year, month, day) = gitlab_vocab::calendar_date(s)?;
        Some(Date { year, month, day })
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    pub fn day(&self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl From<Date> for Value {
    fn from(d: Date) -> Value {
        Value::String(d.to_string())
    }
}

/// A point in time as GitLab writes it (ISO 8601 with a zone:
/// `2024-05-01T12:30:00.000Z`, `2024-05-01T14:30:00+02:00`). Kept as the text
/// the server sent, checked for shape; with the `chrono` feature it converts
/// to and from `chrono::DateTime`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(String);

impl DateTime {
    /// Accepts `YYYY-MM-DDTHH:MM[:SS[.frac]]` followed by `Z` or `±HH:MM`.
    pub fn parse(s: &str) -> Option<DateTime> {
        Date::parse(s)?;
        let rest = s.get(10..)?;
        let time = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
        let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
            Some(i) => (&time[..i], &time[i..]),
            None => return None,
        };
        let mut parts = clock.split(':');
        let hh: u8 = parts.next()?.parse().ok()?;
        let mm: u8 = parts.next()?.parse().ok()?;
        let ss_ok = match parts.next() {
            None => true,
            Some(sec) => {
                let whole = sec.split('.').next()?;
                whole.len() == 2 && whole.parse::<u8>().is_ok_and(|s| s <= 60)
            }
        };
        let zone_ok = matches!(zone, "Z" | "z")
            || (zone.len() == 6
                && zone.as_bytes()[3] == b':'
                && zone[1..3].parse::<u8>().is_ok_and(|h| h <= 23)
                && zone[4..6].parse::<u8>().is_ok_and(|m| m <= 59));
        (hh <= 23 && mm <= 59 && ss_ok && zone_ok && parts.next().is_none())
            .then(|| DateTime(s.to_string()))
    }

    /// The text as sent or given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The calendar date part.
    pub fn date(&self) -> Option<Date> {
        Date::parse(&self.0)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<DateTime> for Value {
    fn from(d: DateTime) -> Value {
        Value::String(d.0)
    }
}

#[cfg(feature = "chrono")]
mod with_chrono {
    use super::{Date, DateTime};
    use chrono::Datelike;

    impl From<chrono::NaiveDate> for Date {
        fn from(d: chrono::NaiveDate) -> Date {
            // chrono's dates are valid; its years beyond 9999 are clamped by Display only.
            Date {
                year: d.year(),
                month: d.month() as u8,
                day: d.day() as u8,
            }
        }
    }

    impl From<Date> for Option<chrono::NaiveDate> {
        fn from(d: Date) -> Self {
            chrono::NaiveDate::from_ymd_opt(d.year, d.month.into(), d.day.into())
        }
    }

    impl<Tz: chrono::TimeZone> From<chrono::DateTime<Tz>> for DateTime {
        fn from(t: chrono::DateTime<Tz>) -> DateTime {
            DateTime(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
    }

    impl DateTime {
        /// The time as a `chrono` date-time with its zone; `None` if chrono cannot read it.
        pub fn to_chrono(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
            chrono::DateTime::parse_from_rfc3339(&self.0.replacen(' ', "T", 1)).ok()
        }
    }
}

/// Reading a JSON value as a Rust type, `None` when it is of another type.
pub trait FromJson<'a>: Sized {
    /// The value as `Self`, or `None`.
    fn from_json(v: &'a Value) -> Option<Self>;
}

/// A response field as `T`: `None` when missing, `null` or of another type.
pub fn read<'a, T: FromJson<'a>>(v: Option<&'a Value>) -> Option<T> {
    v.and_then(T::from_json)
}

impl FromJson<'_> for u64 {
    fn from_json(v: &Value) -> Option<u64> {
        v.as_u64()
    }
}

impl FromJson<'_> for i64 {
    fn from_json(v: &Value) -> Option<i64> {
        v.as_i64()
    }
}

impl FromJson<'_> for f64 {
    fn from_json(v: &Value) -> Option<f64> {
        v.as_f64()
    }
}

impl FromJson<'_> for bool {
    fn from_json(v: &Value) -> Option<bool> {
        v.as_bool()
    }
}

impl<'a> FromJson<'a> for &'a str {
    fn from_json(v: &'a Value) -> Option<&'a str> {
        v.as_str()
    }
}

impl FromJson<'_> for Date {
    fn from_json(v: &Value) -> Option<Date> {
        Date::parse(v.as_str()?)
    }
}

impl FromJson<'_> for DateTime {
    fn from_json(v: &Value) -> Option<DateTime> {
        DateTime::parse(v.as_str()?)
    }
}

impl FromJson<'_> for Id {
    fn from_json(v: &Value) -> Option<Id> {
        Id::from_json(v)
    }
}

impl<'a> FromJson<'a> for &'a Value {
    fn from_json(v: &'a Value) -> Option<&'a Value> {
        (!v.is_null()).then_some(v)
    }
}

/// A list whose every element reads as `T`; `None` if any does not.
impl<'a, T: FromJson<'a>> FromJson<'a> for Vec<T> {
    fn from_json(v: &'a Value) -> Option<Vec<T>> {
        v.as_array()?.iter().map(T::from_json).collect()
    }
}

/// A nested object of a response, seen through the typed accessors of its
/// object type `O`: generated object types such as
/// `resources::types::IssueAuthor<'a>` are aliases of
/// `View<'a, resources::objects::IssueAuthor>`, whose accessors the schema
/// generates. `View<'a>` alone has only [`read`](Self::read) and [`json`](Self::json).
pub struct View<'a, O = ()> {
    map: &'a Map<String, Value>,
    _o: PhantomData<fn() -> O>,
}

impl<'a, O> View<'a, O> {
    /// The view of a JSON object.
    pub fn new(map: &'a Map<String, Value>) -> Self {
        View {
            map,
            _o: PhantomData,
        }
    }

    /// A field as `T` (see [`read`]).
    pub fn read<T: FromJson<'a>>(&self, name: &str) -> Option<T> {
        read(self.map.get(name))
    }

    /// The object's JSON, for fields newer than the schema.
    #[inline]
    pub fn json(&self) -> &'a Map<String, Value> {
        self.map
    }
}

impl<O> Clone for View<'_, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O> Copy for View<'_, O> {}

impl<O> fmt::Debug for View<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("View").field(self.map).finish()
    }
}

/// Field `name` of `v` (generated object-type accessors). A function, not a
/// method, so generated accessors do not depend on every generated `View`
/// impl (see `attrs::Builder`).
#[inline]
pub(crate) fn field<'a, O>(v: &View<'a, O>, name: &str) -> Option<&'a Value> {
    v.map.get(name)
}

/// An object field as a view of its object type.
pub fn view<'a, O>(v: Option<&'a Value>) -> Option<View<'a, O>> {
    v.and_then(Value::as_object).map(View::new)
}

/// A list of objects as views; `None` if any element is not an object.
pub fn views<'a, O>(v: Option<&'a Value>) -> Option<Vec<View<'a, O>>> {
    v?.as_array()?
        .iter()
        .map(|x| x.as_object().map(View::new))
        .collect()
}

/// A list argument as JSON (generated setters of `array<T>` attributes).
pub fn list<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
    Value::Array(items.into_iter().map(Into::into).collect())
}

/// Declares a schema enum: its variants, an `Other` variant for values the
/// schema does not know (so they round-trip), and the conversions.
#[doc(hidden)]
#[macro_export]
macro_rules! schema_enum {
    ($(#[$m:meta])* $name:ident: string { $($(#[$vm:meta])* $var:ident = $s:literal,)* }) => {
        $(#[$m])*
        #[non_exhaustive]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// A value this schema does not know, kept as GitLab sent it.
            Other(String),
        }
        // Inline: only the enums a program uses are compiled to machine code.
        impl $name {
            /// GitLab's spelling of the value.
            #[inline]
            pub fn as_str(&self) -> &str {
                match self { $($name::$var => $s,)* $name::Other(s) => s }
            }
            /// The value GitLab spells `s` (`Other` when the schema does not know it).
            #[inline]
            pub fn from_wire(s: &str) -> Self {
                match s { $($s => $name::$var,)* other => $name::Other(other.to_string()) }
            }
        }
        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl From<$name> for $crate::Value {
            #[inline]
            fn from(v: $name) -> $crate::Value { $crate::Value::String(v.as_str().to_string()) }
        }
        impl $crate::typed::FromJson<'_> for $name {
            #[inline]
            fn from_json(v: &$crate::Value) -> Option<Self> { v.as_str().map($name::from_wire) }
        }
    };
    ($(#[$m:meta])* $name:ident: integer { $($(#[$vm:meta])* $var:ident = $n:literal,)* }) => {
        $(#[$m])*
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// A value this schema does not know, kept as GitLab sent it.
            Other(i64),
        }
        impl $name {
            /// GitLab's number for the value.
            #[inline]
            pub fn as_i64(&self) -> i64 {
                match self { $($name::$var => $n,)* $name::Other(n) => *n }
            }
            /// The value GitLab numbers `n` (`Other` when the schema does not know it).
            #[inline]
            pub fn from_wire(n: i64) -> Self {
                match n { $($n => $name::$var,)* other => $name::Other(other) }
            }
        }
        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { write!(f, "{}", self.as_i64()) }
        }
        impl From<$name> for $crate::Value {
            #[inline]
            fn from(v: $name) -> $crate::Value { $crate::Value::from(v.as_i64()) }
        }
        impl $crate::typed::FromJson<'_> for $name {
            #[inline]
            fn from_json(v: &$crate::Value) -> Option<Self> { v.as_i64().map($name::from_wire) }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_are_checked() {
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.to_string()).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2024-13-01"), None);
        assert_eq!(Date::parse("banana"), None);
        assert_eq!(
            Date::parse("2024-05-01T10:00:00Z").map(|d| d.day()),
            Some(1)
        );
        assert_eq!(Date::new(2024, 4, 31), None);
    }

    #[test]
    fn datetimes_need_a_zone() {
        for ok in [
            "2024-05-01T12:30:00.000Z",
            "2024-05-01T14:30:00+02:00",
            "2024-05-01T14:30Z",
            "2024-05-01 14:30:00 +0000",
        ] {
            let got = DateTime::parse(ok).is_some();
            assert_eq!(got, !ok.ends_with("+0000"), "{ok}");
        }
        for bad in [
            "2024-05-01",
            "2024-05-01T25:00:00Z",
            "2024-05-01T12:00:00",
            "x",
        ] {
            assert_eq!(DateTime::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn reading_drifted_values_gives_none_never_a_panic() {
        let v = json!({"n": 3, "s": "3", "neg": -1, "null": null, "list": [1, "2"], "ok": [1, 2]});
        let m = v.as_object().expect("object");
        let r = |k: &str| m.get(k);
        assert_eq!(read::<u64>(r("n")), Some(3));
        assert_eq!(read::<u64>(r("s")), None);
        assert_eq!(read::<u64>(r("neg")), None);
        assert_eq!(read::<i64>(r("neg")), Some(-1));
        assert_eq!(read::<&str>(r("null")), None);
        assert_eq!(read::<u64>(r("missing")), None);
        assert_eq!(read::<Vec<u64>>(r("list")), None);
        assert_eq!(read::<Vec<u64>>(r("ok")), Some(vec![1, 2]));
    }

    #[test]
    fn ids_come_from_numbers_and_text() {
        assert_eq!(Id::from(5u64), Id::Num(5));
        assert_eq!(Id::from(-5i32), Id::Path("-5".into()));
        assert_eq!(Id::from("a/b").to_string(), "a/b");
        assert_eq!(Value::from(Id::from(7)), json!(7));
    }
}
