//! The one XML layer of the crate (TR 01201-3.4 §3.5.3 documents, XML-DSig,
//! and whatever reads XML later): a strict, namespace-aware, streaming
//! reader, one set of limits ([`XmlLimits`]), one error type ([`XmlError`]),
//! the reading of `xs:dateTime` values (as
//! [`fields::DateTime`](crate::fields::DateTime)) and text escaping.
//!
//! Needs the cargo feature `xml` (on by default: `provider` implies it).
//!
//! - Encodings: UTF-8, UTF-16 with a byte order mark, and ISO-8859-1 when
//!   the XML declaration names it, transcoded with encoding_rs before
//!   anything looks at the text (XML 1.0 §4.3.3, D83).
//! - Refused: a document type declaration (so every entity declaration),
//!   references to entities other than the five predefined ones, names
//!   outside the XML 1.0 name rules (§2.3), undeclared prefixes, relative
//!   namespace URIs, and documents beyond the limits. Nothing is expanded,
//!   nothing is fetched.
//! - Read and ignored by the document readers: comments, processing
//!   instructions (`<?xml-stylesheet ...?>`), and attributes in a namespace
//!   other than `urn:de-mail` such as `xsi:schemaLocation` (D84).
//! - Every error names the element and the byte offset in the decoded,
//!   LF-normalized text.
//!
//! ```
//! use demail::fields::DateTime;
//! use demail::xml::XmlLimits;
//!
//! // xs:dateTime values (XML Schema 1.0 Part 2 §3.2.7) are `fields::DateTime`.
//! let (time, zoned) = DateTime::parse_xs_date_time("2026-11-24T10:00:00+01:00").unwrap();
//! assert!(zoned);
//! assert_eq!(time.offset_minutes(), 60);
//! assert_eq!(time.to_rfc3339(), "2026-11-24T10:00:00+01:00");
//! // No offset: read as UTC and reported (XmlWarning, D85); `t`/`z` are RFC 3339 only.
//! assert!(!DateTime::parse_xs_date_time("2026-11-24T10:00:00").unwrap().1);
//! assert!(DateTime::parse_xs_date_time("2026-11-24t10:00:00Z").is_err());
//! assert_eq!(XmlLimits::default().max_depth, 24);
//! ```

use std::fmt;

#[cfg(feature = "provider")]
use crate::fields::DateTime;
use crate::fields::DateTimeError;

mod encoding;
mod names;
// The pull reader of the provider documents (feature `provider`).
#[cfg(feature = "provider")]
pub(crate) mod pull;
pub(crate) mod reader;

// Used by the provider documents (feature `provider`).
#[cfg(feature = "provider")]
pub(crate) use names::{has_scheme, is_ncname};

/// The namespace bound to the prefix `xml` (Namespaces in XML 1.0 §3).
pub(crate) const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of the `xmlns` prefix, which is never declared.
pub(crate) const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// The namespace of the confirmation and notification documents (§3.5.3).
pub const DE_MAIL_NS: &str = "urn:de-mail";
/// The XML-DSig namespace of `ds:Signature` (§3.5.3).
pub const XMLDSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Bounds on a document, so hostile input cannot exhaust memory or time.
///
/// [`XmlLimits::default`] bounds the De-Mail documents of §3.5.3;
/// [`XmlLimits::XMLDSIG`] the documents the [`crate::xmldsig`] functions
/// canonicalize, sign and verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Largest document in bytes, before decoding (default 4 MiB).
    pub max_bytes: usize,
    /// Deepest element nesting, the document element being depth 1
    /// (default 24; the deepest path of an XML-DSig signature is 7).
    pub max_depth: usize,
    /// Most attributes, namespace declarations included, on one element
    /// (default 64).
    pub max_attributes: usize,
    /// Most `Metadate` elements (default 256; Table 1 has 29 fields).
    pub max_metadata: usize,
    /// Most elements in a `ds:Signature` (default 256).
    pub max_signature_elements: usize,
    /// Longest text of one element in bytes (default 1 MiB).
    pub max_text: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        XmlLimits {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 24,
            max_attributes: 64,
            max_metadata: 256,
            max_signature_elements: 256,
            max_text: 1024 * 1024,
        }
    }
}

impl XmlLimits {
    /// The limits of the XML-DSig functions: 16 MiB, depth 64, 64
    /// attributes, text bounded only by the document size (D22).
    pub const XMLDSIG: XmlLimits = XmlLimits {
        max_bytes: 16 << 20,
        max_depth: 64,
        max_attributes: 64,
        max_metadata: 256,
        max_signature_elements: 256,
        max_text: 16 << 20,
    };
}

/// The error of the underlying XML tokenizer (quick-xml), kept typed as the
/// source of [`XmlError::Parser`]. Two are equal when they say the same.
#[derive(Debug, Clone, thiserror::Error)]
#[error(transparent)]
pub struct ParserError(#[from] quick_xml::Error);

impl ParserError {
    /// quick-xml's error.
    pub fn get(&self) -> &quick_xml::Error {
        &self.0
    }
}

impl PartialEq for ParserError {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for ParserError {}

/// Why an XML document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The document is larger than [`XmlLimits::max_bytes`].
    #[error("document of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The document size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The document has a document type declaration. Entity declarations
    /// live there; they are never processed.
    #[error("document type declaration at byte {offset} is not allowed (no DTDs, no entity declarations)")]
    Doctype {
        /// Offset of the declaration.
        offset: usize,
    },
    /// A reference to an entity other than the five predefined ones.
    #[error(
        "reference to undeclared entity `&{name};` in <{element}> at byte {offset} (no entities are expanded)"
    )]
    Entity {
        /// The entity name.
        name: String,
        /// The element containing it.
        element: String,
        /// Offset of the reference.
        offset: usize,
    },
    /// The XML declaration names an encoding the reader does not read, or
    /// one other than the bytes are in (XML 1.0 §4.3.3, D83).
    #[error(
        "encoding `{encoding}` at byte {offset}: only UTF-8, UTF-16 (with byte order mark) and ISO-8859-1 are read"
    )]
    Encoding {
        /// The declared encoding.
        encoding: String,
        /// Offset of the declaration.
        offset: usize,
    },
    /// The bytes are not valid in the encoding detected.
    #[error("the document is not valid {encoding} at byte {offset}")]
    Undecodable {
        /// The encoding detected (`UTF-8`, `UTF-16`).
        encoding: &'static str,
        /// The first invalid byte (0 when the decoder does not say).
        offset: usize,
    },
    /// The input is not well-formed XML (Namespaces in XML 1.0 included).
    #[error("malformed XML in <{element}> at byte {offset}: {message}")]
    Syntax {
        /// The innermost open element (`document` at the top).
        element: String,
        /// Offset where reading stopped.
        offset: usize,
        /// The reader's description.
        message: String,
    },
    /// quick-xml refused the input as not well-formed; its error is the
    /// source.
    #[error("malformed XML in <{element}> at byte {offset}")]
    Parser {
        /// The innermost open element (`document` at the top).
        element: String,
        /// Offset where reading stopped.
        offset: usize,
        /// quick-xml's error.
        #[source]
        source: ParserError,
    },
    /// An element the schema of §3.5.3 does not allow here.
    #[error(
        "unexpected element <{found}> in <{parent}> at byte {offset}, expected {expected} (TR 01201-3.4 §3.5.3)"
    )]
    UnexpectedElement {
        /// The element found (with its namespace when not `urn:de-mail`).
        found: String,
        /// The enclosing element.
        parent: String,
        /// What the schema allows here.
        expected: &'static str,
        /// Offset of the element.
        offset: usize,
    },
    /// A required element is missing.
    #[error("<{parent}> lacks <{missing}> at byte {offset} (TR 01201-3.4 §3.5.3)")]
    MissingElement {
        /// The missing element.
        missing: &'static str,
        /// The enclosing element.
        parent: String,
        /// Offset where it was expected.
        offset: usize,
    },
    /// Non-white-space text where the schema allows only elements.
    #[error("text in element-only <{element}> at byte {offset} (TR 01201-3.4 §3.5.3)")]
    UnexpectedText {
        /// The element.
        element: String,
        /// Offset of the text.
        offset: usize,
    },
    /// An element has more attributes than [`XmlLimits::max_attributes`].
    #[error("more than {limit} attributes on <{element}> at byte {offset}")]
    TooManyAttributes {
        /// The element.
        element: String,
        /// The limit in force.
        limit: usize,
        /// Offset of the element.
        offset: usize,
    },
    /// A namespace prefix that is not declared (Namespaces in XML 1.0 §5).
    #[error("namespace prefix `{prefix}` in <{element}> at byte {offset} is not declared")]
    UndeclaredPrefix {
        /// The prefix.
        prefix: String,
        /// The element.
        element: String,
        /// Offset of the element.
        offset: usize,
    },
    /// An attribute the schema does not define: unqualified or in
    /// `urn:de-mail` (attributes of other namespaces are ignored, D84).
    #[error("attribute `{attribute}` on <{element}> at byte {offset} is not allowed (TR 01201-3.4 §3.5.3)")]
    UnexpectedAttribute {
        /// The element.
        element: String,
        /// The attribute name.
        attribute: String,
        /// Offset of the element.
        offset: usize,
    },
    /// A namespace declaration Namespaces in XML 1.0 §3 forbids: a prefix
    /// undeclared (`xmlns:p=""`, XML 1.1 only), `xmlns` declared, or `xml`
    /// bound to another namespace (or its namespace to another prefix).
    #[error(
        "namespace declaration `{declaration}` on <{element}> at byte {offset}: {reason} (Namespaces in XML 1.0 §3)"
    )]
    NamespaceDeclaration {
        /// The element.
        element: String,
        /// The declaration as `xmlns:prefix="uri"`.
        declaration: String,
        /// The rule broken.
        reason: &'static str,
        /// Offset of the element.
        offset: usize,
    },
    /// A relative namespace URI, which Canonical XML and so XML-DSig cannot
    /// process (C14N 1.0 §2.1).
    #[error("relative namespace URI `{uri}` on <{element}> at byte {offset} (C14N 1.0 §2.1)")]
    RelativeNamespaceUri {
        /// The element.
        element: String,
        /// The URI.
        uri: String,
        /// Offset of the element.
        offset: usize,
    },
    /// A character XML 1.0 does not allow (§2.2), e.g. U+0001 via `&#1;`.
    #[error("character U+{code:04X} in <{element}> at byte {offset} is not allowed in XML 1.0")]
    InvalidCharacter {
        /// The code point.
        code: u32,
        /// The element.
        element: String,
        /// Offset of the text.
        offset: usize,
    },
    /// An `xs:dateTime` value that is not a valid date and time.
    #[error("<{element}> at byte {offset}: `{value}` is not an xs:dateTime (TR 01201-3.4 §3.5.3, D30)")]
    InvalidDateTime {
        /// The element.
        element: &'static str,
        /// The text found (at most 64 characters).
        value: String,
        /// Offset of the element.
        offset: usize,
        /// Why the value was refused.
        #[source]
        cause: DateTimeError,
    },
    /// Nesting deeper than [`XmlLimits::max_depth`].
    #[error("elements nested deeper than {limit} at byte {offset}")]
    TooDeep {
        /// The limit in force.
        limit: usize,
        /// Offset of the element.
        offset: usize,
    },
    /// More elements than a limit allows.
    #[error("more than {limit} <{element}> elements at byte {offset}")]
    TooManyElements {
        /// The element counted.
        element: &'static str,
        /// The limit in force.
        limit: usize,
        /// Offset of the element over the limit.
        offset: usize,
    },
    /// Text longer than [`XmlLimits::max_text`].
    #[error("text of <{element}> at byte {offset} exceeds {limit} bytes")]
    TextTooLong {
        /// The element.
        element: String,
        /// The limit in force.
        limit: usize,
        /// Offset of the text.
        offset: usize,
    },
    /// Content after the document element.
    #[error("content after the document element at byte {offset}")]
    TrailingContent {
        /// Offset of the content.
        offset: usize,
    },
}

/// Something a document reader accepted but reports, with the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlWarning {
    /// An `xs:dateTime` without time zone: valid per the schema, but it does
    /// not name an instant; it was read as UTC (D85).
    DateTimeWithoutTimeZone {
        /// The element (`Time`, `DeliveryTime`).
        element: &'static str,
        /// The text found.
        value: String,
        /// Offset of the element.
        offset: usize,
    },
}

impl XmlWarning {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            XmlWarning::DateTimeWithoutTimeZone { .. } => "date_time_without_time_zone",
        }
    }

    /// The rule behind the warning.
    pub fn rule(&self) -> &'static str {
        match self {
            XmlWarning::DateTimeWithoutTimeZone { .. } => "TR 01201-3.4 §3.5.3 (xs:dateTime), D85",
        }
    }
}

impl fmt::Display for XmlWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlWarning::DateTimeWithoutTimeZone {
                element,
                value,
                offset,
            } => write!(
                f,
                "<{element}> at byte {offset}: `{value}` has no time zone; read as UTC ({})",
                self.rule()
            ),
        }
    }
}

/// Reads an `xs:dateTime` element value (TR 01201-3.4 §3.5.3: `Time`,
/// `DeliveryTime`; XML Schema 1.0 Part 2 §3.2.7) with
/// [`DateTime::parse_xs_date_time`]: upper-case `T` and `Z` only, fractional
/// seconds read and dropped (D30). `false` when the value has no time zone
/// (read as UTC; the caller warns or refuses, D85). A refusal names the
/// element, the text (at most 64 characters) and the typed cause.
#[cfg(feature = "provider")]
pub(crate) fn read_date_time(
    element: &'static str,
    text: &str,
    offset: usize,
) -> Result<(DateTime, bool), XmlError> {
    DateTime::parse_xs_date_time(text).map_err(|cause| XmlError::InvalidDateTime {
        element,
        value: text.chars().take(64).collect(),
        offset,
        cause,
    })
}

/// Whether XML 1.0 allows the character (XML 1.0 §2.2 `Char`).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` as the XML will carry it: characters XML 1.0 cannot carry
/// replaced by U+FFFD, as [`push_escaped`] writes them (D34). A reader
/// comparing a parsed value with the text it was made from compares with this.
#[cfg(feature = "provider")]
pub(crate) fn as_written(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
            .collect(),
    )
}

/// Appends `text` escaped for element content: `&`, `<`, `>` as entities,
/// CR as `&#13;` (so it survives line-end normalization), and characters
/// XML 1.0 cannot carry at all replaced by U+FFFD (D34).
#[cfg(feature = "provider")]
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// Appends `<name>escaped text</name>`.
#[cfg(feature = "provider")]
pub(crate) fn push_element(out: &mut String, indent: &str, name: &str, text: &str) {
    out.push_str(indent);
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_escaped(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

/// Writes the start tag of a document element with the default namespace
/// and any extra declarations.
#[cfg(feature = "provider")]
pub(crate) fn push_root_start(out: &mut String, local: &str, extra: &[(String, String)]) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
    out.push_str(local);
    out.push_str(" xmlns=\"");
    out.push_str(DE_MAIL_NS);
    out.push('"');
    for (prefix, uri) in extra {
        out.push_str(if prefix.is_empty() { " xmlns" } else { " xmlns:" });
        out.push_str(prefix);
        out.push_str("=\"");
        for c in uri.chars() {
            match c {
                '"' => out.push_str("&quot;"),
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                // Attribute values are normalized on reading (XML 1.0 §3.3.3).
                '\t' => out.push_str("&#9;"),
                '\n' => out.push_str("&#10;"),
                '\r' => out.push_str("&#13;"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push_str(">\n");
}
