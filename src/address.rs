//! De-Mail addresses (De-Mail-Adressen) and recipient lists.
//!
//! A [`DeMailAddress`] is an RFC 5322 `addr-spec` (§3.4.1), optionally with the
//! display name of the `name-addr` form. Its syntax is checked when parsing;
//! the naming rules of TR 01201 ACM §2.1 (lower case, length limits, pseudonym
//! labels) are checked separately by [`DeMailAddress::acm_violations`], because
//! a receiver must still be able to read and report a message whose
//! addresses break them.
//!
//! A [`RecipientList`] is the value of `X-de-mail-chosen-recipient` and
//! `X-de-mail-actual-recipient` (TR 01201-3.4 §3.1.8, §3.1.15):
//! `to=a@x.de-mail.de, b@y.de-mail.de; cc=c@z.de-mail.de`.
//!
//! ```
//! use demail::address::{DeMailAddress, RecipientList};
//!
//! let list = RecipientList::parse("to=\"Max\" <max.mustermann@dmda.de-mail.de>; cc = b@y.de-mail.de")?;
//! assert_eq!(list.to[0].display_name.as_deref(), Some("Max"));
//! assert_eq!(list.cc[0], DeMailAddress::parse("b@Y.De-Mail.de")?);
//! assert_eq!(list.to_string(), "to=\"Max\" <max.mustermann@dmda.de-mail.de>; cc=b@y.de-mail.de");
//! # Ok::<(), demail::address::AddressError>(())
//! ```

use std::borrow::Cow;
use std::fmt;

// Trimming takes white space including the CR and LF of folding: recipient
// lists are parsed from the folded field value without unfolding it first.
use crate::fields::MessageType;
use crate::header::trim_ws_str;

/// Longest local part (ACM §2.1.3, after RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_PART: usize = 64;
/// Longest domain (ACM §2.1.3).
pub const MAX_DOMAIN: usize = 189;
/// Longest address (ACM §2.1.3).
pub const MAX_ADDRESS: usize = 253;
/// Most addresses accepted in one recipient list (a limit against hostile input).
pub const MAX_RECIPIENTS: usize = 1000;

/// The system addresses' local parts a provider uses as sender (PVD FU §4.3,
/// ID FU §3.6). They contain capitals and are exempt from the naming rules.
/// Derived from the one system-sender table, [`MessageType::system_sender`],
/// in the order of [`MessageType::ALL`], and the ident notice address
/// `Ident-Meldung` (ID FU §3.6), which sends no message type of Table 12
/// (D106).
pub const SYSTEM_LOCAL_PARTS: [&str; 7] = system_local_parts();

/// `Ident-Meldung`, the ident service's notice address (ID FU §3.6): a
/// system address that sends no message type of TR 01201-3.4 Table 12, so
/// the table of [`MessageType::system_sender`] does not name it.
const IDENT_NOTICE_LOCAL_PART: &str = "Ident-Meldung";

/// [`SYSTEM_LOCAL_PARTS`], computed at compile time: each sender of
/// [`MessageType::system_sender`] once, then [`IDENT_NOTICE_LOCAL_PART`]. A
/// table that grows makes this fail to compile until the length follows.
const fn system_local_parts() -> [&'static str; 7] {
    let mut out = [""; 7];
    let mut len = 0;
    let mut i = 0;
    while i < MessageType::ALL.len() {
        if let Some(local_part) = MessageType::ALL[i].system_sender()
            && !listed(&out, len, local_part)
        {
            out[len] = local_part;
            len += 1;
        }
        i += 1;
    }
    out[len] = IDENT_NOTICE_LOCAL_PART;
    assert!(len + 1 == out.len(), "SYSTEM_LOCAL_PARTS has the wrong length");
    out
}

/// Whether `wanted` is among the first `len` entries (byte equality, in a const fn).
const fn listed(list: &[&str], len: usize, wanted: &str) -> bool {
    let mut i = 0;
    while i < len {
        let (a, b) = (list[i].as_bytes(), wanted.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Why an address or a recipient list could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// The address is empty.
    #[error("empty address")]
    Empty,
    /// No `@` separates local part and domain.
    #[error("address `{0}` has no `@` (RFC 5322 §3.4.1)")]
    MissingAt(String),
    /// The local part is not a dot-atom or quoted string.
    #[error("invalid local part in `{0}` (RFC 5322 §3.4.1)")]
    InvalidLocalPart(String),
    /// The domain is not a dot-atom host name.
    #[error("invalid domain in `{0}` (RFC 5322 §3.4.1; domain literals are not De-Mail domains)")]
    InvalidDomain(String),
    /// A `name-addr` is not closed by `>` or has text after it.
    #[error("malformed name-addr `{0}` (RFC 5322 §3.4)")]
    MalformedNameAddr(String),
    /// A recipient-list element does not start with `to=`, `cc=` or `bcc=`.
    #[error("recipient list element `{0}` does not start with to=, cc= or bcc= (TR 01201-3.4 §3.1.8)")]
    MissingKey(String),
    /// `to`, `cc` or `bcc` occurs more than once.
    #[error("recipient list element `{0}=` occurs more than once (TR 01201-3.4 §3.1.8, Table 8)")]
    DuplicateKey(&'static str),
    /// An element has no addresses (`cc=`); it must be left out instead.
    #[error("recipient list element `{0}=` has no addresses; it must be left out (TR 01201-3.4 §3.1.8)")]
    EmptyElement(&'static str),
    /// The list names no recipient at all.
    #[error("recipient list names no recipient (TR 01201-3.4 §3.1.8)")]
    NoRecipients,
    /// More than [`MAX_RECIPIENTS`] addresses.
    #[error("recipient list has more than {MAX_RECIPIENTS} addresses")]
    TooManyRecipients,
    /// A quoted string or angle bracket is not closed.
    #[error("unbalanced quote or angle bracket in `{0}`")]
    Unbalanced(String),
}

/// A De-Mail address: an RFC 5322 `addr-spec` with an optional display name.
///
/// Equality compares the local part exactly and the domain ASCII
/// case-insensitively (RFC 5321 §2.4), and the display names.
/// [`DeMailAddress::same_mailbox`] ignores the display name.
#[derive(Debug, Clone, Eq)]
pub struct DeMailAddress<'a> {
    /// The display name of the `name-addr` form, if one was given.
    pub display_name: Option<Cow<'a, str>>,
    /// The local part (Nutzerteil), without quotes if it was quoted.
    pub local_part: Cow<'a, str>,
    /// The domain (Domänenteil).
    pub domain: Cow<'a, str>,
}

impl PartialEq for DeMailAddress<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.same_mailbox(other) && self.display_name == other.display_name
    }
}

/// One breach of the address rules of TR 01201 ACM §2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcmViolation {
    /// Letters must be lower case (ACM §2.1.3); system addresses are exempt.
    NotLowerCase,
    /// Local part over 64, domain over 189 or address over 253 characters (ACM §2.1.3).
    TooLong,
    /// A pseudonym label (`pn_<label>`) must not contain `.` (ACM §2.1.1).
    PseudonymLabelHasDot,
}

impl<'a> DeMailAddress<'a> {
    /// Parses an `addr-spec` or a `name-addr` (`"Name" <local@domain>`).
    ///
    /// # Errors
    /// An [`AddressError`] naming the part that breaks RFC 5322 §3.4.
    pub fn parse(input: &'a str) -> Result<Self, AddressError> {
        let input = trim_ws_str(input);
        Self::parse_trimmed(input, find_unquoted(input, b'<'))
    }

    /// [`DeMailAddress::parse`] of a trimmed `input` whose first `<` outside
    /// quoted strings (as [`find_unquoted`] finds it) is known: `open`.
    fn parse_trimmed(input: &'a str, open: Option<usize>) -> Result<Self, AddressError> {
        if input.is_empty() {
            return Err(AddressError::Empty);
        }
        if input.ends_with('>') {
            let open = open.ok_or_else(|| AddressError::MalformedNameAddr(input.to_owned()))?;
            let inner = &input[open + 1..input.len() - 1];
            let mut address = Self::parse_addr_spec(trim_ws_str(inner))?;
            address.display_name = parse_display_name(&input[..open]);
            return Ok(address);
        }
        if open.is_some() {
            return Err(AddressError::MalformedNameAddr(input.to_owned()));
        }
        Self::parse_addr_spec(input)
    }

    /// Parses a bare `addr-spec` (`local@domain`).
    ///
    /// # Errors
    /// An [`AddressError`] when the local part or domain breaks RFC 5322 §3.4.1.
    pub fn parse_addr_spec(input: &'a str) -> Result<Self, AddressError> {
        let at = memchr::memrchr(b'@', input.as_bytes())
            .ok_or_else(|| AddressError::MissingAt(input.to_owned()))?;
        let (local, domain) = (&input[..at], &input[at + 1..]);
        let local_part =
            parse_local_part(local).ok_or_else(|| AddressError::InvalidLocalPart(input.to_owned()))?;
        if !is_host_name(domain) {
            return Err(AddressError::InvalidDomain(input.to_owned()));
        }
        Ok(DeMailAddress {
            display_name: None,
            local_part,
            domain: Cow::Borrowed(domain),
        })
    }

    /// Whether both name the same mailbox: same local part, domain compared
    /// ASCII case-insensitively, display names ignored.
    pub fn same_mailbox(&self, other: &DeMailAddress<'_>) -> bool {
        self.local_part == other.local_part && self.domain.eq_ignore_ascii_case(&other.domain)
    }

    /// Whether this is a pseudonym address (`pn_<label>@...`, ACM §2.1.1).
    pub fn is_pseudonym(&self) -> bool {
        self.local_part.starts_with("pn_")
    }

    /// Whether the local part is one of the provider's [`SYSTEM_LOCAL_PARTS`]
    /// (compared case-insensitively, ACM §2.1.4).
    pub fn is_system_address(&self) -> bool {
        SYSTEM_LOCAL_PARTS
            .iter()
            .any(|system| system.eq_ignore_ascii_case(&self.local_part))
    }

    /// The breaches of the address rules of ACM §2.1, in a fixed order.
    ///
    /// ```
    /// use demail::address::{AcmViolation, DeMailAddress};
    /// let address = DeMailAddress::parse("pn_Max.Muster@dmda.de-mail.de")?;
    /// assert_eq!(
    ///     address.acm_violations(),
    ///     vec![AcmViolation::NotLowerCase, AcmViolation::PseudonymLabelHasDot]
    /// );
    /// # Ok::<(), demail::address::AddressError>(())
    /// ```
    pub fn acm_violations(&self) -> Vec<AcmViolation> {
        let mut violations = Vec::new();
        let upper = |s: &str| s.bytes().any(|b| b.is_ascii_uppercase());
        let local_upper = upper(&self.local_part) && !self.is_system_address();
        if local_upper || upper(&self.domain) {
            violations.push(AcmViolation::NotLowerCase);
        }
        let (local, domain) = (self.local_part.chars().count(), self.domain.chars().count());
        if local > MAX_LOCAL_PART || domain > MAX_DOMAIN || local + 1 + domain > MAX_ADDRESS {
            violations.push(AcmViolation::TooLong);
        }
        if self.is_pseudonym() && self.local_part[3..].contains('.') {
            violations.push(AcmViolation::PseudonymLabelHasDot);
        }
        violations
    }

    /// Copies every borrowed part, so the address outlives the input.
    pub fn into_owned(self) -> DeMailAddress<'static> {
        DeMailAddress {
            display_name: self.display_name.map(|name| Cow::Owned(name.into_owned())),
            local_part: Cow::Owned(self.local_part.into_owned()),
            domain: Cow::Owned(self.domain.into_owned()),
        }
    }

    /// Writes the bare `addr-spec`, quoting the local part where needed.
    pub fn addr_spec(&self) -> String {
        let mut out = String::with_capacity(self.local_part.len() + self.domain.len() + 3);
        write_local_part(&mut out, &self.local_part);
        out.push('@');
        out.push_str(&self.domain);
        out
    }
}

impl fmt::Display for DeMailAddress<'_> {
    /// Writes the `name-addr` form when a display name is set, else the `addr-spec`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.display_name {
            Some(name) => {
                let mut quoted = String::with_capacity(name.len() + 2);
                write_quoted(&mut quoted, name);
                write!(f, "{quoted} <{}>", self.addr_spec())
            }
            None => f.write_str(&self.addr_spec()),
        }
    }
}

/// The address as one string, its [`Display`](fmt::Display) form
/// (`"Name" <local@domain>` or `local@domain`); read back with
/// [`DeMailAddress::parse`] (docs/decisions.md D182).
#[cfg(feature = "serde")]
impl serde::Serialize for DeMailAddress<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for DeMailAddress<'_> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DeMailAddress::parse(&text)
            .map(DeMailAddress::into_owned)
            .map_err(serde::de::Error::custom)
    }
}

/// The recipients of `X-de-mail-chosen-recipient` and
/// `X-de-mail-actual-recipient` (TR 01201-3.4 §3.1.8, §3.1.15).
///
/// Input accepts `,` and `;` between the addresses of one element (the
/// spec's footnote 5 says `;`, RFC 5322 address lists say `,`); output uses
/// `,` inside an element and `; ` between elements (see docs/decisions.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub struct RecipientList<'a> {
    /// Recipients of the `to=` element.
    pub to: Vec<DeMailAddress<'a>>,
    /// Recipients of the `cc=` element.
    pub cc: Vec<DeMailAddress<'a>>,
    /// Recipients of the `bcc=` element.
    pub bcc: Vec<DeMailAddress<'a>>,
}

impl<'a> RecipientList<'a> {
    /// Parses the value of a recipient-list field (already unfolded).
    ///
    /// # Errors
    /// An [`AddressError`]: an element without key, a key used twice
    /// (`chosen_recipient_rejects_second_to_element`), an empty element, an
    /// invalid address, or no recipient at all.
    pub fn parse(input: &'a str) -> Result<Self, AddressError> {
        let mut list = RecipientList::default();
        let mut seen = [false; 3];
        let mut current: Option<usize> = None;
        let mut count = 0usize;
        for found in segments(input) {
            let found = found?;
            let segment = trim_ws_str(found.text);
            if let Some((key, rest)) = split_key(segment) {
                if seen[key] {
                    return Err(AddressError::DuplicateKey(KEYS[key]));
                }
                if let Some(previous) = current
                    && list.element(previous).is_empty()
                {
                    return Err(AddressError::EmptyElement(KEYS[previous]));
                }
                seen[key] = true;
                current = Some(key);
                if rest.is_empty() {
                    continue;
                }
                list.element_mut(key).push(found.address(rest)?);
            } else if let Some(key) = current {
                if segment.is_empty() {
                    continue; // a trailing or doubled separator
                }
                list.element_mut(key).push(found.address(segment)?);
            } else if segment.is_empty() && trim_ws_str(input).is_empty() {
                return Err(AddressError::NoRecipients);
            } else {
                return Err(AddressError::MissingKey(segment.to_owned()));
            }
            count += 1;
            if count > MAX_RECIPIENTS {
                return Err(AddressError::TooManyRecipients);
            }
        }
        if let Some(last) = current
            && list.element(last).is_empty()
        {
            return Err(AddressError::EmptyElement(KEYS[last]));
        }
        if list.is_empty() {
            return Err(AddressError::NoRecipients);
        }
        Ok(list)
    }

    /// Whether the list names no recipient.
    pub fn is_empty(&self) -> bool {
        self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty()
    }

    /// Every recipient: to, then cc, then bcc.
    pub fn iter(&self) -> impl Iterator<Item = &DeMailAddress<'a>> {
        self.to.iter().chain(&self.cc).chain(&self.bcc)
    }

    /// Whether both lists name the same mailboxes in the same elements and
    /// order, ignoring display names and domain case.
    pub fn same_recipients(&self, other: &RecipientList<'_>) -> bool {
        let same = |a: &[DeMailAddress<'_>], b: &[DeMailAddress<'_>]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_mailbox(y))
        };
        same(&self.to, &other.to) && same(&self.cc, &other.cc) && same(&self.bcc, &other.bcc)
    }

    /// Copies every borrowed part, so the list outlives the input.
    pub fn into_owned(self) -> RecipientList<'static> {
        let own = |v: Vec<DeMailAddress<'a>>| v.into_iter().map(DeMailAddress::into_owned).collect();
        RecipientList {
            to: own(self.to),
            cc: own(self.cc),
            bcc: own(self.bcc),
        }
    }

    /// The non-empty elements with their keys, in the order to, cc, bcc.
    pub(crate) fn elements(&self) -> impl Iterator<Item = (&'static str, &[DeMailAddress<'a>])> {
        [("to", &self.to), ("cc", &self.cc), ("bcc", &self.bcc)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k, v.as_slice()))
    }

    fn element(&self, key: usize) -> &[DeMailAddress<'a>] {
        match key {
            0 => &self.to,
            1 => &self.cc,
            _ => &self.bcc,
        }
    }

    fn element_mut(&mut self, key: usize) -> &mut Vec<DeMailAddress<'a>> {
        match key {
            0 => &mut self.to,
            1 => &mut self.cc,
            _ => &mut self.bcc,
        }
    }
}

impl fmt::Display for RecipientList<'_> {
    /// The canonical form: `to=a, b; cc=c; bcc=d`, empty elements left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (key, addresses)) in self.elements().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{key}=")?;
            for (j, address) in addresses.iter().enumerate() {
                if j > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{address}")?;
            }
        }
        Ok(())
    }
}

const KEYS: [&str; 3] = ["to", "cc", "bcc"];

/// Recognises `to=`, `cc=` or `bcc=` (case-insensitive, FWS around `=`).
fn split_key(segment: &str) -> Option<(usize, &str)> {
    let eq = segment.find('=')?;
    let key = trim_ws_str(&segment[..eq]);
    let index = KEYS.iter().position(|k| k.eq_ignore_ascii_case(key))?;
    Some((index, trim_ws_str(&segment[eq + 1..])))
}

/// The segments of a recipient list between `,` and `;` outside quoted
/// strings, comments and angle brackets, without collecting them.
struct Segments<'s> {
    input: &'s str,
    position: usize,
    done: bool,
}

fn segments(input: &str) -> Segments<'_> {
    Segments {
        input,
        position: 0,
        done: false,
    }
}

/// One segment of a recipient list and what the scan saw in it, so that
/// its address is not scanned again for its `<` (docs/decisions.md D210).
struct Segment<'s> {
    text: &'s str,
    /// Offset in `text` of the first `<` outside quoted strings and comments.
    open: Option<usize>,
    /// Whether a comment opened: then quoting inside the comment is read
    /// differently by [`find_unquoted`], and the address is scanned again.
    comment: bool,
}

impl<'s> Segment<'s> {
    /// Parses the address `part` (a trimmed slice of `text` after any
    /// `to=` key, which holds no `<` or `"`) as [`DeMailAddress::parse`]
    /// does, taking its `<` from the scan.
    fn address(&self, part: &'s str) -> Result<DeMailAddress<'s>, AddressError> {
        if self.comment {
            return DeMailAddress::parse(part);
        }
        let start = part.as_ptr() as usize - self.text.as_ptr() as usize;
        let open = self.open.map(|open| open.wrapping_sub(start));
        DeMailAddress::parse_trimmed(part, open.filter(|&open| open < part.len()))
    }
}

impl<'s> Iterator for Segments<'s> {
    type Item = Result<Segment<'s>, AddressError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = &self.input[self.position..];
        let (mut quoted, mut angle, mut comment, mut escaped) = (false, false, 0u32, false);
        let (mut open, mut any_comment) = (None, false);
        for (i, byte) in rest.bytes().enumerate() {
            if escaped {
                escaped = false;
                continue;
            }
            if !LIST_SPECIAL[usize::from(byte)] {
                continue; // most bytes change nothing: one table load
            }
            match byte {
                b'\\' if quoted || comment > 0 => escaped = true,
                b'"' if comment == 0 => quoted = !quoted,
                b'(' if !quoted => {
                    comment += 1;
                    any_comment = true;
                }
                b')' if !quoted && comment > 0 => comment -= 1,
                b'<' if !quoted && comment == 0 => {
                    angle = true;
                    open = open.or(Some(i));
                }
                b'>' if !quoted && comment == 0 => angle = false,
                b',' | b';' if !quoted && !angle && comment == 0 => {
                    self.position += i + 1;
                    return Some(Ok(Segment {
                        text: &rest[..i],
                        open,
                        comment: any_comment,
                    }));
                }
                _ => {}
            }
        }
        self.done = true;
        if quoted || angle || comment > 0 {
            return Some(Err(AddressError::Unbalanced(self.input.to_owned())));
        }
        Some(Ok(Segment {
            text: rest,
            open,
            comment: any_comment,
        }))
    }
}

fn find_unquoted(input: &str, wanted: u8) -> Option<usize> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, byte) in input.bytes().enumerate() {
        if !escaped && byte != wanted && !LIST_SPECIAL[usize::from(byte)] {
            continue;
        }
        if escaped {
            escaped = false;
        } else if byte == b'\\' && quoted {
            escaped = true;
        } else if byte == b'"' {
            quoted = !quoted;
        } else if byte == wanted && !quoted {
            return Some(i);
        }
    }
    None
}

/// The display name of a `name-addr`: unquoted, decoded, control characters
/// as spaces, and trimmed (leading and trailing white space of a display
/// name carries nothing, and mail writers drop it).
fn parse_display_name(phrase: &str) -> Option<Cow<'_, str>> {
    let name = display_name_text(phrase)?;
    let trimmed = trim_ws_str(&name);
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.len() == name.len() {
        return Some(name);
    }
    Some(match name {
        Cow::Borrowed(text) => Cow::Borrowed(trim_ws_str(text)),
        Cow::Owned(text) => Cow::Owned(trim_ws_str(&text).to_owned()),
    })
}

fn display_name_text(phrase: &str) -> Option<Cow<'_, str>> {
    let phrase = trim_ws_str(phrase);
    if phrase.is_empty() {
        return None;
    }
    if memchr::memchr2(b'\r', b'\n', phrase.as_bytes()).is_some() {
        // A display name folded across lines: unfold it (RFC 5322 §2.2.3).
        let unfolded: String = phrase.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        return display_name_text(&unfolded).map(|name| Cow::Owned(name.into_owned()));
    }
    if phrase.len() >= 2 && phrase.starts_with('"') && phrase.ends_with('"') {
        let inner = &phrase[1..phrase.len() - 1];
        // One pass over the bytes: C0 controls and DEL are ASCII; the C1
        // controls (U+0080..U+009F) are encoded as 0xC2 0x80..0x9F.
        let bytes = inner.as_bytes();
        let (mut control, mut escape) = (false, false);
        for (i, &byte) in bytes.iter().enumerate() {
            match byte {
                b'\\' => escape = true,
                0x00..=0x1f | 0x7f => control = true,
                0xc2 if bytes.get(i + 1).is_some_and(|next| (0x80..=0x9f).contains(next)) => control = true,
                _ => {}
            }
        }
        return Some(match (control, escape) {
            (true, _) => Cow::Owned(crate::fields::without_controls(&unescape(inner))),
            (false, true) => Cow::Owned(unescape(inner)),
            (false, false) => Cow::Borrowed(inner),
        });
    }
    if phrase.contains("=?") {
        let decoded = crate::fields::decode_display_name(phrase.as_bytes());
        return (!decoded.is_empty()).then_some(Cow::Owned(decoded));
    }
    if phrase.contains(|c: char| c.is_control()) {
        return Some(Cow::Owned(crate::fields::without_controls(phrase)));
    }
    Some(Cow::Borrowed(phrase))
}

fn unescape(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if c == '\\' && !escaped {
            escaped = true;
        } else {
            out.push(c);
            escaped = false;
        }
    }
    out
}

/// RFC 5322 §3.2.3 `atext`.
fn is_atext(byte: u8) -> bool {
    ATEXT[usize::from(byte)]
}

/// [`is_atext`] as a table: the address parsers test every byte.
static ATEXT: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = matches!(byte as u8,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9'
            | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'/'
            | b'=' | b'?' | b'^' | b'_' | b'`' | b'{' | b'|' | b'}' | b'~');
        byte += 1;
    }
    table
};

/// The bytes that change the state of the recipient-list scanner: quoting,
/// escapes, comments, angle brackets and the two separators.
static LIST_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let specials = *b"\\\"()<>,;";
    let mut i = 0;
    while i < specials.len() {
        table[specials[i] as usize] = true;
        i += 1;
    }
    table
};

/// RFC 5322 §3.2.3 `dot-atom-text`: atoms of `atext` joined by single dots.
fn is_dot_atom(text: &str) -> bool {
    // One pass: no empty atom means no dot at either end and no two in a row.
    let mut previous = b'.';
    for &byte in text.as_bytes() {
        if byte == b'.' {
            if previous == b'.' {
                return false;
            }
        } else if !is_atext(byte) {
            return false;
        }
        previous = byte;
    }
    previous != b'.'
}

fn parse_local_part(local: &str) -> Option<Cow<'_, str>> {
    if is_dot_atom(local) {
        return Some(Cow::Borrowed(local));
    }
    let inner = local.strip_prefix('"')?.strip_suffix('"')?;
    // qtext and quoted-pair = "\\" (VCHAR / WSP) (RFC 5322 §3.2.1, §3.2.4).
    let mut escaped = false;
    for byte in inner.bytes() {
        let visible = byte == b' ' || byte == b'\t' || byte.is_ascii_graphic();
        if escaped {
            if !visible {
                return None;
            }
            escaped = false;
        } else if byte == b'\\' {
            escaped = true;
        } else if byte == b'"' || !visible {
            return None;
        }
    }
    if escaped {
        return None;
    }
    Some(Cow::Owned(unescape(inner)))
}

/// A host name: dot-separated labels of letters, digits, `-` and `_` (the
/// ACM §2.1.2.1 examples use `_`), 1 to 63 characters each, 253 at most.
pub(crate) fn is_host_name(domain: &str) -> bool {
    if domain.is_empty() || domain.len() > 253 {
        return false;
    }
    // The bytes first, tested without an early exit (which the compiler
    // vectorises), then the labels: 1 to 63 bytes, no `-` at either end.
    let bytes = domain.as_bytes();
    let allowed = bytes.iter().fold(true, |all, &b| all & is_host_byte(b));
    allowed
        && bytes.split(|&b| b == b'.').all(|label| {
            (1..=63).contains(&label.len()) && label.first() != Some(&b'-') && label.last() != Some(&b'-')
        })
}

/// A letter, digit, `-`, `_` or `.`: the bytes of a host name.
fn is_host_byte(byte: u8) -> bool {
    // `| 0x20` maps the capitals onto the small letters and no other byte
    // into `a..=z`.
    (byte | 0x20).is_ascii_lowercase() || byte.is_ascii_digit() || matches!(byte, b'-' | b'_' | b'.')
}

fn write_local_part(out: &mut String, local: &str) {
    // A local part with `=` is quoted, so that `cc=x@y` inside a recipient
    // list can never be read as a new `cc=` element (TR 01201-3.4 §3.1.8).
    if is_dot_atom(local) && !local.contains('=') {
        out.push_str(local);
    } else {
        write_quoted(out, local);
    }
}

/// Writes a quoted string. CR and LF would end the header line, so they are
/// written as spaces; nothing a parser returns contains them.
fn write_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(if c == '\r' || c == '\n' { ' ' } else { c });
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> DeMailAddress<'_> {
        DeMailAddress::parse(s).unwrap()
    }

    /// PVD FU §4.3 Table 1 and ID FU §3.6: the system addresses, each once,
    /// in the order of the message types (D106).
    #[test]
    fn system_local_parts_are_the_system_sender_table_and_ident_meldung() {
        assert_eq!(
            SYSTEM_LOCAL_PARTS,
            [
                "Versandbestaetigung",
                "Eingangsbestaetigung",
                "Abholbestaetigung",
                "Schadsoftware-Warnung",
                "Meldung",
                "Ident-Bestaetigung",
                "Ident-Meldung",
            ]
        );
        for message_type in MessageType::ALL {
            if let Some(local_part) = message_type.system_sender() {
                assert!(SYSTEM_LOCAL_PARTS.contains(&local_part), "{local_part}");
                let written = format!("{local_part}@dmda.de-mail.de");
                assert!(addr(&written).is_system_address(), "{local_part}");
            }
        }
    }

    #[test]
    fn listed_compares_whole_local_parts() {
        let list = ["Meldung", "Ident-Meldung", ""];
        assert!(listed(&list, 2, "Ident-Meldung"));
        assert!(
            !listed(&list, 1, "Ident-Meldung"),
            "only the first len entries count"
        );
        assert!(!listed(&list, 2, "Meldun"));
        assert!(!listed(&list, 2, "Meldungx"));
    }

    #[test]
    fn addr_spec_parts_borrow_from_input() {
        let a = addr("max.mustermann@dmda-a.de-mail.de");
        assert!(matches!(a.local_part, Cow::Borrowed("max.mustermann")));
        assert_eq!(a.domain, "dmda-a.de-mail.de");
        assert_eq!(a.display_name, None);
    }

    #[test]
    fn name_addr_keeps_display_name() {
        let a = addr("\"Mustermann, Max\" <max@x.de-mail.de>");
        assert_eq!(a.display_name.as_deref(), Some("Mustermann, Max"));
        assert_eq!(a.to_string(), "\"Mustermann, Max\" <max@x.de-mail.de>");
        assert_eq!(
            addr("Max <max@x.de-mail.de>").display_name.as_deref(),
            Some("Max")
        );
    }

    #[test]
    fn domain_compares_case_insensitively_local_part_exactly() {
        assert_eq!(addr("a@X.De-Mail.DE"), addr("a@x.de-mail.de"));
        assert_ne!(addr("A@x.de-mail.de"), addr("a@x.de-mail.de"));
    }

    #[test]
    fn address_syntax_errors_are_typed() {
        assert_eq!(DeMailAddress::parse(""), Err(AddressError::Empty));
        assert!(matches!(
            DeMailAddress::parse("no-at"),
            Err(AddressError::MissingAt(_))
        ));
        assert!(matches!(
            DeMailAddress::parse("a..b@x.de"),
            Err(AddressError::InvalidLocalPart(_))
        ));
        assert!(matches!(
            DeMailAddress::parse("a@[1.2.3.4]"),
            Err(AddressError::InvalidDomain(_))
        ));
        assert!(matches!(
            DeMailAddress::parse("a@x..de"),
            Err(AddressError::InvalidDomain(_))
        ));
        assert!(matches!(
            DeMailAddress::parse("Max <a@x.de"),
            Err(AddressError::MalformedNameAddr(_))
        ));
        assert!(matches!(
            DeMailAddress::parse("ä@x.de"),
            Err(AddressError::InvalidLocalPart(_))
        ));
    }

    #[test]
    fn host_names_follow_label_rules() {
        for good in [
            "x.de",
            "a-b.c_d.de-mail.de",
            "standort_A.institution.de-mail.de",
            "localhost",
        ] {
            assert!(is_host_name(good), "{good}");
        }
        let long_label = format!("{}.de", "a".repeat(64));
        for bad in [
            "",
            ".x.de",
            "x..de",
            "x.de.",
            "-x.de",
            "x-.de",
            "x.d e",
            "ä.de",
            long_label.as_str(),
        ] {
            assert!(!is_host_name(bad), "{bad}");
        }
    }

    /// The label scan `is_host_name` had before it tested the bytes first
    /// (ACM §2.1.2.1): the reference the faster form must agree with.
    fn host_name_by_label_scan(domain: &str) -> bool {
        if domain.is_empty() || domain.len() > 253 {
            return false;
        }
        let (mut label_len, mut previous) = (0usize, b'.');
        for byte in domain.bytes() {
            match byte {
                b'.' if label_len == 0 || previous == b'-' => return false,
                b'.' => label_len = 0,
                b'-' if label_len == 0 => return false,
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' => {
                    label_len += 1;
                    if label_len > 63 {
                        return false;
                    }
                }
                _ => return false,
            }
            previous = byte;
        }
        label_len > 0 && previous != b'-'
    }

    proptest::proptest! {
        // ACM §2.1.2.1: the byte test and the label split accept exactly
        // the host names the one-pass label scan accepts.
        #[test]
        fn host_name_check_matches_label_scan(domain in "[a-zA-Z0-9._@`{\\[ä-]{0,70}") {
            proptest::prop_assert_eq!(is_host_name(&domain), host_name_by_label_scan(&domain));
        }
    }

    #[test]
    fn host_name_bytes_are_letters_digits_hyphen_underscore_dot() {
        for byte in 0..=255u8 {
            let expected = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.');
            assert_eq!(is_host_byte(byte), expected, "{byte:#x}");
        }
    }

    // RFC 5322 §3.2.4, §2.2.3: a quoted display name loses its quotes and
    // escapes, folding inside it is removed, C0 and C1 controls and DEL
    // read as spaces; a 0xC2 byte that starts no C1 control is kept.
    #[test]
    fn display_name_controls_folding_and_escapes_are_read() {
        for (phrase, expected) in [
            ("\"Max Muster\"", "Max Muster"),
            ("\"Max \\\"M\\\" Muster\"", "Max \"M\" Muster"),
            ("\"Max\r\n Muster\"", "Max Muster"),
            ("Max\r\n Muster", "Max Muster"),
            ("\"Max\tMuster\"", "Max Muster"),
            ("\"Max\u{7f}Muster\"", "Max Muster"),
            ("\"Max\u{85}Muster\"", "Max Muster"),
            ("\"Stra\u{df}e \u{a7} 28\"", "Stra\u{df}e \u{a7} 28"),
        ] {
            let name = display_name_text(phrase).unwrap();
            assert_eq!(name, expected, "{phrase:?}");
        }
    }

    #[test]
    fn quoted_local_part_round_trips() {
        let a = addr("\"a b\"@x.de-mail.de");
        assert_eq!(a.local_part, "a b");
        assert_eq!(a.addr_spec(), "\"a b\"@x.de-mail.de");
    }

    // ACM §2.1.3
    #[test]
    fn acm_requires_lower_case_except_system_addresses() {
        assert_eq!(
            addr("Erika.Mustermann@x.de-mail.de").acm_violations(),
            vec![AcmViolation::NotLowerCase]
        );
        assert!(
            addr("Versandbestaetigung@dmda.de-mail.de")
                .acm_violations()
                .is_empty()
        );
        assert_eq!(
            addr("a@X.de-mail.de").acm_violations(),
            vec![AcmViolation::NotLowerCase]
        );
    }

    // ACM §2.1.3
    #[test]
    fn acm_length_limits_64_189_253() {
        let local64 = format!("{}@x.de", "a".repeat(64));
        let local65 = format!("{}@x.de", "a".repeat(65));
        assert!(addr(&local64).acm_violations().is_empty());
        assert_eq!(addr(&local65).acm_violations(), vec![AcmViolation::TooLong]);
        let domain = |n: usize| {
            let labels: Vec<String> = (0..n / 10).map(|_| "abcdefghi".to_owned()).collect();
            labels.join(".")
        };
        let long_domain = format!("a@{}", domain(200));
        assert!(long_domain.len() - 2 > MAX_DOMAIN);
        assert_eq!(addr(&long_domain).acm_violations(), vec![AcmViolation::TooLong]);
    }

    // ACM §2.1.1
    #[test]
    fn acm_pseudonym_label_without_dot() {
        assert!(addr("pn_katze@x.de-mail.de").acm_violations().is_empty());
        assert!(addr("pn_katze@x.de-mail.de").is_pseudonym());
        assert_eq!(
            addr("pn_max.mustermann@x.de-mail.de").acm_violations(),
            vec![AcmViolation::PseudonymLabelHasDot]
        );
    }

    // TR 01201-3.4 §3.1.8
    #[test]
    fn chosen_recipient_parses_to_and_cc_elements() {
        let list = RecipientList::parse("to=a@x.de-mail.de; cc=b@y.de-mail.de").unwrap();
        assert_eq!(list.to, vec![addr("a@x.de-mail.de")]);
        assert_eq!(list.cc, vec![addr("b@y.de-mail.de")]);
        assert!(list.bcc.is_empty());
    }

    // TR 01201-3.4 §3.1.8, footnote 5
    #[test]
    fn chosen_recipient_accepts_comma_and_semicolon_inside_an_element() {
        let comma = RecipientList::parse("to=a@x.de, b@y.de; bcc=c@z.de").unwrap();
        let semicolon = RecipientList::parse("to=a@x.de; b@y.de; bcc=c@z.de").unwrap();
        assert_eq!(comma, semicolon);
        assert_eq!(comma.to.len(), 2);
        assert_eq!(comma.to_string(), "to=a@x.de, b@y.de; bcc=c@z.de");
    }

    // TR 01201-3.4 §3.1.8: [FWS] around key and "="; literals are case-insensitive (RFC 2234)
    #[test]
    fn chosen_recipient_allows_fws_and_upper_case_keys() {
        let list = RecipientList::parse(" TO = a@x.de ;\tCc=b@y.de ").unwrap();
        assert_eq!(list.to.len(), 1);
        assert_eq!(list.cc.len(), 1);
    }

    // TR 01201-3.4 §3.1.8, Table 8
    #[test]
    fn chosen_recipient_rejects_second_to_element() {
        assert_eq!(
            RecipientList::parse("to=a@x.de; to=b@y.de"),
            Err(AddressError::DuplicateKey("to"))
        );
    }

    // TR 01201-3.4 §3.1.8
    #[test]
    fn chosen_recipient_rejects_empty_cc_element() {
        assert_eq!(
            RecipientList::parse("to=a@x.de; cc="),
            Err(AddressError::EmptyElement("cc"))
        );
        assert_eq!(
            RecipientList::parse("cc=; to=a@x.de"),
            Err(AddressError::EmptyElement("cc"))
        );
    }

    #[test]
    fn chosen_recipient_rejects_missing_key_and_empty_list() {
        assert!(matches!(
            RecipientList::parse("a@x.de"),
            Err(AddressError::MissingKey(_))
        ));
        assert_eq!(RecipientList::parse(""), Err(AddressError::NoRecipients));
    }

    #[test]
    fn separators_inside_quotes_do_not_split() {
        let list = RecipientList::parse("to=\"Doe; John, Jr.\" <j@x.de>, k@x.de").unwrap();
        assert_eq!(list.to[0].display_name.as_deref(), Some("Doe; John, Jr."));
        assert_eq!(list.to.len(), 2);
        let text = list.to_string();
        let again = RecipientList::parse(&text).unwrap();
        assert_eq!(again, list);
    }

    #[test]
    fn same_recipients_ignores_display_names() {
        let a = RecipientList::parse("to=Max <m@x.de>").unwrap();
        let b = RecipientList::parse("to=m@X.DE").unwrap();
        assert!(a.same_recipients(&b));
        assert_ne!(a, b);
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        // TR 01201-3.4 §3.1.8, D210: an address read with the `<` the
        // segment scan found reads as `DeMailAddress::parse` reads it (the
        // same address or the same error), for every segment of lists made
        // of keys, quotes, escapes, comments, angle brackets, separators
        // and white space; the rest of `RecipientList::parse` is unchanged.
        #[test]
        fn address_from_the_scan_matches_a_second_scan(
            input in proptest::collection::vec(proptest::sample::select(vec![
                "to=", "Cc =", "bcc=", "a", "x.de", "@", ".", "<", ">", "\"", "\\", "(", ")", ",", ";",
                " ", "\t", "\r\n ", "=", "Max M", "ä", "a@x.de", "<a@x.de>", "\"M\" <",
            ]), 0..12).prop_map(|parts| parts.concat())
        ) {
            for found in segments(&input) {
                let Ok(found) = found else { continue };
                let segment = trim_ws_str(found.text);
                let mut parts = vec![segment];
                if let Some((_, rest)) = split_key(segment) {
                    parts.push(rest);
                }
                for part in parts {
                    proptest::prop_assert_eq!(found.address(part), DeMailAddress::parse(part), "{:?}", part);
                }
            }
        }
    }
}
