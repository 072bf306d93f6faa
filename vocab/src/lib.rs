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
    }
}

impl HttpMethod {
    /// GET, PUT and DELETE may be repeated without changing the outcome.
    pub fn is_idempotent(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete)
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
