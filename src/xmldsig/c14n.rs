//! Canonical XML 1.0 (W3C REC xml-c14n-20010315) and Exclusive XML
//! Canonicalization 1.0 (W3C REC xml-exc-c14n-20020718), written from the
//! node stream of the one XML reader ([`crate::xml`]) into one output buffer.
//!
//! The writer keeps two namespace stacks: the bindings in scope (from the
//! whole document, ancestors of a subtree included) and the bindings already
//! rendered by output ancestors. A declaration is written when the binding
//! it would render differs from the rendered one (C14N §2.3 and §4.7,
//! Exc-C14N §3). An element can be excluded with its subtree (the enveloped
//! signature transform), and output can be restricted to one element's
//! subtree (a document subset with that element as apex), in which case
//! inclusive C14N copies the `xml:*` attributes of the omitted ancestors
//! onto the apex (C14N §2.4).

use std::borrow::Cow;

use super::{Canonicalization, XmlDsigError};
use crate::xml::XML_NAMESPACE;
use crate::xml::XmlLimits;
use crate::xml::reader::{Element, Namespaces, Node, XmlReader, decode};

/// The largest canonical form written, in bytes. Escaping makes C14N
/// output longer than its input (`>` becomes `&gt;`, `<a/>` becomes
/// `<a></a>`), and Exclusive C14N redeclares a visibly used namespace on
/// every output element whose output parent did not declare it, so one long
/// namespace URI used by many siblings grows quadratically; this bound keeps
/// memory at a small multiple of [`super::MAX_DOCUMENT_BYTES`].
pub const MAX_CANONICAL_BYTES: usize = 2 * super::MAX_DOCUMENT_BYTES;

/// Which part of the document is written.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Selection {
    /// Only this element (by ordinal of its start tag in document order,
    /// 0 = the document element) and its subtree; `None`: the whole document.
    pub(crate) apex: Option<usize>,
    /// Leave out this element and its subtree.
    pub(crate) excluded: Option<usize>,
    /// Drop comments even for a `WithComments` method (same-document
    /// references, XML-DSig §4.4.3.3).
    pub(crate) no_comments: bool,
}

/// The canonicalizer state.
pub(crate) struct Writer<'a, 'm> {
    exclusive: bool,
    with_comments: bool,
    inclusive_prefixes: Vec<&'m str>,
    selection: Selection,
    out: Output,
    ordinal: usize,
    depth: usize,
    /// Depth of the apex while inside the output region.
    region: Option<usize>,
    /// Depth of the excluded element while inside it.
    skip: Option<usize>,
    root_done: bool,
    scope: Namespaces<'a>,
    rendered: Namespaces<'a>,
    open: Vec<&'a str>,
    /// `xml:*` attributes of elements outside the region, with their depth.
    xml_attributes: Vec<(usize, &'a str, &'a str, Cow<'a, str>)>,
}

impl<'a, 'm> Writer<'a, 'm> {
    pub(crate) fn new(method: &'m Canonicalization, selection: Selection) -> Self {
        Writer {
            exclusive: method.is_exclusive(),
            with_comments: method.with_comments() && !selection.no_comments,
            inclusive_prefixes: method
                .inclusive_prefixes()
                .iter()
                .map(|p| if p == "#default" { "" } else { p.as_str() })
                .collect(),
            selection,
            out: Output::default(),
            ordinal: 0,
            depth: 0,
            region: None,
            skip: None,
            root_done: false,
            scope: Namespaces::default(),
            rendered: Namespaces::default(),
            open: Vec::new(),
            xml_attributes: Vec::new(),
        }
    }

    /// Reserves output space (at most [`MAX_CANONICAL_BYTES`]).
    pub(crate) fn reserve(&mut self, bytes: usize) {
        self.out.bytes.reserve(bytes.min(MAX_CANONICAL_BYTES));
    }

    /// The canonical form.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.out.bytes
    }

    /// Whether the apex was found and written completely.
    pub(crate) fn apex_written(&self) -> bool {
        self.root_done
    }

    /// Whether the apex has been written completely (nothing more to do).
    pub(crate) fn done(&self) -> bool {
        self.selection.apex.is_some() && self.root_done
    }

    /// Feeds the next node, which ends at byte `end` (for the error).
    ///
    /// # Errors
    /// [`XmlDsigError::CanonicalTooLarge`] when the output would exceed
    /// [`MAX_CANONICAL_BYTES`]; nothing more is written after that.
    pub(crate) fn node(&mut self, node: &Node<'a>, end: usize) -> Result<(), XmlDsigError> {
        if !self.out.overflow {
            self.write_node(node);
        }
        if self.out.overflow {
            return Err(XmlDsigError::CanonicalTooLarge {
                offset: end,
                limit: MAX_CANONICAL_BYTES,
            });
        }
        Ok(())
    }

    fn write_node(&mut self, node: &Node<'a>) {
        match node {
            Node::Start(element) => self.start(element),
            Node::End { .. } => self.end(),
            Node::Text(text) if self.emitting() => escape_text(text, &mut self.out),
            Node::Text(_) => {}
            Node::Comment(comment) if self.with_comments => {
                self.misc(|out| {
                    out.extend_from_slice(b"<!--");
                    out.extend_from_slice(comment.as_bytes());
                    out.extend_from_slice(b"-->");
                });
            }
            Node::Comment(_) => {}
            Node::Pi { target, data } => self.misc(|out| {
                out.extend_from_slice(b"<?");
                out.extend_from_slice(target.as_bytes());
                if !data.is_empty() {
                    out.push(b' ');
                    out.extend_from_slice(data.as_bytes());
                }
                out.extend_from_slice(b"?>");
            }),
        }
    }

    fn emitting(&self) -> bool {
        self.region.is_some() && self.skip.is_none()
    }

    /// A comment or PI: inside the region as is; outside the document
    /// element (whole-document mode only) with the line breaks of C14N §2.1.
    fn misc(&mut self, write: impl FnOnce(&mut Output)) {
        if self.emitting() {
            write(&mut self.out);
        } else if self.depth == 0 && self.selection.apex.is_none() {
            if self.root_done {
                self.out.push(b'\n');
                write(&mut self.out);
            } else {
                write(&mut self.out);
                self.out.push(b'\n');
            }
        }
    }

    fn start(&mut self, element: &Element<'a>) {
        let ordinal = self.ordinal;
        self.ordinal += 1;
        self.depth += 1;
        self.scope.push(&element.declarations);
        if self.skip.is_some() {
            return;
        }
        if self.selection.excluded == Some(ordinal) {
            self.skip = Some(self.depth);
            return;
        }
        let is_apex = match self.selection.apex {
            None => self.depth == 1,
            Some(apex) => apex == ordinal,
        };
        if self.region.is_none() {
            if !is_apex {
                self.remember_xml_attributes(element);
                return;
            }
            self.region = Some(self.depth);
        }
        let declarations = self.declarations_to_render(element, is_apex);
        let mut attributes: Vec<(&str, &str, &str, &str)> = element
            .attributes
            .iter()
            .map(|a| (a.namespace.as_ref(), a.local, a.qname, a.value.as_ref()))
            .collect();
        if is_apex && !self.exclusive {
            inherit_xml_attributes(&self.xml_attributes, &mut attributes);
        }
        attributes.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        write_start_tag(&mut self.out, element.qname, &declarations, &attributes);
        self.rendered.push(&declarations);
        self.open.push(element.qname);
    }

    fn end(&mut self) {
        let depth = self.depth;
        self.depth = depth.saturating_sub(1);
        self.scope.pop();
        if let Some(skip) = self.skip {
            if skip == depth {
                self.skip = None;
            }
            return;
        }
        match self.region {
            Some(region) => {
                if let Some(qname) = self.open.pop() {
                    self.out.extend_from_slice(b"</");
                    self.out.extend_from_slice(qname.as_bytes());
                    self.out.push(b'>');
                }
                self.rendered.pop();
                if region == depth {
                    self.region = None;
                    self.root_done = true;
                }
            }
            None => self.xml_attributes.retain(|(d, ..)| *d < depth),
        }
    }

    /// The namespace declarations to write on an output element, sorted by
    /// prefix (the default namespace first).
    fn declarations_to_render(&self, element: &Element<'a>, is_apex: bool) -> Vec<(&'a str, Cow<'a, str>)> {
        let mut render: Vec<(&'a str, Cow<'a, str>)> = Vec::new();
        let mut consider = |prefix: &'a str, uri: Cow<'a, str>| {
            let rendered = self.rendered.get(prefix).map_or("", |u| u.as_ref());
            if prefix != "xml" && uri != rendered && !render.iter().any(|(p, _)| *p == prefix) {
                render.push((prefix, uri));
            }
        };
        // Inclusive C14N: every binding in scope differing from the output
        // parent's; below the apex only an element's own declarations can differ.
        // Exclusive C14N does the same for the InclusiveNamespaces prefixes.
        let listed = |prefix: &str| !self.exclusive || self.inclusive_prefixes.contains(&prefix);
        if is_apex {
            for (prefix, uri) in self.scope.in_scope() {
                if listed(prefix) {
                    consider(prefix, uri.clone());
                }
            }
        } else {
            for (prefix, uri) in &element.declarations {
                if listed(prefix) {
                    consider(prefix, uri.clone());
                }
            }
        }
        if self.exclusive {
            // Exc-C14N §3: the visibly utilized prefixes.
            let in_scope = |prefix: &str| self.scope.get(prefix).cloned().unwrap_or(Cow::Borrowed(""));
            consider(element.prefix, in_scope(element.prefix));
            for attribute in &element.attributes {
                if !attribute.prefix.is_empty() {
                    consider(attribute.prefix, in_scope(attribute.prefix));
                }
            }
        }
        render.sort_unstable_by(|a, b| a.0.cmp(b.0));
        render
    }

    fn remember_xml_attributes(&mut self, element: &Element<'a>) {
        if self.exclusive || self.selection.apex.is_none() {
            return;
        }
        for a in &element.attributes {
            if a.namespace == XML_NAMESPACE {
                self.xml_attributes
                    .push((self.depth, a.local, a.qname, a.value.clone()));
            }
        }
    }
}

/// C14N §2.4: the apex of a document subset gets the `xml:*` attributes
/// of its nearest omitted ancestors that it does not carry itself.
fn inherit_xml_attributes<'s>(
    inherited: &'s [(usize, &str, &str, Cow<'_, str>)],
    attributes: &mut Vec<(&'s str, &'s str, &'s str, &'s str)>,
) {
    for (_, local, qname, value) in inherited.iter().rev() {
        if !attributes
            .iter()
            .any(|(ns, l, ..)| *ns == XML_NAMESPACE && l == local)
        {
            attributes.push((XML_NAMESPACE, local, qname, value.as_ref()));
        }
    }
}

fn write_start_tag(
    out: &mut Output,
    qname: &str,
    declarations: &[(&str, Cow<'_, str>)],
    attributes: &[(&str, &str, &str, &str)],
) {
    out.push(b'<');
    out.extend_from_slice(qname.as_bytes());
    for (prefix, uri) in declarations {
        out.extend_from_slice(b" xmlns");
        if !prefix.is_empty() {
            out.push(b':');
            out.extend_from_slice(prefix.as_bytes());
        }
        out.extend_from_slice(b"=\"");
        escape_attribute(uri, out);
        out.push(b'"');
    }
    for (_, _, qname, value) in attributes {
        out.push(b' ');
        out.extend_from_slice(qname.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_attribute(value, out);
        out.push(b'"');
    }
    out.push(b'>');
}

/// C14N §2.3 text nodes: `&`, `<`, `>` and CR replaced by references.
fn escape_text(text: &str, out: &mut Output) {
    escape(text, out, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

/// C14N §2.3 attribute values: `&`, `<`, `"`, TAB, LF and CR replaced.
fn escape_attribute(value: &str, out: &mut Output) {
    escape(value, out, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'"' => Some(b"&quot;"),
        b'\t' => Some(b"&#x9;"),
        b'\n' => Some(b"&#xA;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

fn escape(text: &str, out: &mut Output, replacement: impl Fn(u8) -> Option<&'static [u8]>) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(with) = replacement(b) {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(with);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The output buffer, never longer than [`MAX_CANONICAL_BYTES`]: a write
/// that would pass the limit is dropped and remembered.
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    overflow: bool,
}

impl Output {
    // Called for every piece of output: inlined, with the growth kept out
    // of line (issue 18's gate: C14N lost 5 % when the compiler stopped
    // inlining it after the XAdES work added callers).
    #[inline]
    fn extend_from_slice(&mut self, more: &[u8]) {
        let needed = self.bytes.len() + more.len();
        if self.overflow || needed > MAX_CANONICAL_BYTES {
            self.overflow = true;
            return;
        }
        if needed > self.bytes.capacity() {
            self.grow(needed);
        }
        self.bytes.extend_from_slice(more);
    }

    /// Grows by doubling, but never past the limit.
    #[cold]
    fn grow(&mut self, needed: usize) {
        let target = needed.max(self.bytes.capacity() * 2).min(MAX_CANONICAL_BYTES);
        self.bytes.reserve_exact(target - self.bytes.len());
    }

    fn push(&mut self, byte: u8) {
        self.extend_from_slice(&[byte]);
    }
}

/// Canonicalizes a document, or the selected part of it.
pub(crate) fn canonicalize_selection(
    xml: &[u8],
    method: &Canonicalization,
    selection: Selection,
) -> Result<Vec<u8>, XmlDsigError> {
    canonicalize_prepared(&decode(xml, &XmlLimits::XMLDSIG)?, method, selection)
}

/// [`canonicalize_selection`] for text returned by [`decode`], streaming
/// from the reader into the writer (the document is read to its end).
pub(crate) fn canonicalize_prepared(
    text: &str,
    method: &Canonicalization,
    selection: Selection,
) -> Result<Vec<u8>, XmlDsigError> {
    let mut reader = XmlReader::new(text, XmlLimits::XMLDSIG);
    let mut writer = Writer::new(method, selection);
    if selection.apex.is_none() {
        writer.reserve(text.len());
    }
    while let Some(node) = reader.next_node()? {
        writer.node(&node, reader.offset())?;
    }
    if selection.apex.is_some() && !writer.apex_written() {
        return Err(XmlDsigError::ElementNotFound);
    }
    Ok(writer.finish())
}

/// The ordinal of the first element with this expanded name.
pub(crate) fn find_element(xml: &[u8], namespace: &str, local_name: &str) -> Result<usize, XmlDsigError> {
    let text = decode(xml, &XmlLimits::XMLDSIG)?;
    let mut reader = XmlReader::new(&text, XmlLimits::XMLDSIG);
    let mut ordinal = 0;
    let mut found = None;
    while let Some(node) = reader.next_node()? {
        if let Node::Start(element) = node {
            if found.is_none() && element.namespace == namespace && element.local == local_name {
                found = Some(ordinal);
            }
            ordinal += 1;
        }
    }
    found.ok_or(XmlDsigError::ElementNotFound)
}
