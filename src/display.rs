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

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, Copy)]
    enum Light {
        Red,
        Green,
    }

    impl Light {
        const fn code(self) -> &'static str {
            match self {
                Light::Red => "red",
                Light::Green => "green",
            }
        }
    }

    display_as!(Light, code);

    // Issue 12: one Display impl for the enums of codes, writing the method's text
    #[test]
    fn display_as_writes_the_text_of_the_named_method() {
        assert_eq!(Light::Red.to_string(), "red");
        assert_eq!(format!("{}/{}", Light::Green, Light::Red), "green/red");
    }

    // Issue 12: the codes keep the Display texts they had before display_as!
    #[test]
    fn display_of_the_crate_codes_is_unchanged() {
        use crate::fields::DateFormat;
        use crate::validate::Rule;
        assert_eq!(Rule::BareLineFeed.to_string(), "bare-line-feed");
        assert_eq!(DateFormat::Rfc3339.to_string(), "RFC 3339 §5.6");
    }
}
