//! The one XML 1.0 tokenizer of the crate: strict, namespace-aware and
//! streaming, on top of quick-xml's tokenizer.
//!
//! It yields the nodes Canonical XML works on ([`Node`]): elements with
//! their namespace declarations and attributes already normalized (XML 1.0
//! §3.3.3), text with references resolved, comments and processing
//! instructions. It refuses what neither a signature verifier nor a
//! document reader may process: a DTD (`<!DOCTYPE`, hence entity
//! declarations), undefined entities, undeclared prefixes, names outside
//! the XML 1.0 name rules, relative namespace URIs (C14N 1.0 §2.1), and
//! documents beyond their [`XmlLimits`]. The input is first decoded to UTF-8
//! with its line ends normalized ([`decode`], XML 1.0 §2.11, §4.3.3), so
//! byte offsets in errors refer to that text.

use std::borrow::Cow;
use std::collections::HashMap;

use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesDecl, BytesStart, Event};
use quick_xml::reader::Reader;

pub(crate) use super::encoding::{declare_utf8, decode};
use super::names::{declaration_problem, has_scheme, is_ncname, split_qname};
use super::{XML_NAMESPACE, XmlError, XmlLimits, is_xml_char};

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

    /// Whether the element has this namespace and local name.
    pub(crate) fn is(&self, namespace: &str, local: &str) -> bool {
        self.namespace == namespace && self.local == local
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

/// Pulls [`Node`]s out of a decoded document.
pub(crate) struct XmlReader<'a> {
    reader: Reader<&'a [u8]>,
    input: &'a str,
    limits: XmlLimits,
    scope: Namespaces<'a>,
    /// The qualified names of the open elements, innermost last.
    open: Vec<&'a str>,
    root_seen: bool,
    pending_end: Option<usize>,
    events: usize,
    /// Bytes of character data since the last markup (for `max_text`).
    text_len: usize,
}

impl<'a> XmlReader<'a> {
    /// A reader over text returned by [`decode`].
    pub(crate) fn new(text: &'a str, limits: XmlLimits) -> Self {
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
            limits,
            scope: Namespaces::default(),
            open: Vec::new(),
            root_seen: false,
            pending_end: None,
            events: 0,
            text_len: 0,
        }
    }

    /// The decoded text being read.
    #[cfg(feature = "provider")]
    pub(crate) fn input(&self) -> &'a str {
        self.input
    }

    /// The limits in force.
    #[cfg(feature = "provider")]
    pub(crate) fn limits(&self) -> &XmlLimits {
        &self.limits
    }

    /// The namespace URI bound to `prefix` ("" for the default namespace)
    /// in the scope of the element whose start was read last.
    #[cfg(feature = "provider")]
    pub(crate) fn namespace_of(&self, prefix: &str) -> Option<&str> {
        self.scope.get(prefix).map(|uri| uri.as_ref())
    }

    /// The qualified name of the innermost open element, `document` at the top.
    pub(crate) fn current(&self) -> String {
        self.open.last().copied().unwrap_or("document").to_owned()
    }

    /// A syntax error at `offset` in the current element.
    pub(crate) fn syntax(&self, offset: usize, message: impl Into<String>) -> XmlError {
        XmlError::Syntax {
            element: self.current(),
            offset,
            message: message.into(),
        }
    }

    /// quick-xml's refusal at `offset` in the current element.
    fn parser(&self, offset: usize, error: impl Into<quick_xml::Error>) -> XmlError {
        XmlError::Parser {
            element: self.current(),
            offset,
            source: super::ParserError::from(error.into()),
        }
    }

    /// The next node; `None` at the end of a well-formed document.
    pub(crate) fn next_node(&mut self) -> Result<Option<Node<'a>>, XmlError> {
        if let Some(offset) = self.pending_end.take() {
            return Ok(Some(self.close(offset)));
        }
        loop {
            let offset = self.position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let at = usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
                    return Err(self.parser(at, e));
                }
            };
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

    fn node(&mut self, event: Event<'a>, offset: usize, first: bool) -> Result<Step<'a>, XmlError> {
        let inside = !self.open.is_empty();
        if !matches!(event, Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) {
            self.text_len = 0;
        }
        Ok(match event {
            Event::Decl(decl) if first && offset == 0 => {
                self.check_declaration(&decl, offset)?;
                Step::Skip
            }
            Event::Decl(_) => {
                return Err(self.syntax(offset, "XML declaration not at the start of the document"));
            }
            Event::DocType(_) => return Err(XmlError::Doctype { offset }),
            Event::Start(start) => Step::Node(Node::Start(self.open(start, offset, false)?)),
            Event::Empty(start) => {
                let element = self.open(start, offset, true)?;
                self.pending_end = Some(offset);
                Step::Node(Node::Start(element))
            }
            Event::End(_) => Step::Node(self.close(offset)),
            Event::Text(text) => {
                let text = self.borrowed(text.into_inner(), offset)?;
                if !inside {
                    if !text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n')) {
                        return Err(if self.root_seen {
                            XmlError::TrailingContent { offset }
                        } else {
                            self.syntax(offset, "text outside the document element")
                        });
                    }
                    Step::Skip
                } else if contains_cdata_end(text) {
                    return Err(self.syntax(offset, "`]]>` in character data"));
                } else {
                    self.count_text(text.len(), offset)?;
                    Step::Node(Node::Text(Cow::Borrowed(text)))
                }
            }
            Event::CData(data) if inside => {
                let data = self.borrowed(data.into_inner(), offset)?;
                self.count_text(data.len(), offset)?;
                Step::Node(Node::Text(Cow::Borrowed(data)))
            }
            Event::CData(_) => return Err(self.syntax(offset, "CDATA section outside the document element")),
            Event::GeneralRef(reference) if inside => {
                let name = reference.into_inner();
                let c = self.resolve_reference(&name, offset)?;
                self.count_text(c.len_utf8(), offset)?;
                Step::Node(Node::Text(Cow::Owned(c.to_string())))
            }
            Event::GeneralRef(_) => return Err(self.syntax(offset, "reference outside the document element")),
            Event::Comment(comment) => {
                let comment = self.borrowed(comment.into_inner(), offset)?;
                if comment.ends_with('-') {
                    return Err(self.syntax(offset, "comment ends with `--->`"));
                }
                Step::Node(Node::Comment(comment))
            }
            Event::PI(pi) => {
                let raw = self.borrowed(pi.into_inner(), offset)?;
                let (target, data) = self.split_pi(raw, offset)?;
                Step::Node(Node::Pi { target, data })
            }
            Event::Eof if inside => {
                return Err(self.syntax(offset, "unclosed element at the end of the document"));
            }
            Event::Eof if !self.root_seen => return Err(self.syntax(offset, "no document element")),
            Event::Eof => Step::Eof,
        })
    }

    fn count_text(&mut self, len: usize, offset: usize) -> Result<(), XmlError> {
        self.text_len = self.text_len.saturating_add(len);
        if self.text_len > self.limits.max_text {
            return Err(XmlError::TextTooLong {
                element: self.current(),
                limit: self.limits.max_text,
                offset,
            });
        }
        Ok(())
    }

    fn open(
        &mut self,
        start: BytesStart<'a>,
        offset: usize,
        self_closing: bool,
    ) -> Result<Element<'a>, XmlError> {
        if self.open.is_empty() && self.root_seen {
            return Err(XmlError::TrailingContent { offset });
        }
        if self.open.len() >= self.limits.max_depth {
            return Err(XmlError::TooDeep {
                limit: self.limits.max_depth,
                offset,
            });
        }
        let tag_end = self.position();
        let name_len = start.name().into_inner().len();
        // The tag's text, borrowed from the input rather than from the event.
        let raw = self
            .input
            .get(offset + 1..offset + 1 + start.len())
            .filter(|raw| *raw == &*start)
            .ok_or_else(|| self.syntax(offset, "start tag not found at its offset"))?;
        let qname = &raw[..name_len];
        let (prefix, local) = split_qname(qname).ok_or_else(|| self.bad_name(qname, offset))?;
        let (declarations, attributes) = self.read_attributes(raw, name_len, qname, offset)?;
        self.scope.push(&declarations);
        self.open.push(qname);
        self.root_seen = true;
        let namespace = self.resolve(prefix, offset)?;
        let mut element = Element {
            qname,
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
        self.check_unique_expanded_names(&element.attributes, offset)?;
        Ok(element)
    }

    fn close(&mut self, offset: usize) -> Node<'a> {
        self.scope.pop();
        self.open.pop();
        Node::End { offset }
    }

    fn resolve(&self, prefix: &'a str, offset: usize) -> Result<Cow<'a, str>, XmlError> {
        match prefix {
            "xml" => Ok(Cow::Borrowed(XML_NAMESPACE)),
            "" => Ok(self.scope.get("").cloned().unwrap_or(Cow::Borrowed(""))),
            _ => self
                .scope
                .get(prefix)
                .cloned()
                .ok_or_else(|| XmlError::UndeclaredPrefix {
                    prefix: prefix.to_owned(),
                    element: self.current(),
                    offset,
                }),
        }
    }

    /// Reading from a `&str` always borrows; an owned buffer would be a quick-xml change.
    fn borrowed(&self, text: Cow<'a, str>, offset: usize) -> Result<&'a str, XmlError> {
        match text {
            Cow::Borrowed(text) => Ok(text),
            Cow::Owned(_) => Err(self.syntax(offset, "unexpected owned token")),
        }
    }

    /// XML 1.0 §2.8: version 1.0 only. The encoding label was checked
    /// against the bytes when the document was decoded.
    fn check_declaration(&self, decl: &BytesDecl<'_>, offset: usize) -> Result<(), XmlError> {
        let version = decl.version().map_err(|e| self.parser(offset, e))?;
        if version != "1.0" {
            return Err(self.syntax(
                offset,
                format!("XML version {version} is not supported (only 1.0)"),
            ));
        }
        match decl.encoding() {
            Some(Err(e)) => Err(self.parser(offset, e)),
            _ => Ok(()),
        }
    }

    /// Splits the attributes of a start tag into namespace declarations and
    /// attributes, normalizing values (XML 1.0 §3.3.3).
    fn read_attributes(
        &self,
        raw: &'a str,
        name_len: usize,
        element: &str,
        offset: usize,
    ) -> Result<(Declarations<'a>, Vec<Attribute<'a>>), XmlError> {
        let mut declarations = Vec::new();
        let mut attributes = Vec::new();
        for (count, attribute) in Attributes::new(raw, name_len).enumerate() {
            if count >= self.limits.max_attributes {
                return Err(XmlError::TooManyAttributes {
                    element: element.to_owned(),
                    limit: self.limits.max_attributes,
                    offset,
                });
            }
            let attribute = attribute.map_err(|e| self.parser(offset, e))?;
            let qname = attribute.key.into_inner();
            let (prefix, local) = split_qname(qname).ok_or_else(|| self.bad_name(qname, offset))?;
            let value = match attribute.value {
                Cow::Borrowed(value) => self.normalize_attribute(value, offset)?,
                Cow::Owned(value) => Cow::Owned(self.normalize_attribute(&value, offset)?.into_owned()),
            };
            if qname == "xmlns" {
                check_declaration_uri("", &value, element, offset)?;
                declarations.push(("", value));
            } else if prefix == "xmlns" {
                check_declaration_uri(local, &value, element, offset)?;
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

    fn check_unique_expanded_names(
        &self,
        attributes: &[Attribute<'_>],
        offset: usize,
    ) -> Result<(), XmlError> {
        for (i, a) in attributes.iter().enumerate() {
            if attributes[..i]
                .iter()
                .any(|b| b.local == a.local && b.namespace == a.namespace)
            {
                return Err(self.syntax(
                    offset,
                    format!("attribute {} occurs twice (Namespaces in XML 1.0 §6.3)", a.qname),
                ));
            }
        }
        Ok(())
    }

    /// Attribute-value normalization for CDATA attributes (XML 1.0 §3.3.3):
    /// references resolved, white space characters replaced by spaces.
    fn normalize_attribute<'v>(&self, raw: &'v str, offset: usize) -> Result<Cow<'v, str>, XmlError> {
        if raw.contains('<') {
            return Err(self.syntax(offset, "`<` in an attribute value"));
        }
        if !raw.contains(['&', '\t', '\n']) {
            return Ok(Cow::Borrowed(raw));
        }
        let mut value = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find(['&', '\t', '\n']) {
            value.push_str(&rest[..i]);
            if rest.as_bytes()[i] == b'&' {
                let end = rest[i..]
                    .find(';')
                    .ok_or_else(|| self.syntax(offset, "unterminated reference in an attribute value"))?;
                value.push(self.resolve_reference(&rest[i + 1..i + end], offset)?);
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
    fn resolve_reference(&self, name: &str, offset: usize) -> Result<char, XmlError> {
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
            return Err(XmlError::Entity {
                name: name.to_owned(),
                element: self.current(),
                offset,
            });
        };
        let code =
            code.ok_or_else(|| self.syntax(offset, format!("invalid character reference &{name};")))?;
        char::from_u32(code)
            .filter(|&c| is_xml_char(c))
            .ok_or_else(|| XmlError::InvalidCharacter {
                code,
                element: self.current(),
                offset,
            })
    }

    /// Splits `target data` of a processing instruction.
    fn split_pi(&self, raw: &'a str, offset: usize) -> Result<(&'a str, &'a str), XmlError> {
        let (target, data) = match raw.find([' ', '\t', '\n']) {
            Some(i) => (&raw[..i], raw[i..].trim_start_matches([' ', '\t', '\n'])),
            None => (raw, ""),
        };
        if !is_ncname(target) || target.eq_ignore_ascii_case("xml") {
            return Err(self.syntax(
                offset,
                format!("`{target}` is not a processing instruction target"),
            ));
        }
        Ok((target, data))
    }

    fn bad_name(&self, name: &str, offset: usize) -> XmlError {
        self.syntax(offset, format!("`{name}` is not a qualified name (XML 1.0 §2.3)"))
    }
}

enum Step<'a> {
    Node(Node<'a>),
    Skip,
    Eof,
}

type Declarations<'a> = Vec<(&'a str, Cow<'a, str>)>;

/// Namespaces in XML 1.0 §3 constraints and C14N 1.0 §2.1 (no relative URIs).
fn check_declaration_uri(prefix: &str, uri: &str, element: &str, offset: usize) -> Result<(), XmlError> {
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

fn digits(text: &str, radix: u32) -> Option<u32> {
    if text.is_empty() || !text.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(text, radix).ok()
}

/// Whether character data holds `]]>` (XML 1.0 §2.4 forbids it there):
/// one `memchr` pass over the `]`s, cheaper than a substring search on the
/// short texts of a document.
fn contains_cdata_end(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b']', bytes).any(|at| bytes[at..].starts_with(b"]]>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(xml: &str) -> Result<Vec<Node<'_>>, XmlError> {
        let mut reader = XmlReader::new(xml, XmlLimits::default());
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
        assert!(matches!(nodes("<p:a/>"), Err(XmlError::UndeclaredPrefix { .. })));
        assert!(matches!(
            nodes("<a p:x='1'/>"),
            Err(XmlError::UndeclaredPrefix { .. })
        ));
    }

    // XML 1.0 §2.4: `]]>` must not appear in character data; `]]` and `] ]>` may.
    #[test]
    fn cdata_end_in_character_data_is_rejected_per_xml_2_4() {
        assert!(matches!(nodes("<a>x]]>y</a>"), Err(XmlError::Syntax { .. })));
        assert!(nodes("<a>x]] ]>y]]</a>").is_ok());
    }

    proptest::proptest! {
        #[test]
        fn cdata_end_search_matches_a_substring_search(text in "[\\]>a]{0,12}") {
            proptest::prop_assert_eq!(contains_cdata_end(&text), text.contains("]]>"));
        }
    }

    #[test]
    fn doctype_is_rejected() {
        assert!(matches!(nodes("<!DOCTYPE a><a/>"), Err(XmlError::Doctype { .. })));
    }

    #[test]
    fn expanded_name_duplicates_are_rejected() {
        let xml = "<a xmlns:p='urn:x' xmlns:q='urn:x' p:b='1' q:b='2'/>";
        assert!(matches!(nodes(xml), Err(XmlError::Syntax { .. })));
    }

    // XML 1.0 §2.1 (well-formed): what the tokenizer refuses keeps quick-xml's
    // error as a typed source, not its text (issue 15 §2).
    #[test]
    fn tokenizer_errors_keep_quick_xml_error_as_source() {
        use std::error::Error as _;
        let error = nodes("<a><b></a>").unwrap_err();
        let XmlError::Parser { element, source, .. } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(element, "b");
        assert!(
            matches!(source.get(), quick_xml::Error::IllFormed(_)),
            "{source:?}"
        );
        assert!(error.source().is_some());
        let attribute = nodes("<a x='1' x='2'/>").unwrap_err();
        assert!(
            matches!(&attribute, XmlError::Parser { source, .. } if matches!(source.get(), quick_xml::Error::InvalidAttr(_))),
            "{attribute:?}"
        );
    }

    // XML 1.0 §2.6: processing instructions are nodes; `xml` is reserved.
    #[test]
    fn processing_instructions_are_nodes_and_xml_target_is_reserved() {
        let read = nodes("<?xml-stylesheet href='a.xsl'?><a/>").unwrap();
        assert!(matches!(
            read[0],
            Node::Pi {
                target: "xml-stylesheet",
                ..
            }
        ));
        assert!(matches!(nodes("<a><?XML x?></a>"), Err(XmlError::Syntax { .. })));
    }

    #[test]
    fn text_longer_than_max_text_is_refused_across_references() {
        let limits = XmlLimits {
            max_text: 4,
            ..XmlLimits::default()
        };
        let mut reader = XmlReader::new("<a>ab&amp;cd</a>", limits);
        let mut result = Ok(None);
        for _ in 0..6 {
            result = reader.next_node();
            if result.is_err() {
                break;
            }
        }
        assert!(matches!(result, Err(XmlError::TextTooLong { limit: 4, .. })));
    }
}
