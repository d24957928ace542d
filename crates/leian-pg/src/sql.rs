//! SQL text for the cluster's queries.
//!
//! Searches are sent with their values written into the SQL, not as parameters: postgres_fdw
//! ships a shard the sum, its order and its limit only when every expression in them is a
//! constant or a built-in function of the columns, and the per-term weights of a BM25 sum are
//! such constants. Every value therefore passes through [`literal`].

use std::fmt::Write;

/// A SQL string literal of `value` (standard_conforming_strings, the default since 9.1: only the
/// quote is special). PostgreSQL text cannot hold NUL, which is dropped.
pub fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `ARRAY['a','b']::text[]`.
pub fn text_array(values: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let mut out = String::from("ARRAY[");
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&literal(value.as_ref()));
    }
    out.push_str("]::text[]");
    out
}

/// A float8 constant (finite; NaN or infinity would not be a number SQL can read).
pub fn float(value: f64) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    format!("{value:?}::float8")
}

/// A pgvector literal, `'[0.1,0.2]'::vector`.
pub fn vector(values: &[f32]) -> String {
    let mut out = String::from("'[");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let v = if v.is_finite() { *v } else { 0.0 };
        let _ = write!(out, "{v:?}");
    }
    out.push_str("]'::vector");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_cannot_end_early() {
        assert_eq!(literal("盗窃"), "'盗窃'");
        assert_eq!(literal("a'); DROP TABLE x; --"), "'a''); DROP TABLE x; --'");
        assert_eq!(literal("a\\'b"), "'a\\''b'");
        assert_eq!(literal("a\0b"), "'ab'");
        assert_eq!(text_array(["x", "y'"]), "ARRAY['x','y''']::text[]");
        assert_eq!(float(1.5), "1.5::float8");
        assert_eq!(float(f64::NAN), "0.0::float8");
        assert_eq!(vector(&[0.5, -1.0]), "'[0.5,-1.0]'::vector");
    }
}
