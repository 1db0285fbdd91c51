//! Pull helpers over the one reader, for documents read into Rust types
//! (the `urn:de-mail` documents of TR 01201-3.4 §3.5.3, and later ones):
//! expect an element, expect a simple element's text, take an optional
//! element, skip an element keeping its bytes, expect the end.
//!
//! Comments and processing instructions are skipped wherever they stand;
//! white space between elements is skipped, other text in element-only
//! content is an error. Attributes in a namespace other than the
//! document's (`xsi:schemaLocation`, foreign ones) are ignored, unqualified
//! ones are refused: the schema of §3.5.3 defines none (D84).

use std::ops::Range;

use super::reader::{Element, Node, XmlReader};
use super::{DE_MAIL_NS, XmlError, XmlLimits, XmlWarning, read_date_time};
use crate::fields::DateTime;

/// One structural item: an element start, an end, text, or the end of input.
#[derive(Debug)]
pub(crate) enum Item<'a> {
    Start(Element<'a>),
    End { end: usize },
    Text { text: String, offset: usize },
    Eof { offset: usize },
}

/// A document read element by element.
pub(crate) struct Document<'a> {
    reader: XmlReader<'a>,
    peeked: Option<Item<'a>>,
    /// What was accepted but is reported.
    pub(crate) warnings: Vec<XmlWarning>,
}

impl<'a> Document<'a> {
    /// A document over text returned by [`super::reader::decode`].
    pub(crate) fn new(text: &'a str, limits: XmlLimits) -> Self {
        Document {
            reader: XmlReader::new(text, limits),
            peeked: None,
            warnings: Vec::new(),
        }
    }

    /// The limits in force.
    pub(crate) fn limits(&self) -> &XmlLimits {
        self.reader.limits()
    }

    /// Resolves a QName-valued attribute value such as `xsi:type` (XML
    /// Schema Part 1 §3.14.4 (2.2), Namespaces in XML 1.0 §6) against the
    /// namespaces in scope of the element whose start was just read:
    /// `(namespace, local name)`, the default namespace applying to an
    /// unprefixed name (empty when there is none); `None` when the value is
    /// not a QName or its prefix is not declared.
    pub(crate) fn resolve_qname<'q>(&self, qname: &'q str) -> Option<(String, &'q str)> {
        let (prefix, local) = super::names::split_qname(qname)?;
        match self.reader.namespace_of(prefix) {
            Some(namespace) => Some((namespace.to_owned(), local)),
            None if prefix.is_empty() => Some((String::new(), local)),
            None => None,
        }
    }

    /// The next item, text merged, comments and processing instructions skipped.
    fn next(&mut self) -> Result<Item<'a>, XmlError> {
        if let Some(item) = self.peeked.take() {
            return Ok(item);
        }
        let mut text: Option<(String, usize)> = None;
        loop {
            let offset = self.reader.offset();
            let node = self.reader.next_node()?;
            let item = match node {
                Some(Node::Text(part)) => {
                    text.get_or_insert_with(|| (String::new(), offset))
                        .0
                        .push_str(&part);
                    continue;
                }
                Some(Node::Comment(_) | Node::Pi { .. }) => continue,
                Some(Node::Start(element)) => Item::Start(element),
                Some(Node::End { .. }) => Item::End {
                    end: self.reader.offset(),
                },
                None => Item::Eof {
                    offset: self.reader.offset(),
                },
            };
            return Ok(match text {
                Some((text, offset)) => {
                    self.peeked = Some(item);
                    Item::Text { text, offset }
                }
                None => item,
            });
        }
    }

    /// The next item that is not white-space text; other text is an error
    /// (element-only content).
    pub(crate) fn next_structural(&mut self) -> Result<Item<'a>, XmlError> {
        loop {
            match self.next()? {
                Item::Text { text, offset } => {
                    if !text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
                        return Err(XmlError::UnexpectedText {
                            element: self.reader.current(),
                            offset,
                        });
                    }
                }
                item => return Ok(item),
            }
        }
    }

    /// Puts an item back, to be returned by the next call.
    fn unread(&mut self, item: Item<'a>) {
        self.peeked = Some(item);
    }

    /// The document element, which must be `urn:de-mail`'s `local`; returns
    /// its namespace declarations other than the default one.
    pub(crate) fn root(&mut self, local: &'static str) -> Result<Vec<(String, String)>, XmlError> {
        let element = self.expect_start("document", local)?;
        Ok(element
            .declarations
            .iter()
            // The default namespace is always written as urn:de-mail.
            .filter(|(prefix, _)| !prefix.is_empty())
            .map(|(prefix, uri)| ((*prefix).to_owned(), uri.clone().into_owned()))
            .collect())
    }

    /// The start of `urn:de-mail`'s `local` as the next child of `parent`.
    pub(crate) fn expect_start(
        &mut self,
        parent: &str,
        local: &'static str,
    ) -> Result<Element<'a>, XmlError> {
        let element = self.expect_element(parent, DE_MAIL_NS, local)?;
        check_attributes(&element)?;
        Ok(element)
    }

    /// The start of `{namespace}local` as the next child of `parent`; its
    /// attributes are left to the caller.
    pub(crate) fn expect_element(
        &mut self,
        parent: &str,
        namespace: &str,
        local: &'static str,
    ) -> Result<Element<'a>, XmlError> {
        match self.next_structural()? {
            Item::Start(element) if element.is(namespace, local) => Ok(element),
            Item::Start(element) => Err(unexpected(&element, parent, local)),
            Item::End { end: offset } | Item::Eof { offset } | Item::Text { offset, .. } => {
                Err(XmlError::MissingElement {
                    missing: local,
                    parent: parent.to_owned(),
                    offset,
                })
            }
        }
    }

    /// The start of `urn:de-mail`'s `local` if it is the next child, else
    /// nothing is consumed.
    pub(crate) fn optional_start(&mut self, local: &'static str) -> Result<Option<Element<'a>>, XmlError> {
        self.optional(DE_MAIL_NS, local)
    }

    /// The start of `{namespace}local` if it is the next child, else
    /// nothing is consumed.
    pub(crate) fn optional(&mut self, namespace: &str, local: &str) -> Result<Option<Element<'a>>, XmlError> {
        match self.next_structural()? {
            Item::Start(element) if element.is(namespace, local) => Ok(Some(element)),
            item => {
                self.unread(item);
                Ok(None)
            }
        }
    }

    /// The text of a simple element whose start was just read, refusing
    /// child elements.
    pub(crate) fn text_content(&mut self, element: &Element<'_>) -> Result<String, XmlError> {
        let mut out = String::new();
        loop {
            match self.next()? {
                Item::Text { text, .. } => out = text,
                Item::End { .. } => return Ok(out),
                Item::Start(child) => return Err(unexpected(&child, element.local, "text only")),
                Item::Eof { offset } => return Err(end_of_input(element.local, offset)),
            }
        }
    }

    /// A required simple element of `urn:de-mail`: its text and offset.
    pub(crate) fn expect_text(
        &mut self,
        parent: &str,
        local: &'static str,
    ) -> Result<(String, usize), XmlError> {
        let element = self.expect_start(parent, local)?;
        Ok((self.text_content(&element)?, element.offset))
    }

    /// A required `xs:dateTime` element of `urn:de-mail`; a value without
    /// time zone is read as UTC and warned about (D85).
    pub(crate) fn expect_date_time(
        &mut self,
        parent: &str,
        local: &'static str,
    ) -> Result<DateTime, XmlError> {
        let (text, offset) = self.expect_text(parent, local)?;
        self.date_time(local, &text, offset)
    }

    /// An optional `xs:dateTime` element of `urn:de-mail`.
    pub(crate) fn optional_date_time(&mut self, local: &'static str) -> Result<Option<DateTime>, XmlError> {
        let Some(element) = self.optional_start(local)? else {
            return Ok(None);
        };
        check_attributes(&element)?;
        let text = self.text_content(&element)?;
        self.date_time(local, &text, element.offset).map(Some)
    }

    fn date_time(&mut self, element: &'static str, text: &str, offset: usize) -> Result<DateTime, XmlError> {
        let (time, zoned) = read_date_time(element, text, offset)?;
        if !zoned {
            self.warnings.push(XmlWarning::DateTimeWithoutTimeZone {
                element,
                value: text.chars().take(64).collect(),
                offset,
            });
        }
        Ok(time)
    }

    /// Skips the content of an element whose start was just read, checking
    /// it like everything else, and returns the byte range of the whole
    /// element in the decoded text; at most `count_limit` elements inside.
    pub(crate) fn skip_element(
        &mut self,
        start: &Element<'_>,
        count_limit: usize,
        counted: &'static str,
    ) -> Result<Range<usize>, XmlError> {
        let mut depth = 1usize;
        let mut count = 1usize;
        loop {
            match self.next()? {
                Item::Start(element) => {
                    count += 1;
                    if count > count_limit {
                        return Err(XmlError::TooManyElements {
                            element: counted,
                            limit: count_limit,
                            offset: element.offset,
                        });
                    }
                    depth += 1;
                }
                Item::End { end } => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(start.offset..end);
                    }
                }
                Item::Text { .. } => {}
                Item::Eof { offset } => return Err(end_of_input(start.local, offset)),
            }
        }
    }

    /// The text of `range` as read (decoded, LF-normalized).
    pub(crate) fn slice(&self, range: Range<usize>) -> &'a str {
        self.reader.input().get(range).unwrap_or("")
    }

    /// The end tag of `element`, whose children have all been read;
    /// `expected` names what was allowed instead in the error.
    pub(crate) fn expect_end(&mut self, element: &str, expected: &'static str) -> Result<(), XmlError> {
        match self.next_structural()? {
            Item::End { .. } => Ok(()),
            Item::Start(child) => Err(unexpected(&child, element, expected)),
            Item::Eof { offset } | Item::Text { offset, .. } => Err(end_of_input(element, offset)),
        }
    }

    /// Whether the next item ends the current element (nothing consumed).
    pub(crate) fn at_end(&mut self) -> Result<bool, XmlError> {
        let item = self.next_structural()?;
        let end = matches!(item, Item::End { .. });
        self.unread(item);
        Ok(end)
    }

    /// Checks that nothing but white space, comments and processing
    /// instructions follows the document element.
    pub(crate) fn finish(&mut self) -> Result<(), XmlError> {
        match self.next_structural()? {
            Item::Eof { .. } => Ok(()),
            Item::Start(element) => Err(XmlError::TrailingContent {
                offset: element.offset,
            }),
            Item::End { end: offset } | Item::Text { offset, .. } => {
                Err(XmlError::TrailingContent { offset })
            }
        }
    }
}

/// Refuses attributes the schema does not define: unqualified ones and
/// ones in `urn:de-mail`; `xsi:` and other foreign attributes are ignored
/// (D84).
fn check_attributes(element: &Element<'_>) -> Result<(), XmlError> {
    match element
        .attributes
        .iter()
        .find(|a| a.namespace.is_empty() || a.namespace == DE_MAIL_NS)
    {
        Some(attribute) => Err(XmlError::UnexpectedAttribute {
            element: element.local.to_owned(),
            attribute: attribute.qname.to_owned(),
            offset: element.offset,
        }),
        None => Ok(()),
    }
}

/// The element's name for messages: the local name in `urn:de-mail`,
/// `{namespace}local` otherwise.
fn display_name(element: &Element<'_>) -> String {
    if element.namespace == DE_MAIL_NS {
        element.local.to_owned()
    } else {
        format!("{{{}}}{}", element.namespace, element.local)
    }
}

pub(crate) fn unexpected(element: &Element<'_>, parent: &str, expected: &'static str) -> XmlError {
    XmlError::UnexpectedElement {
        found: display_name(element),
        parent: parent.to_owned(),
        expected,
        offset: element.offset,
    }
}

pub(crate) fn end_of_input(element: &str, offset: usize) -> XmlError {
    XmlError::Syntax {
        element: element.to_owned(),
        offset,
        message: "unexpected end of input".into(),
    }
}
