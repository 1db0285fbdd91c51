//! The name rules of XML 1.0 (fifth edition) §2.3 and Namespaces in XML 1.0
//! §3–§4, used for every element, attribute, prefix and processing
//! instruction target the reader meets.

use super::{XML_NAMESPACE, XMLNS_NAMESPACE};

/// `prefix:local` or `local` (Namespaces in XML 1.0 §4), `None` when it is
/// not a qualified name.
pub(crate) fn split_qname(name: &str) -> Option<(&str, &str)> {
    match name.split_once(':') {
        None => is_ncname(name).then_some(("", name)),
        Some((prefix, local)) => (is_ncname(prefix) && is_ncname(local)).then_some((prefix, local)),
    }
}

/// An `NCName`: an XML 1.0 `Name` without colons (Namespaces in XML 1.0 §3).
pub(crate) fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c != ':' && is_name_start(c)) && chars.all(|c| c != ':' && is_name_char(c))
}

/// XML 1.0 (fifth edition) `NameStartChar` (§2.3 [4]).
fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 (fifth edition) `NameChar` (§2.3 [4a]).
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// What breaks the Namespaces in XML 1.0 §3 constraints in the declaration
/// `xmlns:prefix="uri"` (`prefix` empty for the default namespace), if
/// anything; relative URIs are checked by [`has_scheme`].
pub(crate) fn declaration_problem(prefix: &str, uri: &str) -> Option<&'static str> {
    if prefix == "xmlns" || uri == XMLNS_NAMESPACE {
        Some("the xmlns prefix and namespace cannot be declared")
    } else if (prefix == "xml") != (uri == XML_NAMESPACE) {
        Some("the xml prefix is bound to its namespace only, and only it")
    } else if !prefix.is_empty() && uri.is_empty() {
        Some("a prefix cannot be undeclared in XML 1.0")
    } else {
        None
    }
}

/// Whether a URI starts with a scheme, RFC 3986 §3.1:
/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"` (so it is not relative).
pub(crate) fn has_scheme(uri: &str) -> bool {
    let Some((scheme, _)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    // XML 1.0 §2.3: names may use letters beyond ASCII, and `·` or digits
    // only after the first character.
    #[test]
    fn xml_1_0_name_rules_apply_to_qualified_names() {
        assert_eq!(split_qname("ds:Signature"), Some(("ds", "Signature")));
        assert_eq!(split_qname("Größe"), Some(("", "Größe")));
        assert_eq!(split_qname("a·b"), Some(("", "a·b")));
        assert_eq!(split_qname("·a"), None);
        assert_eq!(split_qname("1a"), None);
        assert_eq!(split_qname("a:b:c"), None);
        assert_eq!(split_qname(":a"), None);
        assert_eq!(split_qname("a\u{37E}"), None); // Greek question mark: excluded
    }
}
