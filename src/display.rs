//! `Display` for the crate's enums whose text is one of their own names: a
//! stable code (`Rule::id`, `MismatchCode::as_str`), an element name or the
//! rule that defines a format. One way to write that impl (issue 12).

/// Implements [`std::fmt::Display`] for `$type` as the `&'static str` its
/// method `$method` returns.
macro_rules! display_as {
    ($type:ty, $method:ident) => {
        impl ::std::fmt::Display for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.$method())
            }
        }
    };
}

pub(crate) use display_as;
