//! A strict, namespace-aware XML 1.0 reader on top of quick-xml's tokenizer.
//!
//! It yields the nodes Canonical XML works on ([`Node`]): elements with
//! their namespace declarations and attributes already normalized (XML 1.0
//! §3.3.3), text with references resolved, comments and processing
//! instructions. It refuses what a signature verifier must not process:
//! a DTD (`<!DOCTYPE`, hence entity declarations), undefined entities,
//! non-UTF-8 input, undeclared prefixes, relative namespace URIs (C14N 1.0
//! §2.1), and documents beyond [`MAX_DOCUMENT_BYTES`], [`MAX_DEPTH`] or
//! [`MAX_ATTRIBUTES`]. Line ends are normalized (XML 1.0 §2.11) before
//! tokenizing, so byte offsets in errors refer to the LF-normalized text.

use std::borrow::Cow;
use std::collections::HashMap;

use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesDecl, BytesStart, Event};
use quick_xml::reader::Reader;

use super::XmlDsigError;

/// The largest document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 16 << 20;
/// The deepest element nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// The most attributes (namespace declarations included) on one element.
pub const MAX_ATTRIBUTES: usize = 64;

pub(crate) use crate::xml::XML_NAMESPACE;
use crate::xml::{declaration_problem, has_scheme};

/// An attribute (not a namespace declaration) with its normalized value.
#[derive(Debug, Clone)]
pub(crate) struct Attribute<'a> {
    pub(crate) qname: &'a str,
    pub(crate) prefix: &'a str,
    pub(crate) local: &'a str,
    pub(crate) namespace: Cow<'a, str>,
    pub(crate) value: Cow<'a, str>,
}

/// A start tag.
#[derive(Debug, Clone)]
pub(crate) struct Element<'a> {
    pub(crate) qname: &'a str,
    pub(crate) prefix: &'a str,
    pub(crate) local: &'a str,
    /// The resolved namespace URI, empty for none.
    pub(crate) namespace: Cow<'a, str>,
    /// `xmlns` (prefix "") and `xmlns:p` declarations, in document order.
    pub(crate) declarations: Vec<(&'a str, Cow<'a, str>)>,
    pub(crate) attributes: Vec<Attribute<'a>>,
    /// Offset of `<`.
    pub(crate) offset: usize,
    /// Offset just after `>`.
    pub(crate) tag_end: usize,
    /// `<e/>`.
    pub(crate) self_closing: bool,
}

impl Element<'_> {
    /// The value of the unqualified attribute `name`.
    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_empty() && a.local == name)
            .map(|a| a.value.as_ref())
    }
}

/// One node of the document, in document order.
#[derive(Debug, Clone)]
pub(crate) enum Node<'a> {
    Start(Element<'a>),
    /// The end of the last open element; `offset` is that of `</`
    /// (of `<` for a self-closing element).
    End {
        offset: usize,
    },
    Text(Cow<'a, str>),
    Comment(&'a str),
    Pi {
        target: &'a str,
        data: &'a str,
    },
}

/// Checks size, encoding and characters and normalizes line ends.
pub(crate) fn prepare(xml: &[u8]) -> Result<Cow<'_, str>, XmlDsigError> {
    if xml.len() > MAX_DOCUMENT_BYTES {
        return Err(XmlDsigError::TooLarge {
            size: xml.len(),
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    let body = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
    let text = std::str::from_utf8(body).map_err(|e| XmlDsigError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    if let Some(offset) = first_invalid_char(text) {
        return Err(XmlDsigError::InvalidCharacter { offset });
    }
    if !text.contains('\r') {
        return Ok(Cow::Borrowed(text));
    }
    Ok(Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n")))
}

/// The offset of the first character outside XML 1.0's `Char` production.
fn first_invalid_char(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| {
        let bad = match b {
            b'\t' | b'\n' | b'\r' => false,
            0..=0x1F => true,
            // U+FFFE and U+FFFF are EF BF BE / EF BF BF.
            0xEF => bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)),
            _ => false,
        };
        bad.then_some(i)
    })
}

/// The in-scope namespace bindings while walking a document.
#[derive(Debug, Default)]
pub(crate) struct Namespaces<'a> {
    bindings: HashMap<&'a str, Vec<Cow<'a, str>>>,
    declared: Vec<&'a str>,
    frames: Vec<usize>,
}

impl<'a> Namespaces<'a> {
    /// Opens a scope with these declarations.
    pub(crate) fn push<'d>(&mut self, declarations: impl IntoIterator<Item = &'d (&'a str, Cow<'a, str>)>)
    where
        'a: 'd,
    {
        self.frames.push(self.declared.len());
        for (prefix, uri) in declarations {
            self.bindings.entry(prefix).or_default().push(uri.clone());
            self.declared.push(prefix);
        }
    }

    /// Closes the innermost scope.
    pub(crate) fn pop(&mut self) {
        let start = self.frames.pop().unwrap_or(0);
        for prefix in self.declared.drain(start..) {
            if let Some(stack) = self.bindings.get_mut(prefix) {
                stack.pop();
            }
        }
    }

    /// The URI bound to `prefix` ("" for the default namespace).
    pub(crate) fn get(&self, prefix: &str) -> Option<&Cow<'a, str>> {
        self.bindings.get(prefix).and_then(|stack| stack.last())
    }

    /// Every binding in scope.
    pub(crate) fn in_scope(&self) -> impl Iterator<Item = (&'a str, &Cow<'a, str>)> {
        self.bindings
            .iter()
            .filter_map(|(prefix, stack)| stack.last().map(|uri| (*prefix, uri)))
    }
}

/// Pulls [`Node`]s out of a prepared document.
pub(crate) struct XmlReader<'a> {
    reader: Reader<&'a [u8]>,
    input: &'a str,
    scope: Namespaces<'a>,
    depth: usize,
    root_seen: bool,
    pending_end: Option<usize>,
    events: usize,
}

impl<'a> XmlReader<'a> {
    /// A reader over text returned by [`prepare`].
    pub(crate) fn new(text: &'a str) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_comments = true;
        config.check_end_names = true;
        config.allow_dangling_amp = false;
        config.allow_unmatched_ends = false;
        config.expand_empty_elements = false;
        XmlReader {
            reader,
            input: text,
            scope: Namespaces::default(),
            depth: 0,
            root_seen: false,
            pending_end: None,
            events: 0,
        }
    }

    /// The next node; `None` at the end of a well-formed document.
    pub(crate) fn next_node(&mut self) -> Result<Option<Node<'a>>, XmlDsigError> {
        if let Some(offset) = self.pending_end.take() {
            return Ok(Some(self.close(offset)));
        }
        loop {
            let offset = self.position();
            let event = self.reader.read_event().map_err(|e| XmlDsigError::Malformed {
                offset: usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX),
                reason: e.to_string(),
            })?;
            let first = self.events == 0;
            self.events += 1;
            match self.node(event, offset, first)? {
                Step::Node(node) => return Ok(Some(node)),
                Step::Skip => {}
                Step::Eof => return Ok(None),
            }
        }
    }

    /// The byte offset just after the last node read.
    pub(crate) fn offset(&self) -> usize {
        self.position()
    }

    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    fn node(&mut self, event: Event<'a>, offset: usize, first: bool) -> Result<Step<'a>, XmlDsigError> {
        let malformed = |reason: &str| XmlDsigError::Malformed {
            offset,
            reason: reason.to_owned(),
        };
        let inside = self.depth > 0;
        Ok(match event {
            Event::Decl(decl) if first && offset == 0 => {
                check_declaration(&decl, offset)?;
                Step::Skip
            }
            Event::Decl(_) => return Err(malformed("XML declaration not at the start of the document")),
            Event::DocType(_) => return Err(XmlDsigError::Dtd { offset }),
            Event::Start(start) => Step::Node(Node::Start(self.open(start, offset, false)?)),
            Event::Empty(start) => {
                let element = self.open(start, offset, true)?;
                self.pending_end = Some(offset);
                Step::Node(Node::Start(element))
            }
            Event::End(_) => Step::Node(self.close(offset)),
            Event::Text(text) => {
                let text = borrowed(text.into_inner(), offset)?;
                if !inside {
                    if !text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n')) {
                        return Err(malformed("text outside the document element"));
                    }
                    Step::Skip
                } else if text.contains("]]>") {
                    return Err(malformed("`]]>` in character data"));
                } else {
                    Step::Node(Node::Text(Cow::Borrowed(text)))
                }
            }
            Event::CData(data) if inside => {
                Step::Node(Node::Text(Cow::Borrowed(borrowed(data.into_inner(), offset)?)))
            }
            Event::CData(_) => return Err(malformed("CDATA section outside the document element")),
            Event::GeneralRef(reference) if inside => {
                let name = reference.into_inner();
                let c = resolve_reference(&name, offset)?;
                Step::Node(Node::Text(Cow::Owned(c.to_string())))
            }
            Event::GeneralRef(_) => return Err(malformed("reference outside the document element")),
            Event::Comment(comment) => {
                let comment = borrowed(comment.into_inner(), offset)?;
                if comment.ends_with('-') {
                    return Err(malformed("comment ends with `--->`"));
                }
                Step::Node(Node::Comment(comment))
            }
            Event::PI(pi) => {
                let (target, data) = split_pi(borrowed(pi.into_inner(), offset)?, offset)?;
                Step::Node(Node::Pi { target, data })
            }
            Event::Eof if self.depth > 0 => {
                return Err(malformed("unclosed element at the end of the document"));
            }
            Event::Eof if !self.root_seen => return Err(malformed("no document element")),
            Event::Eof => Step::Eof,
        })
    }

    fn open(
        &mut self,
        start: BytesStart<'a>,
        offset: usize,
        self_closing: bool,
    ) -> Result<Element<'a>, XmlDsigError> {
        if self.depth == 0 && self.root_seen {
            return Err(XmlDsigError::Malformed {
                offset,
                reason: "a second document element".into(),
            });
        }
        if self.depth >= MAX_DEPTH {
            return Err(XmlDsigError::TooDeep {
                offset,
                limit: MAX_DEPTH,
            });
        }
        let tag_end = self.position();
        let name_len = start.name().into_inner().len();
        // The tag's text, borrowed from the input rather than from the event.
        let raw = self
            .input
            .get(offset + 1..offset + 1 + start.len())
            .filter(|raw| *raw == &*start)
            .ok_or_else(|| XmlDsigError::Malformed {
                offset,
                reason: "start tag not found at its offset".into(),
            })?;
        let (prefix, local) =
            split_qname(&raw[..name_len]).ok_or_else(|| bad_name(&raw[..name_len], offset))?;
        let (declarations, attributes) = read_attributes(raw, name_len, offset)?;
        self.scope.push(&declarations);
        self.depth += 1;
        self.root_seen = true;
        let namespace = self.resolve(prefix, offset)?;
        let mut element = Element {
            qname: &raw[..name_len],
            prefix,
            local,
            namespace,
            declarations,
            attributes,
            offset,
            tag_end,
            self_closing,
        };
        for attribute in &mut element.attributes {
            if !attribute.prefix.is_empty() {
                attribute.namespace = self.resolve(attribute.prefix, offset)?;
            }
        }
        check_unique_expanded_names(&element.attributes, offset)?;
        Ok(element)
    }

    fn close(&mut self, offset: usize) -> Node<'a> {
        self.scope.pop();
        self.depth = self.depth.saturating_sub(1);
        Node::End { offset }
    }

    fn resolve(&self, prefix: &'a str, offset: usize) -> Result<Cow<'a, str>, XmlDsigError> {
        match prefix {
            "xml" => Ok(Cow::Borrowed(XML_NAMESPACE)),
            "" => Ok(self.scope.get("").cloned().unwrap_or(Cow::Borrowed(""))),
            _ => self
                .scope
                .get(prefix)
                .cloned()
                .ok_or_else(|| XmlDsigError::UndeclaredPrefix {
                    prefix: prefix.to_owned(),
                    offset,
                }),
        }
    }
}

enum Step<'a> {
    Node(Node<'a>),
    Skip,
    Eof,
}

/// Reading from a `&str` always borrows; an owned buffer would be a quick-xml change.
fn borrowed<'a>(text: Cow<'a, str>, offset: usize) -> Result<&'a str, XmlDsigError> {
    match text {
        Cow::Borrowed(text) => Ok(text),
        Cow::Owned(_) => Err(XmlDsigError::Malformed {
            offset,
            reason: "unexpected owned token".into(),
        }),
    }
}

fn check_declaration(decl: &BytesDecl<'_>, offset: usize) -> Result<(), XmlDsigError> {
    let malformed = |reason: String| XmlDsigError::Malformed { offset, reason };
    let version = decl.version().map_err(|e| malformed(e.to_string()))?;
    if version != "1.0" {
        return Err(malformed(format!(
            "XML version {version} is not supported (only 1.0)"
        )));
    }
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(encoding)) if encoding.eq_ignore_ascii_case("UTF-8") => Ok(()),
        Some(Ok(encoding)) => Err(XmlDsigError::UnsupportedEncoding(encoding.into_owned())),
        Some(Err(e)) => Err(malformed(e.to_string())),
    }
}

type Declarations<'a> = Vec<(&'a str, Cow<'a, str>)>;

/// Splits the attributes of a start tag into namespace declarations and
/// attributes, normalizing values (XML 1.0 §3.3.3).
fn read_attributes<'a>(
    raw: &'a str,
    name_len: usize,
    offset: usize,
) -> Result<(Declarations<'a>, Vec<Attribute<'a>>), XmlDsigError> {
    let mut declarations = Vec::new();
    let mut attributes = Vec::new();
    for (count, attribute) in Attributes::new(raw, name_len).enumerate() {
        if count >= MAX_ATTRIBUTES {
            return Err(XmlDsigError::TooManyAttributes {
                offset,
                limit: MAX_ATTRIBUTES,
            });
        }
        let attribute = attribute.map_err(|e| XmlDsigError::Malformed {
            offset,
            reason: e.to_string(),
        })?;
        let qname = attribute.key.into_inner();
        let (prefix, local) = split_qname(qname).ok_or_else(|| bad_name(qname, offset))?;
        let value = match attribute.value {
            Cow::Borrowed(value) => normalize_attribute(value, offset)?,
            Cow::Owned(value) => Cow::Owned(normalize_attribute(&value, offset)?.into_owned()),
        };
        if qname == "xmlns" {
            check_declaration_uri("", &value, offset)?;
            declarations.push(("", value));
        } else if prefix == "xmlns" {
            check_declaration_uri(local, &value, offset)?;
            declarations.push((local, value));
        } else {
            attributes.push(Attribute {
                qname,
                prefix,
                local,
                namespace: Cow::Borrowed(""),
                value,
            });
        }
    }
    Ok((declarations, attributes))
}

/// Namespaces in XML 1.0 §3 constraints and C14N 1.0 §2.1 (no relative URIs).
fn check_declaration_uri(prefix: &str, uri: &str, offset: usize) -> Result<(), XmlDsigError> {
    if let Some(reason) = declaration_problem(prefix, uri) {
        return Err(XmlDsigError::Malformed {
            offset,
            reason: format!("xmlns:{prefix}=\"{uri}\": {reason}"),
        });
    }
    if !uri.is_empty() && !has_scheme(uri) {
        return Err(XmlDsigError::RelativeNamespaceUri {
            uri: uri.to_owned(),
            offset,
        });
    }
    Ok(())
}

fn check_unique_expanded_names(attributes: &[Attribute<'_>], offset: usize) -> Result<(), XmlDsigError> {
    for (i, a) in attributes.iter().enumerate() {
        if attributes[..i]
            .iter()
            .any(|b| b.local == a.local && b.namespace == a.namespace)
        {
            return Err(XmlDsigError::Malformed {
                offset,
                reason: format!("attribute {} occurs twice (Namespaces in XML 1.0 §6.3)", a.qname),
            });
        }
    }
    Ok(())
}

/// Attribute-value normalization for CDATA attributes (XML 1.0 §3.3.3):
/// references resolved, white space characters replaced by spaces.
fn normalize_attribute(raw: &str, offset: usize) -> Result<Cow<'_, str>, XmlDsigError> {
    if raw.contains('<') {
        return Err(XmlDsigError::Malformed {
            offset,
            reason: "`<` in an attribute value".into(),
        });
    }
    if !raw.contains(['&', '\t', '\n']) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut value = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '\t', '\n']) {
        value.push_str(&rest[..i]);
        if rest.as_bytes()[i] == b'&' {
            let end = rest[i..].find(';').ok_or_else(|| XmlDsigError::Malformed {
                offset,
                reason: "unterminated reference in an attribute value".into(),
            })?;
            value.push(resolve_reference(&rest[i + 1..i + end], offset)?);
            rest = &rest[i + end + 1..];
        } else {
            value.push(' ');
            rest = &rest[i + 1..];
        }
    }
    value.push_str(rest);
    Ok(Cow::Owned(value))
}

/// The character a predefined entity or character reference stands for;
/// every other entity is undefined, since no DTD is read.
fn resolve_reference(name: &str, offset: usize) -> Result<char, XmlDsigError> {
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    };
    if let Some(c) = c {
        return Ok(c);
    }
    let code = if let Some(hex) = name.strip_prefix("#x") {
        digits(hex, 16)
    } else if let Some(decimal) = name.strip_prefix('#') {
        digits(decimal, 10)
    } else {
        return Err(XmlDsigError::UndefinedEntity {
            name: name.to_owned(),
            offset,
        });
    };
    code.and_then(char::from_u32)
        .filter(|&c| is_xml_char(c))
        .ok_or_else(|| XmlDsigError::Malformed {
            offset,
            reason: format!("&{name}; is not a valid character reference"),
        })
}

fn digits(text: &str, radix: u32) -> Option<u32> {
    if text.is_empty() || !text.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(text, radix).ok()
}

/// XML 1.0 `Char`.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Splits `target data` of a processing instruction.
fn split_pi(raw: &str, offset: usize) -> Result<(&str, &str), XmlDsigError> {
    let (target, data) = match raw.find([' ', '\t', '\n']) {
        Some(i) => (&raw[..i], raw[i..].trim_start_matches([' ', '\t', '\n'])),
        None => (raw, ""),
    };
    if !is_ncname(target) || target.eq_ignore_ascii_case("xml") {
        return Err(XmlDsigError::Malformed {
            offset,
            reason: format!("`{target}` is not a processing instruction target"),
        });
    }
    Ok((target, data))
}

fn bad_name(name: &str, offset: usize) -> XmlDsigError {
    XmlDsigError::Malformed {
        offset,
        reason: format!("`{name}` is not a qualified name"),
    }
}

/// `prefix:local` or `local` (Namespaces in XML 1.0 §4).
fn split_qname(name: &str) -> Option<(&str, &str)> {
    match name.split_once(':') {
        None => is_ncname(name).then_some(("", name)),
        Some((prefix, local)) => (is_ncname(prefix) && is_ncname(local)).then_some((prefix, local)),
    }
}

fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c != ':' && is_name_start(c)) && chars.all(|c| c != ':' && is_name_char(c))
}

/// XML 1.0 (fifth edition) `NameStartChar`.
fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 (fifth edition) `NameChar`.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(xml: &str) -> Result<Vec<Node<'_>>, XmlDsigError> {
        let mut reader = XmlReader::new(xml);
        let mut nodes = Vec::new();
        while let Some(node) = reader.next_node()? {
            nodes.push(node);
        }
        Ok(nodes)
    }

    #[test]
    fn attribute_values_are_normalized_per_xml_3_3_3() {
        let nodes = nodes("<a x='1\t2\n3&#10;&amp;&#x9;'/>").unwrap();
        let Node::Start(e) = &nodes[0] else { panic!() };
        assert_eq!(e.attributes[0].value, "1 2 3\n&\t");
    }

    #[test]
    fn undeclared_prefix_is_rejected() {
        assert!(matches!(
            nodes("<p:a/>"),
            Err(XmlDsigError::UndeclaredPrefix { .. })
        ));
        assert!(matches!(
            nodes("<a p:x='1'/>"),
            Err(XmlDsigError::UndeclaredPrefix { .. })
        ));
    }

    #[test]
    fn doctype_is_rejected() {
        assert!(matches!(nodes("<!DOCTYPE a><a/>"), Err(XmlDsigError::Dtd { .. })));
    }

    #[test]
    fn expanded_name_duplicates_are_rejected() {
        let xml = "<a xmlns:p='urn:x' xmlns:q='urn:x' p:b='1' q:b='2'/>";
        assert!(matches!(nodes(xml), Err(XmlDsigError::Malformed { .. })));
    }

    #[test]
    fn invalid_characters_are_rejected_before_parsing() {
        assert!(matches!(
            prepare(b"<a>\x01</a>"),
            Err(XmlDsigError::InvalidCharacter { offset: 3 })
        ));
        assert!(matches!(
            prepare("<a>\u{FFFF}</a>".as_bytes()),
            Err(XmlDsigError::InvalidCharacter { .. })
        ));
        assert!(matches!(
            prepare(b"<a>\xff</a>"),
            Err(XmlDsigError::NotUtf8 { offset: 3 })
        ));
    }
}
