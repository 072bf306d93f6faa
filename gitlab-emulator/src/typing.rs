//! The schema's value types, compiled once per resource when the route table is
//! built: the parameter checks of each operation (GitLab's grape validation,
//! `400 {"error": "confidential is invalid"}`) and the blank value of every
//! response field the schema declares.
//!
//! Checking a request only walks these precompiled tables; no type spelling is
//! parsed while serving.

use crate::reply::ApiError;
use crate::request::Params;
use gitlab_client::meta::{AttrType, EnumMeta, FieldList, NamedTypes, ResourceMeta};
use gitlab_vocab::{Scalar, ValueType};
use serde_json::{Map, Value};

/// A value type, as the checks need it.
#[derive(Debug, Clone)]
pub(crate) enum Ty {
    Integer,
    Number,
    /// Strings: anything but a list or an object.
    Text,
    Boolean,
    Date,
    Datetime,
    /// A number or a path: any scalar.
    Id,
    /// Nested parameters: an object.
    Hash,
    /// A value of a named enumeration.
    Enum(&'static EnumMeta),
    Array(Box<Ty>),
}

/// What is wrong with a value, in grape's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// The value does not coerce to the type: `<name> is invalid`.
    Invalid,
    /// It coerces but is outside the enumeration: `<name> does not have a valid value`.
    NotInValues,
}

/// The check of one parameter.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub name: &'static str,
    ty: Ty,
    /// A string is a comma-separated list (the wire type `comma_separated`).
    comma_separated: bool,
}

/// What one operation of a resource requires and how its parameters are typed.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    /// Parameters that must be present (`<name> is missing` otherwise).
    pub required: Vec<&'static str>,
    /// Typed parameters, in the schema's order.
    pub checks: Vec<Check>,
}

impl Rules {
    /// `400 {"error": "a is missing, b is invalid"}` when a required parameter
    /// is absent or a typed one does not fit its type.
    pub fn apply(&self, params: &Params) -> Result<(), ApiError> {
        let mut problems: Vec<String> = Vec::new();
        for name in &self.required {
            if !params.present(name) {
                problems.push(format!("{name} is missing"));
            }
        }
        for check in &self.checks {
            let Some(v) = params.get(check.name) else {
                continue;
            };
            match check.problem(v) {
                None => {}
                Some(Problem::Invalid) => problems.push(format!("{} is invalid", check.name)),
                Some(Problem::NotInValues) => {
                    problems.push(format!("{} does not have a valid value", check.name));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ApiError::error(400, problems.join(", ")))
        }
    }

    /// The check of parameter `name`, if it is typed.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// Compiles the checks of the parameters `names`, typed by `types` first and the
/// resource's `attributes` second; untyped names and free-form types (files,
/// JSON, objects) get none.
pub(crate) fn compile(
    meta: &ResourceMeta,
    names: &[&'static str],
    types: NamedTypes,
) -> Vec<Check> {
    let mut out: Vec<Check> = Vec::new();
    for &name in names {
        if out.iter().any(|c| c.name == name) {
            continue;
        }
        let spelled = types.get(name).or_else(|| meta.attributes.get(name));
        let Some(ty) = spelled
            .and_then(|t| ValueType::parse(t).ok())
            .and_then(|t| ty_of(&t))
        else {
            continue;
        };
        out.push(Check {
            name,
            ty,
            comma_separated: meta.attr_type(name) == AttrType::CommaSeparated,
        });
    }
    out
}

fn ty_of(t: &ValueType) -> Option<Ty> {
    Some(match t {
        ValueType::Scalar(s) => match s {
            Scalar::Integer => Ty::Integer,
            Scalar::Number => Ty::Number,
            Scalar::String => Ty::Text,
            Scalar::Boolean => Ty::Boolean,
            Scalar::Date => Ty::Date,
            Scalar::Datetime => Ty::Datetime,
            Scalar::Id => Ty::Id,
            Scalar::Hash => Ty::Hash,
            Scalar::File | Scalar::Json => return None,
        },
        ValueType::Array(inner) => Ty::Array(Box::new(ty_of(inner)?)),
        // An enumeration the schema does not declare is checked as text.
        ValueType::Enum(name) => gitlab_client::resources::ENUMS
            .iter()
            .find(|e| e.name == name)
            .map_or(Ty::Text, |e| Ty::Enum(e)),
        ValueType::Object(_) => Ty::Hash,
    })
}

impl Check {
    fn problem(&self, v: &Value) -> Option<Problem> {
        match (&self.ty, v) {
            (Ty::Array(inner), Value::Array(items)) => items.iter().find_map(|i| element(inner, i)),
            // grape turns an empty string into an empty list.
            (Ty::Array(_), Value::String(s)) if s.is_empty() => None,
            (Ty::Array(inner), Value::String(s)) if splits(inner, self.comma_separated) => s
                .split(',')
                .find_map(|part| text_problem(inner, part.trim())),
            (Ty::Array(_), _) => Some(Problem::Invalid),
            (ty, v) => scalar_problem(ty, v),
        }
    }

    /// The value as GitLab would keep it: text coerced to the type (`"true"` →
    /// `true`, `"3"` → `3`, `"a,b"` → `["a", "b"]` for comma-separated lists).
    /// Values that do not coerce are returned as they are.
    pub fn coerce(&self, v: Value) -> Value {
        coerce(&self.ty, v, self.comma_separated)
    }
}

/// A list element: `null` is refused, as grape does.
fn element(ty: &Ty, v: &Value) -> Option<Problem> {
    match (ty, v) {
        (_, Value::Null) => Some(Problem::Invalid),
        (Ty::Array(inner), Value::Array(items)) => items.iter().find_map(|i| element(inner, i)),
        (Ty::Array(_), _) => Some(Problem::Invalid),
        (ty, v) => scalar_problem(ty, v),
    }
}

fn scalar_problem(ty: &Ty, v: &Value) -> Option<Problem> {
    let invalid = Some(Problem::Invalid);
    match v {
        Value::Null => None,
        Value::String(s) => text_problem(ty, s),
        Value::Number(n) => match ty {
            Ty::Integer | Ty::Number | Ty::Text | Ty::Id => None,
            Ty::Boolean => match n.as_u64() {
                Some(0 | 1) => None,
                _ => invalid,
            },
            Ty::Enum(e) => enum_problem(e, &n.to_string()),
            Ty::Date | Ty::Datetime | Ty::Hash | Ty::Array(_) => invalid,
        },
        Value::Bool(b) => match ty {
            Ty::Boolean | Ty::Text | Ty::Id => None,
            Ty::Enum(e) => enum_problem(e, if *b { "true" } else { "false" }),
            _ => invalid,
        },
        Value::Object(_) => match ty {
            Ty::Hash => None,
            _ => invalid,
        },
        Value::Array(_) => invalid,
    }
}

/// Text from a query, a form or a JSON string. grape leaves an empty string alone.
fn text_problem(ty: &Ty, s: &str) -> Option<Problem> {
    if s.is_empty() {
        return None;
    }
    let ok = match ty {
        Ty::Text | Ty::Id => true,
        Ty::Integer => parse_integer(s).is_some(),
        Ty::Number => parse_number(s).is_some(),
        Ty::Boolean => parse_bool(s).is_some(),
        Ty::Date | Ty::Datetime => is_datetime(s),
        Ty::Hash | Ty::Array(_) => false,
        Ty::Enum(e) => return enum_problem(e, s),
    };
    (!ok).then_some(Problem::Invalid)
}

/// A string enumeration is checked against its values, as grape's `values:` does.
/// GitLab declares numeric ones (access levels) as plain integers and leaves the
/// range to the model (`{"message": {"access_level": ["is not included in the
/// list"]}}`), so only the number is checked here.
fn enum_problem(e: &EnumMeta, s: &str) -> Option<Problem> {
    if e.integer {
        return parse_integer(s).is_none().then_some(Problem::Invalid);
    }
    (!e.values.contains(&s)).then_some(Problem::NotInValues)
}

/// A whole number as Ruby's `Integer(s, 10)` reads it: an optional sign, digits,
/// single underscores between digits, surrounding blanks.
pub(crate) fn parse_integer(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return None;
    }
    t.replace('_', "").parse().ok()
}

fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    // Rust also reads `inf` and `NaN`, Ruby's `Float()` does not.
    let plain = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E' | b'_'));
    if !plain || !t.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    t.replace('_', "").parse().ok()
}

/// The spellings dry-types' `Params::Bool`, behind grape's `Boolean`, accepts.
pub(crate) use gitlab_vocab::gitlab_boolean as parse_bool;

/// `YYYY-MM-DD`, optionally followed by `T` (or a blank) and `HH:MM[:SS[.frac]]`
/// and a zone (`Z`, `±HH:MM`, `±HHMM`, `±HH`).
pub(crate) fn is_datetime(s: &str) -> bool {
    let s = s.trim();
    let (Some(date), Some(rest)) = (s.get(..10), s.get(10..)) else {
        return false;
    };
    let b = date.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = date.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let valid_day = match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => match (i32::try_from(y), u8::try_from(m), u8::try_from(d)) {
            (Ok(y), Ok(m), Ok(d)) => gitlab_client::Date::new(y, m, d).is_some(),
            _ => false,
        },
        _ => false,
    };
    if !valid_day {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    let Some(time) = rest.strip_prefix(['T', 't', ' ']).filter(|t| !t.is_empty()) else {
        return false;
    };
    let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    clock_ok(clock) && zone_ok(zone)
}

fn two_digits(s: &str, max: u8) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u8>().is_ok_and(|n| n <= max)
}

fn clock_ok(clock: &str) -> bool {
    let mut parts = clock.split(':');
    let (Some(h), Some(m)) = (parts.next(), parts.next()) else {
        return false;
    };
    let sec_ok = match parts.next() {
        None => true,
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, "0"));
            two_digits(whole, 60) && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())
        }
    };
    two_digits(h, 23) && two_digits(m, 59) && sec_ok && parts.next().is_none()
}

fn zone_ok(zone: &str) -> bool {
    match zone {
        "" | "Z" | "z" => true,
        _ => {
            let Some(offset) = zone.get(1..) else {
                return false;
            };
            let (h, m) = match offset.len() {
                2 => (Some(offset), Some("00")),
                4 => (offset.get(..2), offset.get(2..)),
                5 if offset.as_bytes()[2] == b':' => (offset.get(..2), offset.get(3..)),
                _ => return false,
            };
            h.is_some_and(|h| two_digits(h, 23)) && m.is_some_and(|m| two_digits(m, 59))
        }
    }
}

/// Whether text given for a list is split at commas: for the wire type
/// `comma_separated`, and for lists of text, which GitLab declares with a
/// comma-separated coercion (`scopes`, `labels`, `topics`…), so `"api,read_user"`
/// is accepted where a client sends a plain string. Lists of numbers stay strict.
fn splits(inner: &Ty, comma_separated: bool) -> bool {
    comma_separated || matches!(inner, Ty::Text)
}

fn coerce(ty: &Ty, v: Value, comma_separated: bool) -> Value {
    match (ty, v) {
        (Ty::Array(inner), Value::Array(items)) => {
            Value::Array(items.into_iter().map(|i| coerce(inner, i, false)).collect())
        }
        (Ty::Array(_), Value::String(s)) if s.is_empty() => Value::Array(Vec::new()),
        (Ty::Array(inner), Value::String(s)) if splits(inner, comma_separated) => Value::Array(
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| coerce(inner, Value::String(p.to_string()), false))
                .collect(),
        ),
        (Ty::Integer, Value::String(s)) => parse_integer(&s).map_or(Value::String(s), Value::from),
        (Ty::Enum(e), Value::String(s)) if e.integer => {
            parse_integer(&s).map_or(Value::String(s), Value::from)
        }
        (Ty::Number, Value::String(s)) => match parse_number(&s) {
            Some(n) => serde_json::Number::from_f64(n).map_or(Value::String(s), Value::Number),
            None => Value::String(s),
        },
        (Ty::Boolean, Value::String(s)) => parse_bool(&s).map_or(Value::String(s), Value::Bool),
        (Ty::Boolean, Value::Number(n)) => match n.as_u64() {
            Some(0) => Value::Bool(false),
            Some(1) => Value::Bool(true),
            _ => Value::Number(n),
        },
        (_, v) => v,
    }
}

/// The blank of each declared response field: the schema's default
/// (`field_defaults`, given as JSON object text) where it has one, else `[]`
/// for lists and `null` otherwise.
pub(crate) fn blanks(fields: FieldList, defaults: &str) -> Vec<(&'static str, Value)> {
    // Generated by the schema compiler from checked values; an empty text (no
    // defaults) or one that does not parse leaves every field blank.
    let mut defaults: Map<String, Value> = serde_json::from_str(defaults).unwrap_or_default();
    fields
        .iter()
        .map(|f| {
            let blank = match defaults.remove(f.name) {
                Some(v) => v,
                None if f.ty.trim_start().starts_with("array<") => Value::Array(Vec::new()),
                None => Value::Null,
            };
            (f.name, blank)
        })
        .collect()
}

/// Adds each blank field `obj` lacks; whether any was added.
pub(crate) fn fill(blanks: &[(&'static str, Value)], obj: &mut Map<String, Value>) -> bool {
    let mut added = false;
    for (name, blank) in blanks {
        if !obj.contains_key(*name) {
            obj.insert((*name).to_string(), blank.clone());
            added = true;
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ty: Ty, comma_separated: bool) -> Check {
        Check {
            name: "x",
            ty,
            comma_separated,
        }
    }

    #[test]
    fn scalars_accept_what_grape_coerces() {
        let b = check(Ty::Boolean, false);
        for ok in [json("true"), json("false"), json("1"), json("0")] {
            assert_eq!(b.problem(&ok), None, "{ok}");
        }
        for ok in ["true", "False", "yes", "N", "on", "0", "t", ""] {
            assert_eq!(b.problem(&Value::from(ok)), None, "{ok}");
        }
        for bad in [Value::from("maybe"), json("2"), json("[true]"), json("{}")] {
            assert_eq!(b.problem(&bad), Some(Problem::Invalid), "{bad}");
        }
        let i = check(Ty::Integer, false);
        for ok in ["12", "-3", " 7 ", "1_000", "+4"] {
            assert_eq!(i.problem(&Value::from(ok)), None, "{ok}");
        }
        for bad in ["abc", "1.5", "1__0", "_1", "12a"] {
            assert_eq!(
                i.problem(&Value::from(bad)),
                Some(Problem::Invalid),
                "{bad}"
            );
        }
        assert_eq!(i.problem(&json("true")), Some(Problem::Invalid));
        let t = check(Ty::Text, false);
        assert_eq!(t.problem(&json("5")), None);
        assert_eq!(t.problem(&json("[\"a\"]")), Some(Problem::Invalid));
        assert_eq!(t.problem(&json("{\"a\": 1}")), Some(Problem::Invalid));
        let h = check(Ty::Hash, false);
        assert_eq!(h.problem(&json("{\"a\": 1}")), None);
        assert_eq!(h.problem(&Value::from("a")), Some(Problem::Invalid));
    }

    #[test]
    fn dates_and_times_are_iso_8601() {
        for ok in [
            "2024-05-01",
            "2024-02-29",
            "2024-05-01T12:30:00Z",
            "2024-05-01T12:30Z",
            "2024-05-01 12:30:00.123+02:00",
            "2024-05-01T12:30:00-0500",
            "2024-05-01T12:30:00",
        ] {
            assert!(is_datetime(ok), "{ok}");
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "01/05/2024",
            "2024-05-01T",
            "2024-05-01T25:00:00Z",
            "2024-05-01x",
            "tomorrow",
            "2024-05-01T12:30:00+2",
        ] {
            assert!(!is_datetime(bad), "{bad}");
        }
    }

    #[test]
    fn lists_check_every_element_and_split_only_comma_separated_text() {
        let a = check(Ty::Array(Box::new(Ty::Integer)), false);
        assert_eq!(a.problem(&json("[1, \"2\"]")), None);
        assert_eq!(a.problem(&json("[1, \"x\"]")), Some(Problem::Invalid));
        assert_eq!(a.problem(&json("[1, null]")), Some(Problem::Invalid));
        assert_eq!(a.problem(&Value::from("1,2")), Some(Problem::Invalid));
        assert_eq!(a.problem(&Value::from("")), None);
        let c = check(Ty::Array(Box::new(Ty::Integer)), true);
        assert_eq!(c.problem(&Value::from("1, 2")), None);
        assert_eq!(c.problem(&Value::from("1,x")), Some(Problem::Invalid));
        assert_eq!(c.coerce(Value::from("1,2")), json("[1, 2]"));
        let t = check(Ty::Array(Box::new(Ty::Text)), false);
        assert_eq!(t.problem(&Value::from("api,read_user")), None);
        assert_eq!(
            t.coerce(Value::from("api, read_user")),
            json("[\"api\", \"read_user\"]")
        );
    }

    #[test]
    fn enums_name_values_outside_their_set() {
        static STATE: EnumMeta = EnumMeta {
            name: "State",
            doc: "",
            values: &["opened", "closed"],
            integer: false,
        };
        static LEVEL: EnumMeta = EnumMeta {
            name: "Level",
            doc: "",
            values: &["10", "30"],
            integer: true,
        };
        let s = check(Ty::Enum(&STATE), false);
        assert_eq!(s.problem(&Value::from("opened")), None);
        assert_eq!(s.problem(&Value::from("open")), Some(Problem::NotInValues));
        assert_eq!(s.problem(&json("[\"a\"]")), Some(Problem::Invalid));
        let l = check(Ty::Enum(&LEVEL), false);
        assert_eq!(l.problem(&Value::from("30")), None);
        assert_eq!(l.problem(&json("10")), None);
        // The model, not grape, answers for numbers outside the set.
        assert_eq!(l.problem(&json("20")), None);
        assert_eq!(l.problem(&Value::from("dev")), Some(Problem::Invalid));
        assert_eq!(l.coerce(Value::from("30")), json("30"));
    }

    #[test]
    fn blanks_are_empty_lists_for_list_fields_and_null_otherwise() {
        let fields = FieldList("labels=array<string> due_date=date?");
        let mut obj = Map::new();
        obj.insert("due_date".into(), Value::from("2024-01-01"));
        assert!(fill(&blanks(fields, ""), &mut obj));
        assert_eq!(
            Value::Object(obj.clone()),
            json(r#"{"labels": [], "due_date": "2024-01-01"}"#)
        );
        assert!(!fill(&blanks(fields, ""), &mut obj));
    }

    #[test]
    fn blanks_take_the_schema_defaults_and_given_values_win() {
        let fields = FieldList("push_events=boolean tag_push_events=boolean url=string");
        let b = blanks(fields, r#"{"push_events":true,"tag_push_events":false}"#);
        let mut obj = Map::new();
        obj.insert("tag_push_events".into(), Value::Bool(true));
        assert!(fill(&b, &mut obj));
        assert_eq!(
            Value::Object(obj),
            json(r#"{"push_events": true, "tag_push_events": true, "url": null}"#)
        );
    }

    fn json(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }
}
