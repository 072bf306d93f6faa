//! The schema's vocabulary, declared once.
//!
//! The generator (`codegen`) reads these words from YAML; the runtime
//! (`gitlab-client`) finds them in the tables the generator writes; the error
//! type and the command-line tool name operations with them. Each enum knows its
//! schema spelling ([`Word::as_str`]) and its Rust variant name
//! ([`Word::variant`]), so the generator can write `Operation::List` without a
//! table that maps one copy of the enum onto another.

use std::fmt;

/// What every vocabulary enum offers.
pub trait Word: Copy + Eq + 'static {
    /// The enum's Rust name, e.g. `"Operation"`.
    const TYPE: &'static str;
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// How the schema (and the wire, where it applies) spells the value.
    fn as_str(self) -> &'static str;
    /// The Rust variant name, e.g. `"GetWithoutId"`.
    fn variant(self) -> &'static str;
    /// The value spelled `s` in the schema, if any.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

/// Declares a vocabulary enum with its spellings, `Display`, and serde as those spellings.
macro_rules! words {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $var,)* }

        impl $name {
            /// Every value's schema spelling, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($s),*];

            /// How the schema spells this value.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$var => $s,)* }
            }
        }

        impl Word for $name {
            const TYPE: &'static str = stringify!($name);
            const ALL: &'static [Self] = &[$($name::$var),*];
            fn as_str(self) -> &'static str { $name::as_str(self) }
            fn variant(self) -> &'static str {
                match self { $($name::$var => stringify!($var),)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // A visitor, so a bad value is reported at the scalar itself.
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "one of {}", $name::NAMES.join(", "))
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        <$name as Word>::parse(s)
                            .ok_or_else(|| E::unknown_variant(s, $name::NAMES))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

words! {
    /// The standard operations a resource may support.
    pub enum Operation {
        /// `GET {path}`, paginated.
        List = "list",
        /// `GET {path}/{id}`.
        Get = "get",
        /// `GET {path}` of a singleton (current user, settings…).
        GetWithoutId = "get_without_id",
        /// `POST {path}`.
        Create = "create",
        /// `PUT {path}/{id}` (or the resource's update method).
        Update = "update",
        /// `DELETE {path}/{id}`.
        Delete = "delete",
        /// `PUT {path}/{key}` with a value (feature flags, settings by key).
        Set = "set",
    }
}

words! {
    /// The HTTP methods the schema uses.
    pub enum HttpMethod {
        /// GET
        Get = "GET",
        /// POST
        Post = "POST",
        /// PUT
        Put = "PUT",
        /// PATCH
        Patch = "PATCH",
        /// DELETE
        Delete = "DELETE",
        /// HEAD: a GET without the body; the answer is in the response headers.
        Head = "HEAD",
    }
}

impl HttpMethod {
    /// GET, HEAD, PUT and DELETE may be repeated without changing the outcome.
    pub fn is_idempotent(self) -> bool {
        matches!(
            self,
            HttpMethod::Get | HttpMethod::Head | HttpMethod::Put | HttpMethod::Delete
        )
    }

    /// GET and HEAD send their arguments in the query string (and so does
    /// DELETE); the other methods send them in the body.
    pub fn args_in_query(self) -> bool {
        matches!(
            self,
            HttpMethod::Get | HttpMethod::Head | HttpMethod::Delete
        )
    }

    /// Methods an update may use (`update_method` in the schema).
    pub const UPDATE: &'static [HttpMethod] =
        &[HttpMethod::Put, HttpMethod::Post, HttpMethod::Patch];
}

words! {
    /// How an attribute travels on the wire.
    pub enum AttrType {
        /// A plain string or number.
        String = "string",
        /// A number.
        Integer = "integer",
        /// `true` / `false`.
        Boolean = "boolean",
        /// `YYYY-MM-DD`.
        Date = "date",
        /// Query: `a[]=1&a[]=2`; JSON body: an array.
        Array = "array",
        /// A list joined with commas: `labels=a,b`.
        CommaSeparated = "comma_separated",
        /// A multipart file part.
        File = "file",
        /// Any JSON value; in a query it is sent as JSON text.
        Json = "json",
        /// A string GitLab expects in lower case.
        Lowercase = "lowercase",
        /// The whole request body as raw bytes (generic package uploads).
        Body = "body",
    }
}

words! {
    /// What a custom action gives back.
    pub enum Returns {
        /// Any JSON the server sends back.
        Json = "json",
        /// The object's new state: it replaces the object's attributes.
        SelfObject = "self",
        /// A paginated JSON list; every page is fetched.
        List = "list",
        /// Raw bytes (archives, artifacts, raw files).
        Raw = "raw",
        /// Nothing useful (204 or an ignorable body).
        None = "none",
        /// The response headers (a `HEAD` answer has no body): lower-cased
        /// names with their text values, `Set-Cookie` left out.
        Headers = "headers",
    }
}

words! {
    /// Whether an action is a method of objects or of the manager.
    pub enum ActionTarget {
        /// A method on an object (`project.star()`); the path is relative to the object.
        Object = "object",
        /// A method on the manager (`gl.projects().import_project(..)`).
        Manager = "manager",
    }
}

/// An action without `on:` is a method of objects.
impl Default for ActionTarget {
    fn default() -> Self {
        ActionTarget::Object
    }
}

/// An action without `returns:` gives back whatever JSON the server sends.
impl Default for Returns {
    fn default() -> Self {
        Returns::Json
    }
}

words! {
    /// A sort direction (`sort=asc|desc`), as used by keyset pagination.
    pub enum SortOrder {
        /// Oldest / smallest first.
        Asc = "asc",
        /// Newest / largest first.
        Desc = "desc",
    }
}

words! {
    /// The value types an attribute or a response field can have, besides
    /// `array<T>`, `enum:Name` and `object:Name` (see [`ValueType`]).
    pub enum Scalar {
        /// A whole number.
        Integer = "integer",
        /// A number with a fraction.
        Number = "number",
        /// Text.
        String = "string",
        /// `true` or `false`.
        Boolean = "boolean",
        /// A calendar date, `YYYY-MM-DD`.
        Date = "date",
        /// A point in time, ISO 8601 with a zone (`2024-05-01T12:00:00Z`).
        Datetime = "datetime",
        /// A numeric id or a path (`42`, `group/project`), URL-encoded in paths.
        Id = "id",
        /// GitLab's nested parameters, `key[sub]=value` in a query, an object in a JSON body.
        Hash = "hash",
        /// A file, sent as a multipart part.
        File = "file",
        /// Any JSON value.
        Json = "json",
    }
}

/// Whether `year-month-day` is a day of the calendar (years 1 to 9999).
pub fn is_calendar_day(year: i32, month: u8, day: u8) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=9999).contains(&year) && day >= 1 && day <= days
}

/// The calendar date `YYYY-MM-DD` that `s` starts with, as year, month and
/// day (a trailing time, as some GitLab endpoints send, is ignored); `None`
/// when there is none or no such day.
pub fn calendar_date(s: &str) -> Option<(i32, u8, u8)> {
    let d = s.get(..10)?;
    let b = d.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| d.get(r)?.parse::<u32>().ok();
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = u8::try_from(num(5..7)?).ok()?;
    let day = u8::try_from(num(8..10)?).ok()?;
    is_calendar_day(year, month, day).then_some((year, month, day))
}

/// A boolean as GitLab's API reads it from a query string or form (grape's
/// `Boolean`, via dry-types): `true`/`false`, `1`/`0`, `t`/`f`, `y`/`n`,
/// `yes`/`no`, `on`/`off`, in lower case, capitalised or upper case.
pub fn gitlab_boolean(s: &str) -> Option<bool> {
    const TRUE: &[&str] = &[
        "1", "on", "On", "ON", "t", "true", "True", "TRUE", "T", "y", "yes", "Yes", "YES", "Y",
    ];
    const FALSE: &[&str] = &[
        "0", "off", "Off", "OFF", "f", "false", "False", "FALSE", "F", "n", "no", "No", "NO", "N",
    ];
    if TRUE.contains(&s) {
        Some(true)
    } else if FALSE.contains(&s) {
        Some(false)
    } else {
        None
    }
}

/// A value type as the schema writes it: `integer`, `array<string>`,
/// `enum:Visibility`, `object:UserBasic`, `array<object:Label>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// One of the [`Scalar`] kinds.
    Scalar(Scalar),
    /// A list of values of one type.
    Array(Box<ValueType>),
    /// A value of a named enumeration declared in the schema.
    Enum(String),
    /// An object of a named type declared in the schema.
    Object(String),
}

impl ValueType {
    /// Parses a schema spelling; the error says what is wrong and what would be right.
    pub fn parse(s: &str) -> Result<ValueType, String> {
        let t = s.trim();
        if let Some(inner) = t.strip_prefix("array<") {
            let Some(inner) = inner.strip_suffix('>') else {
                return Err(format!(
                    "'{t}' lacks its closing '>' (write array<integer>)"
                ));
            };
            return Ok(ValueType::Array(Box::new(ValueType::parse(inner)?)));
        }
        if let Some(name) = t.strip_prefix("enum:") {
            return type_name(name, t).map(|n| ValueType::Enum(n.to_string()));
        }
        if let Some(name) = t.strip_prefix("object:") {
            return type_name(name, t).map(|n| ValueType::Object(n.to_string()));
        }
        Scalar::parse(t).map(ValueType::Scalar).ok_or_else(|| {
            format!(
                "unknown type '{t}'; expected one of {}, array<T>, enum:Name or object:Name",
                Scalar::NAMES.join(", ")
            )
        })
    }

    /// The innermost element type (`array<array<T>>` → `T`).
    pub fn element(&self) -> &ValueType {
        match self {
            ValueType::Array(inner) => inner.element(),
            other => other,
        }
    }
}

fn type_name<'a>(name: &'a str, whole: &str) -> Result<&'a str, String> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(name)
    } else {
        Err(format!(
            "'{whole}': type names are CamelCase letters and digits"
        ))
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueType::Scalar(s) => f.write_str(s.as_str()),
            ValueType::Array(inner) => write!(f, "array<{inner}>"),
            ValueType::Enum(n) => write!(f, "enum:{n}"),
            ValueType::Object(n) => write!(f, "object:{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_variants_match_debug() {
        fn check<W: Word + fmt::Debug>() {
            for w in W::ALL {
                assert_eq!(W::parse(w.as_str()), Some(*w));
                assert_eq!(w.variant(), format!("{w:?}"));
            }
            assert_eq!(W::parse("no such word"), None);
        }
        check::<Operation>();
        check::<HttpMethod>();
        check::<AttrType>();
        check::<Returns>();
        check::<ActionTarget>();
        check::<SortOrder>();
        check::<Scalar>();
    }

    #[test]
    fn value_types_parse_and_print_back() {
        for t in [
            "integer",
            "array<string>",
            "enum:Visibility",
            "object:UserBasic",
            "array<object:Label>",
            "array<array<integer>>",
        ] {
            assert_eq!(ValueType::parse(t).map(|v| v.to_string()).as_deref(), Ok(t));
        }
        for (bad, says) in [
            ("intger", "unknown type 'intger'"),
            ("array<integer", "lacks its closing"),
            ("enum:visibility", "CamelCase"),
            ("object:", "CamelCase"),
        ] {
            let e = ValueType::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn unknown_spelling_is_a_serde_error_listing_the_choices() {
        let e = serde_json_like("\"PUTT\"");
        assert!(e.contains("unknown variant `PUTT`"), "{e}");
        assert!(e.contains("`PATCH`"), "{e}");
    }

    /// Deserialises an `HttpMethod` from a quoted string with serde's value deserializer.
    fn serde_json_like(s: &str) -> String {
        use serde::de::value::{Error, StrDeserializer};
        use serde::de::IntoDeserializer;
        let inner = s.trim_matches('"');
        let d: StrDeserializer<'_, Error> = inner.into_deserializer();
        match <HttpMethod as serde::Deserialize>::deserialize(d) {
            Ok(m) => format!("ok {m}"),
            Err(e) => e.to_string(),
        }
    }
}
