//! The XML layer shared by the confirmation and notification documents of
//! TR 01201-3.4 §3.5.3: a hardened pull reader over quick-xml, its limits,
//! its typed errors, `xs:dateTime` values and text escaping.
//!
//! The reader accepts only what the schema of §3.5.3 needs: elements, text,
//! CDATA, comments, the five predefined entities and character references.
//! A document type declaration (and with it every entity declaration) is
//! refused, as are processing instructions and references to any other
//! entity: nothing is expanded, nothing is fetched. Sizes, nesting depth and
//! element counts are bounded by [`XmlLimits`]. Every error names the
//! element and the byte offset.
//!
//! ```
//! use demail::xml::XmlDateTime;
//!
//! let time = XmlDateTime::parse("2026-11-24T10:00:00+01:00").unwrap();
//! assert_eq!(time.0.offset_minutes, 60);
//! assert_eq!(time.to_string(), "2026-11-24T10:00:00+01:00");
//! assert!(XmlDateTime::parse("2026-11-24T10:00:00").is_none()); // no offset: ambiguous (D30)
//! ```

use std::fmt;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::fields::DateTime;

/// The namespace bound to the prefix `xml` (Namespaces in XML 1.0 §3).
pub(crate) const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of the `xmlns` prefix, which is never declared.
pub(crate) const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// The namespace of the confirmation and notification documents (§3.5.3).
pub const DE_MAIL_NS: &str = "urn:de-mail";
/// The XML-DSig namespace of `ds:Signature` (§3.5.3).
pub const XMLDSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Bounds on a document, so hostile input cannot exhaust memory or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Largest document in bytes (default 4 MiB).
    pub max_bytes: usize,
    /// Deepest element nesting, the document element being depth 1
    /// (default 24; the deepest path of an XML-DSig signature is 7).
    pub max_depth: usize,
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
            max_metadata: 256,
            max_signature_elements: 256,
            max_text: 1024 * 1024,
        }
    }
}

/// Why a confirmation or notification document was refused.
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
    /// A processing instruction other than the XML declaration.
    #[error("processing instruction at byte {offset} is not allowed")]
    ProcessingInstruction {
        /// Offset of the instruction.
        offset: usize,
    },
    /// The XML declaration names an encoding other than UTF-8.
    #[error("encoding `{encoding}` at byte {offset}: only UTF-8 is accepted")]
    Encoding {
        /// The declared encoding.
        encoding: String,
        /// Offset of the declaration.
        offset: usize,
    },
    /// The input is not well-formed XML (or not UTF-8).
    #[error("malformed XML in <{element}> at byte {offset}: {message}")]
    Syntax {
        /// The innermost open element (`document` at the top).
        element: String,
        /// Offset where reading stopped.
        offset: usize,
        /// The reader's description.
        message: String,
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
    /// An attribute the schema does not define (only namespace declarations are allowed).
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
    /// An `xs:dateTime` value that is not a valid date and time with offset.
    #[error(
        "<{element}> at byte {offset}: `{value}` is not an xs:dateTime with time zone offset (TR 01201-3.4 §3.5.3, D30)"
    )]
    InvalidDateTime {
        /// The element.
        element: &'static str,
        /// The text found.
        value: String,
        /// Offset of the element.
        offset: usize,
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

/// An `xs:dateTime` with its time zone offset (TR 01201-3.4 §3.5.3: `Time`,
/// `DeliveryTime`).
///
/// Lexical form `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`. A value without
/// an offset is refused, since it does not name an instant; fractional
/// seconds are read and dropped, the TR asks for times to the second (D30).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct XmlDateTime(pub DateTime);

impl XmlDateTime {
    /// Parses the lexical form; surrounding XML white space is ignored
    /// (`xs:dateTime` collapses white space). `None` for anything else.
    pub fn parse(text: &str) -> Option<XmlDateTime> {
        let s = text.trim_matches(is_xml_space).as_bytes();
        if s.len() < 20 || s[4] != b'-' || s[7] != b'-' || s[10] != b'T' || s[13] != b':' || s[16] != b':' {
            return None;
        }
        let year = u16::try_from(digits(&s[0..4])?).ok()?;
        let month = u8::try_from(digits(&s[5..7])?).ok()?;
        let day = u8::try_from(digits(&s[8..10])?).ok()?;
        let hour = u8::try_from(digits(&s[11..13])?).ok()?;
        let minute = u8::try_from(digits(&s[14..16])?).ok()?;
        let second = u8::try_from(digits(&s[17..19])?).ok()?;
        let mut rest = &s[19..];
        if let Some(fraction) = rest.strip_prefix(b".") {
            let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if len == 0 {
                return None;
            }
            rest = &fraction[len..];
        }
        let offset_minutes = match rest {
            b"Z" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let hours = i16::try_from(digits(&[*h1, *h2])?).ok()?;
                let minutes = i16::try_from(digits(&[*m1, *m2])?).ok()?;
                if minutes > 59 || hours * 60 + minutes > 14 * 60 {
                    return None;
                }
                let total = hours * 60 + minutes;
                if *sign == b'-' { -total } else { total }
            }
            _ => return None,
        };
        let valid = (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60
            && year >= 1;
        valid.then_some(XmlDateTime(DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            offset_minutes,
        }))
    }
}

impl fmt::Display for XmlDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            d.year, d.month, d.day, d.hour, d.minute, d.second
        )?;
        if d.offset_minutes == 0 {
            return f.write_str("Z");
        }
        let sign = if d.offset_minutes < 0 { '-' } else { '+' };
        let offset = d.offset_minutes.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", offset / 60, offset % 60)
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Whether XML 1.0 allows the character (XML 1.0 §2.2 `Char`).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` as the XML will carry it: characters XML 1.0 cannot carry
/// replaced by U+FFFD, as [`push_escaped`] writes them (D34). A reader
/// comparing a parsed value with the text it was made from compares with this.
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

/// Whether a namespace prefix is an NCName (Namespaces in XML §3), in a
/// conservative reading: letters, digits, `-`, `_`, `.`, not starting with a
/// digit, `-` or `.`.
fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Appends `text` escaped for element content: `&`, `<`, `>` as entities,
/// CR as `&#13;` (so it survives line-end normalization), and characters
/// XML 1.0 cannot carry at all replaced by U+FFFD (D34).
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

/// One step of the simplified event stream the document parsers consume.
#[derive(Debug)]
pub(crate) enum Step<'i> {
    /// An element starts. `empty` for `<x/>`; its end is not reported.
    Start {
        /// Whether the element is in the given namespace with the given local name.
        name: ElementName,
        /// Offset of the `<`.
        offset: usize,
        /// The start tag, for its attributes.
        tag: BytesStart<'i>,
        /// `<x/>`.
        empty: bool,
        /// Offset just after the start tag's `>` (for `<x/>`, the end of
        /// the element), as the parser found it: `>` may stand in an
        /// attribute value.
        end: usize,
    },
    /// The current element ends.
    End {
        /// Offset just after the end tag.
        end: usize,
    },
    /// Character data (text, CDATA and references, already decoded and joined).
    Text {
        /// The decoded text.
        text: String,
        /// Offset of its first byte.
        offset: usize,
    },
    /// The end of the input.
    Eof {
        /// The input length.
        offset: usize,
    },
}

/// An element's namespace and local name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ElementName {
    /// The namespace URI, empty when unbound.
    pub(crate) namespace: String,
    /// The local name.
    pub(crate) local: String,
}

impl ElementName {
    /// Whether the element is `urn:de-mail`'s `local`.
    pub(crate) fn is_de_mail(&self, local: &str) -> bool {
        self.namespace == DE_MAIL_NS && self.local == local
    }
}

impl fmt::Display for ElementName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace == DE_MAIL_NS {
            f.write_str(&self.local)
        } else {
            write!(f, "{{{}}}{}", self.namespace, self.local)
        }
    }
}

/// The hardened pull reader: quick-xml events reduced to [`Step`]s, with
/// text merged, references checked, and the limits enforced.
pub(crate) struct XmlReader<'i> {
    reader: NsReader<&'i [u8]>,
    input: &'i [u8],
    limits: XmlLimits,
    /// Names of the open elements, for error messages.
    open: Vec<String>,
    pending: Option<Step<'i>>,
    seen_root: bool,
}

impl<'i> XmlReader<'i> {
    /// A reader over a whole document; fails at once when it is too large.
    pub(crate) fn new(input: &'i [u8], limits: XmlLimits) -> Result<Self, XmlError> {
        if input.len() > limits.max_bytes {
            return Err(XmlError::TooLarge {
                size: input.len(),
                limit: limits.max_bytes,
            });
        }
        let mut reader = NsReader::from_reader(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_unmatched_ends = false;
        Ok(XmlReader {
            reader,
            input,
            limits,
            open: Vec::new(),
            pending: None,
            seen_root: false,
        })
    }

    /// The input.
    pub(crate) fn input(&self) -> &'i [u8] {
        self.input
    }

    /// The limits in force.
    pub(crate) fn limits(&self) -> &XmlLimits {
        &self.limits
    }

    /// The innermost open element's name, `document` at the top.
    pub(crate) fn current(&self) -> String {
        self.open.last().cloned().unwrap_or_else(|| "document".to_owned())
    }

    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    fn syntax(&self, error: impl fmt::Display) -> XmlError {
        XmlError::Syntax {
            element: self.current(),
            offset: usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX),
            message: error.to_string(),
        }
    }

    /// The next step. Text and references are joined into one [`Step::Text`].
    pub(crate) fn next(&mut self) -> Result<Step<'i>, XmlError> {
        if let Some(step) = self.pending.take() {
            return Ok(step);
        }
        let mut text: Option<(String, usize)> = None;
        loop {
            let offset = self.position();
            let step = self.raw_step(offset)?;
            match step {
                RawStep::Text(part) => {
                    let (buffer, _) = text.get_or_insert_with(|| (String::new(), offset));
                    self.check_text(&part, offset)?;
                    if buffer.len() + part.len() > self.limits.max_text {
                        return Err(XmlError::TextTooLong {
                            element: self.current(),
                            limit: self.limits.max_text,
                            offset,
                        });
                    }
                    buffer.push_str(&part);
                }
                RawStep::Skip => {}
                RawStep::Step(step) => {
                    return Ok(match text {
                        Some((text, offset)) => {
                            self.pending = Some(step);
                            Step::Text { text, offset }
                        }
                        None => step,
                    });
                }
            }
        }
    }

    fn check_text(&self, text: &str, offset: usize) -> Result<(), XmlError> {
        match text.chars().find(|c| !is_xml_char(*c)) {
            Some(c) => Err(XmlError::InvalidCharacter {
                code: u32::from(c),
                element: self.current(),
                offset,
            }),
            None => Ok(()),
        }
    }

    fn raw_step(&mut self, offset: usize) -> Result<RawStep<'i>, XmlError> {
        let (resolved, event) = match self.reader.read_resolved_event() {
            Ok((resolved, event)) => (resolved_namespace(&resolved), event),
            Err(error) => return Err(self.syntax(error)),
        };
        Ok(match event {
            Event::Decl(decl) => {
                if self.seen_root || offset != 0 {
                    return Err(XmlError::ProcessingInstruction { offset });
                }
                if let Some(Ok(encoding)) = decl.encoding() {
                    let encoding = encoding.into_owned();
                    if !encoding.eq_ignore_ascii_case("utf-8") {
                        return Err(XmlError::Encoding { encoding, offset });
                    }
                }
                RawStep::Skip
            }
            Event::DocType(_) => return Err(XmlError::Doctype { offset }),
            Event::PI(_) => return Err(XmlError::ProcessingInstruction { offset }),
            Event::Comment(_) => RawStep::Skip,
            Event::Start(tag) | Event::Empty(tag) if self.open.is_empty() && self.seen_root => {
                let _ = tag;
                return Err(XmlError::TrailingContent { offset });
            }
            Event::Start(tag) => self.start(resolved, tag, offset, false)?,
            Event::Empty(tag) => self.start(resolved, tag, offset, true)?,
            Event::End(_) => {
                self.open.pop();
                RawStep::Step(Step::End { end: self.position() })
            }
            Event::Text(text) => {
                let text = text.xml10_content();
                if self.open.is_empty() {
                    if !text.chars().all(is_xml_space) {
                        return Err(if self.seen_root {
                            XmlError::TrailingContent { offset }
                        } else {
                            self.syntax("text before the document element")
                        });
                    }
                    RawStep::Skip
                } else {
                    RawStep::Text(text.into_owned())
                }
            }
            Event::CData(data) => {
                if self.open.is_empty() {
                    return Err(self.syntax("CDATA outside the document element"));
                }
                RawStep::Text(data.xml10_content().into_owned())
            }
            Event::GeneralRef(reference) => {
                if self.open.is_empty() {
                    return Err(self.syntax("reference outside the document element"));
                }
                let name = reference.xml10_content();
                if reference.is_char_ref() {
                    match reference.resolve_char_ref() {
                        Ok(Some(c)) => RawStep::Text(c.to_string()),
                        _ => return Err(self.syntax(format_args!("invalid character reference &{name};"))),
                    }
                } else {
                    let predefined = match name.as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "apos" => "'",
                        "quot" => "\"",
                        _ => {
                            return Err(XmlError::Entity {
                                name: name.into_owned(),
                                element: self.current(),
                                offset,
                            });
                        }
                    };
                    RawStep::Text(predefined.to_owned())
                }
            }
            Event::Eof => {
                if !self.seen_root {
                    return Err(self.syntax("no document element"));
                }
                RawStep::Step(Step::Eof { offset })
            }
        })
    }

    fn start(
        &mut self,
        namespace: String,
        tag: BytesStart<'i>,
        offset: usize,
        empty: bool,
    ) -> Result<RawStep<'i>, XmlError> {
        let local = tag.local_name().as_ref().to_owned();
        let name = ElementName { namespace, local };
        if self.open.len() + 1 > self.limits.max_depth {
            return Err(XmlError::TooDeep {
                limit: self.limits.max_depth,
                offset,
            });
        }
        self.seen_root = true;
        if !empty {
            self.open.push(name.to_string());
        }
        Ok(RawStep::Step(Step::Start {
            name,
            offset,
            tag,
            empty,
            end: self.position(),
        }))
    }

    /// Skips the content of an element whose start was just read, checking
    /// it like everything else, and returns the byte range of the whole
    /// element (start tag to end tag). `count` bounds the elements inside.
    pub(crate) fn skip_element(
        &mut self,
        start: usize,
        count_limit: usize,
        counted: &'static str,
    ) -> Result<std::ops::Range<usize>, XmlError> {
        let mut depth = 1usize;
        let mut count = 1usize;
        loop {
            match self.next()? {
                Step::Start { empty, offset, .. } => {
                    count += 1;
                    if count > count_limit {
                        return Err(XmlError::TooManyElements {
                            element: counted,
                            limit: count_limit,
                            offset,
                        });
                    }
                    if !empty {
                        depth += 1;
                    }
                }
                Step::End { end } => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(start..end);
                    }
                }
                Step::Text { .. } => {}
                Step::Eof { offset } => {
                    return Err(XmlError::Syntax {
                        element: self.current(),
                        offset,
                        message: "unexpected end of input".into(),
                    });
                }
            }
        }
    }

    /// Reads the text content of a simple element whose start was just read
    /// (`<x>text</x>` or `<x/>`), refusing child elements.
    pub(crate) fn text_content(&mut self, element: &str, empty: bool) -> Result<String, XmlError> {
        if empty {
            return Ok(String::new());
        }
        let mut out = String::new();
        loop {
            match self.next()? {
                Step::Text { text, .. } => out = text,
                Step::End { .. } => return Ok(out),
                Step::Start { name, offset, .. } => {
                    return Err(XmlError::UnexpectedElement {
                        found: name.to_string(),
                        parent: element.to_owned(),
                        expected: "text only",
                        offset,
                    });
                }
                Step::Eof { offset } => {
                    return Err(XmlError::Syntax {
                        element: element.to_owned(),
                        offset,
                        message: "unexpected end of input".into(),
                    });
                }
            }
        }
    }

    /// The next step that is not white-space text; other text is an error
    /// (element-only content).
    pub(crate) fn next_structural(&mut self) -> Result<Step<'i>, XmlError> {
        loop {
            match self.next()? {
                Step::Text { text, offset } => {
                    if !text.chars().all(is_xml_space) {
                        return Err(XmlError::UnexpectedText {
                            element: self.current(),
                            offset,
                        });
                    }
                }
                step => return Ok(step),
            }
        }
    }

    /// Collects the namespace declarations of a start tag, refusing every
    /// other attribute. Returns `(prefix, uri)` pairs, prefix empty for the
    /// default namespace.
    pub(crate) fn namespace_declarations(
        &self,
        tag: &BytesStart<'_>,
        element: &str,
        offset: usize,
    ) -> Result<Vec<(String, String)>, XmlError> {
        let mut out = Vec::new();
        for attribute in tag.attributes() {
            let attribute = attribute.map_err(|e| XmlError::Syntax {
                element: element.to_owned(),
                offset,
                message: e.to_string(),
            })?;
            let key = attribute.key.as_ref().to_owned();
            let prefix = if key == "xmlns" {
                String::new()
            } else if let Some(prefix) = key.strip_prefix("xmlns:").filter(|p| is_ncname(p)) {
                prefix.to_owned()
            } else {
                return Err(XmlError::UnexpectedAttribute {
                    element: element.to_owned(),
                    attribute: key,
                    offset,
                });
            };
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| XmlError::Syntax {
                    element: element.to_owned(),
                    offset,
                    message: e.to_string(),
                })?;
            if let Some(c) = value.chars().find(|c| !is_xml_char(*c)) {
                return Err(XmlError::InvalidCharacter {
                    code: u32::from(c),
                    element: element.to_owned(),
                    offset,
                });
            }
            check_declaration(&prefix, &value, element, offset)?;
            out.push((prefix, value.into_owned()));
        }
        Ok(out)
    }

    /// Resolves a qualified name (an element or attribute name, or an
    /// `xsi:type` value) against the namespaces in scope of the element whose
    /// start was just read; returns `(namespace, local name)`, the namespace
    /// empty when unbound. `attribute`: an unprefixed name has no namespace
    /// (Namespaces in XML 1.0 §6.2) instead of the default one.
    pub(crate) fn resolve_qname(&self, qname: &str, attribute: bool) -> (String, String) {
        let name = quick_xml::name::QName(qname);
        let resolver = self.reader.resolver();
        let (resolved, local) = if attribute {
            resolver.resolve_attribute(name)
        } else {
            resolver.resolve_element(name)
        };
        (resolved_namespace(&resolved), local.into_inner().to_owned())
    }

    /// Checks that nothing but white space and comments follows the document element.
    pub(crate) fn finish(&mut self) -> Result<(), XmlError> {
        match self.next_structural()? {
            Step::Eof { .. } => Ok(()),
            Step::Start { offset, .. } => Err(XmlError::TrailingContent { offset }),
            Step::End { end } | Step::Text { offset: end, .. } => {
                Err(XmlError::TrailingContent { offset: end })
            }
        }
    }
}

/// What breaks the Namespaces in XML 1.0 §3 constraints in the declaration
/// `xmlns:prefix="uri"` (`prefix` empty for the default namespace), if
/// anything; relative URIs are checked separately. Shared with the XML-DSig
/// reader, so both readers refuse the same declarations.
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

/// Namespaces in XML 1.0 §3 constraints and C14N 1.0 §2.1 (no relative
/// URIs), as the XML-DSig reader applies them.
fn check_declaration(prefix: &str, uri: &str, element: &str, offset: usize) -> Result<(), XmlError> {
    if let Some(reason) = declaration_problem(prefix, uri) {
        let name = if prefix.is_empty() {
            "xmlns".to_owned()
        } else {
            format!("xmlns:{prefix}")
        };
        return Err(XmlError::NamespaceDeclaration {
            element: element.to_owned(),
            declaration: format!("{name}=\"{uri}\""),
            reason,
            offset,
        });
    }
    if !uri.is_empty() && !has_scheme(uri) {
        return Err(XmlError::RelativeNamespaceUri {
            element: element.to_owned(),
            uri: uri.to_owned(),
            offset,
        });
    }
    Ok(())
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

enum RawStep<'i> {
    Text(String),
    Skip,
    Step(Step<'i>),
}

fn resolved_namespace(resolved: &ResolveResult<'_>) -> String {
    match resolved {
        ResolveResult::Bound(ns) => ns.as_ref().to_owned(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(prefix) => format!("unknown-prefix:{prefix}"),
    }
}

/// Reads a required simple element of `urn:de-mail` at the current position.
pub(crate) fn expect_text(
    reader: &mut XmlReader<'_>,
    parent: &str,
    local: &'static str,
) -> Result<(String, usize), XmlError> {
    match reader.next_structural()? {
        Step::Start {
            name,
            offset,
            tag,
            empty,
            ..
        } if name.is_de_mail(local) => {
            reader.namespace_declarations(&tag, local, offset)?;
            Ok((reader.text_content(local, empty)?, offset))
        }
        Step::Start { name, offset, .. } => Err(XmlError::UnexpectedElement {
            found: name.to_string(),
            parent: parent.to_owned(),
            expected: local,
            offset,
        }),
        Step::End { end: offset } | Step::Eof { offset } | Step::Text { offset, .. } => {
            Err(XmlError::MissingElement {
                missing: local,
                parent: parent.to_owned(),
                offset,
            })
        }
    }
}

/// Reads the end tag of `element`, whose children have all been read;
/// `expected` names it in the error (`"the end of Metadate"`).
pub(crate) fn expect_end(
    reader: &mut XmlReader<'_>,
    element: &str,
    expected: &'static str,
) -> Result<(), XmlError> {
    match reader.next_structural()? {
        Step::End { .. } => Ok(()),
        Step::Start { name, offset, .. } => Err(XmlError::UnexpectedElement {
            found: name.to_string(),
            parent: element.to_owned(),
            expected,
            offset,
        }),
        Step::Eof { offset } | Step::Text { offset, .. } => Err(XmlError::Syntax {
            element: element.to_owned(),
            offset,
            message: "unexpected end of input".into(),
        }),
    }
}

/// Parses an `xs:dateTime` element's text.
pub(crate) fn date_time(element: &'static str, text: &str, offset: usize) -> Result<XmlDateTime, XmlError> {
    XmlDateTime::parse(text).ok_or_else(|| XmlError::InvalidDateTime {
        element,
        value: text.chars().take(64).collect(),
        offset,
    })
}

/// The document element's start: must be `urn:de-mail`'s `local`.
/// Returns its extra namespace declarations (all but the default one).
pub(crate) fn expect_root(
    reader: &mut XmlReader<'_>,
    local: &'static str,
) -> Result<(Vec<(String, String)>, bool), XmlError> {
    match reader.next_structural()? {
        Step::Start {
            name,
            offset,
            tag,
            empty,
            ..
        } if name.is_de_mail(local) => {
            let declarations = reader.namespace_declarations(&tag, local, offset)?;
            let extra = declarations
                .into_iter()
                // The default namespace is always written as urn:de-mail.
                .filter(|(prefix, _)| !prefix.is_empty())
                .collect();
            Ok((extra, empty))
        }
        Step::Start { name, offset, .. } => Err(XmlError::UnexpectedElement {
            found: name.to_string(),
            parent: "document".into(),
            expected: local,
            offset,
        }),
        Step::End { end: offset } | Step::Eof { offset } | Step::Text { offset, .. } => {
            Err(XmlError::MissingElement {
                missing: local,
                parent: "document".into(),
                offset,
            })
        }
    }
}

/// Writes the start tag of a document element with the default namespace
/// and any extra declarations.
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
