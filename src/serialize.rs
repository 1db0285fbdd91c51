//! The `serde` forms the reports share (cargo feature `serde`, README
//! "JSON output", docs/decisions.md D181–D183): values with a text form as
//! that text, and a failure as its stable snake_case `code` with the human
//! `message`. Times are [`DateTime`](crate::DateTime)'s: RFC 3339 in UTC.
//! This module depends on no other module of the crate.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! let time = demail::DateTime::parse_rfc3339("2026-11-24T10:00:00+01:00")?;
//! let json = serde_json::to_string(&time)?;
//! assert_eq!(json, r#""2026-11-24T09:00:00Z""#);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Display;

use serde::Serializer;
use serde::ser::SerializeStruct;

/// A failure in a report: its stable snake_case `code`, the FU error case
/// (`fc_01` ... `fc_04`, [`ErrorCase::id`](crate::error_case::ErrorCase::id))
/// where it has one, the human `message` and the
/// byte `offset` it points at. Every key is always present (`null` when
/// absent), so a schema can require them.
pub(crate) fn problem<S: Serializer>(
    serializer: S,
    code: &'static str,
    error_case: Option<&'static str>,
    message: &dyn Display,
    offset: Option<usize>,
) -> Result<S::Ok, S::Error> {
    let mut out = serializer.serialize_struct("Problem", 4)?;
    out.serialize_field("code", code)?;
    out.serialize_field("error_case", &error_case)?;
    out.serialize_field("message", &message.to_string())?;
    out.serialize_field("offset", &offset)?;
    out.end()
}

/// `Serialize` and `Deserialize` of a type as its text: the method `$to`
/// gives the text, `$from` parses it back (`None` is refused).
macro_rules! text_serde {
    ($ty:ty, $to:ident, $from:expr, $expected:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.$to())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                let from: fn(&str) -> Option<$ty> = $from;
                from(&text).ok_or_else(|| {
                    <D::Error as serde::de::Error>::invalid_value(
                        serde::de::Unexpected::Str(&text),
                        &$expected,
                    )
                })
            }
        }
    };
}
pub(crate) use text_serde;
