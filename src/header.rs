//! The raw header section: one pass over the bytes that finds every field,
//! keeps its exact bytes and enforces the size limits.
//!
//! A De-Mail message is an RFC 5322 message whose metadata lives in header
//! fields (TR 01201-3.4 §3.1). The integrity hash (§3.1.21) and the
//! confirmations' `OriginalHeader` (§3.5.1) need each field exactly as
//! received, folding and all, so this module never rewrites anything: a
//! [`RawField`] is a set of slices into the input.
//!
//! Lines may end in CRLF (as §3.1.21 requires) or, leniently, in a bare LF
//! (messages read from mbox files often have LF line ends). A bare CR
//! inside the header section is rejected: it is how header-injection and
//! smuggling attacks hide a line break from one parser but not another.
//!
//! ```
//! use demail::header::{split_header, Limits};
//!
//! let raw = b"Subject: Hallo\r\n Welt\r\nX-de-mail-private: yes\r\n\r\nBody";
//! let section = split_header(raw, &Limits::default())?;
//! assert_eq!(section.fields.len(), 2);
//! assert_eq!(section.fields[0].name, "Subject");
//! assert_eq!(section.fields[0].raw, b"Subject: Hallo\r\n Welt\r\n");
//! assert_eq!(section.fields[0].unfolded_value(), "Hallo Welt");
//! assert_eq!(&raw[section.body_offset..], b"Body");
//! # Ok::<(), demail::header::HeaderError>(())
//! ```

use std::borrow::Cow;

/// Limits on the header section, so hostile input cannot exhaust memory or time.
///
/// Every exceeded limit is reported as a [`HeaderError`]; nothing is truncated
/// silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest header section in bytes, line ends included (default 256 KiB).
    pub max_header_bytes: usize,
    /// Largest number of header fields (default 1000).
    pub max_fields: usize,
    /// Longest physical line in bytes, without its line end (default 4096).
    ///
    /// RFC 5322 §2.1.1 limits lines to 998 characters for writers; a reader
    /// must allow more, because TR 01201-3.4 §3.1.17 allows a private id of
    /// 1024 characters, which cannot be folded when it has no white space.
    pub max_line_length: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 256 * 1024,
            max_fields: 1000,
            max_line_length: 4096,
        }
    }
}

/// Why a header section could not be split into fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The input is empty or does not start with a header field.
    #[error("not an e-mail message: no header field at the start of the input (RFC 5322 §2.2)")]
    NotAMessage,
    /// A line in the header section is neither a field (`name: value`) nor a
    /// folded continuation.
    #[error("malformed header line at byte {offset}: expected `name: value` (RFC 5322 §2.2)")]
    MalformedLine {
        /// Offset of the line's first byte.
        offset: usize,
    },
    /// A field name contains a byte RFC 5322 §3.6.8 does not allow.
    #[error("invalid byte 0x{byte:02x} in a header field name at byte {offset} (RFC 5322 §3.6.8)")]
    InvalidFieldName {
        /// The offending byte.
        byte: u8,
        /// Its offset.
        offset: usize,
    },
    /// A CR not followed by LF inside the header section.
    #[error(
        "bare CR without LF in the header section at byte {offset} (RFC 5322 §2.2, TR 01201-3.4 §3.1.21)"
    )]
    BareCr {
        /// Offset of the CR.
        offset: usize,
    },
    /// The header section is larger than [`Limits::max_header_bytes`].
    #[error("header section exceeds {limit} bytes")]
    HeaderTooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// More fields than [`Limits::max_fields`].
    #[error("more than {limit} header fields")]
    TooManyFields {
        /// The limit in force.
        limit: usize,
    },
    /// A physical line longer than [`Limits::max_line_length`].
    #[error("header line at byte {offset} exceeds {limit} bytes (RFC 5322 §2.1.1)")]
    LineTooLong {
        /// Offset of the line's first byte.
        offset: usize,
        /// The limit in force.
        limit: usize,
    },
}

/// One header field exactly as it stands in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawField<'a> {
    /// The field name as written (ASCII; compare it case-insensitively).
    pub name: &'a str,
    /// The value: everything after the colon up to the field's final line end,
    /// folding kept.
    pub value: &'a [u8],
    /// The whole field: name, colon, value, folding and the final line end.
    pub raw: &'a [u8],
    /// Offset of the field's first byte in the message.
    pub offset: usize,
    /// `value` as text when it is valid UTF-8 (checked once for the whole
    /// header section by [`split_header`]).
    text: Option<&'a str>,
    /// Whether the value has a line end inside (RFC 5322 §2.2.3 folding),
    /// known from the split, so that an unfolded value is not searched again.
    folded: bool,
}

impl<'a> RawField<'a> {
    /// A field from its parts; `value` and `raw` must be slices of the same
    /// field, `name` and `value` as [`split_header`] would cut them.
    pub(crate) fn new(name: &'a str, value: &'a [u8], raw: &'a [u8], offset: usize) -> Self {
        RawField {
            name,
            value,
            raw,
            offset,
            text: std::str::from_utf8(value).ok(),
            folded: memchr::memchr(b'\n', value).is_some(),
        }
    }

    /// The value, folding kept, as text; `None` when it is not valid UTF-8.
    pub fn value_str(&self) -> Option<&'a str> {
        self.text
    }

    /// The value with folding removed (RFC 5322 §2.2.3: a line end followed by
    /// white space is deleted) and surrounding white space trimmed.
    ///
    /// Borrows when the value is unfolded UTF-8 already; invalid UTF-8 is
    /// replaced with U+FFFD (see [`RawField::is_utf8`]).
    pub fn unfolded_value(&self) -> Cow<'a, str> {
        match self.text {
            Some(text) if !self.folded => Cow::Borrowed(trim_ws_str(text)),
            Some(text) => unfold(trim_ws_str(text)),
            None => {
                let lossy = String::from_utf8_lossy(trim_ws(self.value));
                Cow::Owned(unfold(&lossy).into_owned())
            }
        }
    }

    /// Whether the value has a line end inside (it is folded).
    pub(crate) fn is_folded(&self) -> bool {
        self.folded
    }

    /// The value followed by the field's line end, as mail-parser's field
    /// parsers expect it; `None` for a last field without a line end.
    pub(crate) fn value_with_line_end(&self) -> Option<&'a [u8]> {
        let eol = line_end_len(self.raw);
        if eol == 0 {
            return None;
        }
        let start = self.raw.len().checked_sub(self.value.len() + eol)?;
        self.raw.get(start..)
    }

    /// Whether the value is valid UTF-8 (plain ASCII in a conforming message).
    pub fn is_utf8(&self) -> bool {
        self.text.is_some()
    }

    /// Whether the field has the given name, compared case-insensitively
    /// (TR 01201-3.4 §3.1).
    #[inline]
    pub fn has_name(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// The header section of a message, split into fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderSection<'a> {
    /// Every field in the order of the message.
    pub fields: Vec<RawField<'a>>,
    /// Offset of the body (after the empty line), or the input length when
    /// the message has no body.
    pub body_offset: usize,
}

/// Splits the header section of `raw` into fields in one pass.
///
/// # Errors
/// A [`HeaderError`] when the input does not start with a header field, a
/// line is malformed, a bare CR occurs, or a [`Limits`] value is exceeded.
pub fn split_header<'a>(raw: &'a [u8], limits: &Limits) -> Result<HeaderSection<'a>, HeaderError> {
    // The fast path ([`split_fast`]) accepts only what the exact line search
    // accepts; on any error, a bare CR or a limit it sends the input through
    // the exact search, so that errors (which one, and its offset) stay as
    // they were (docs/decisions.md D206).
    if let Some(section) = split_fast(raw, limits) {
        return Ok(section);
    }
    split_with(raw, limits, |pos| find_line_end(raw, pos, limits))
}

/// The fast split: one `memchr` iterator over the section yields the LFs
/// (one hit per line, set up once), each field is built when the next one
/// starts, the CRs are counted once at the end, and the names and texts
/// come from one UTF-8 check of the section. `None` on anything the exact
/// search ([`find_line_end`]) would refuse, and on a bare CR: the caller
/// then takes the exact search, which names the error.
fn split_fast<'a>(raw: &'a [u8], limits: &Limits) -> Option<HeaderSection<'a>> {
    // No line starts after `max_header_bytes` nor is longer than
    // `max_line_length`: nothing beyond can end a line that is accepted.
    let scan_end = raw.len().min(
        limits
            .max_header_bytes
            .saturating_add(limits.max_line_length)
            .saturating_add(2),
    );
    let mut lfs = memchr::memchr_iter(b'\n', &raw[..scan_end]);
    let mut fields: Vec<RawField<'a>> = Vec::with_capacity(32);
    let mut crlf_lines = 0;
    let mut open: Option<OpenField> = None;
    let mut pos = 0;
    let body_offset = loop {
        if pos > limits.max_header_bytes {
            return None;
        }
        let (line_end, next) = match lfs.next() {
            Some(lf) => {
                let crlf = lf > pos && raw[lf - 1] == b'\r';
                crlf_lines += usize::from(crlf);
                (lf - usize::from(crlf), lf + 1)
            }
            None => (raw.len(), raw.len()),
        };
        if line_end - pos > limits.max_line_length {
            return None;
        }
        if line_end == pos {
            // The empty line that ends the header section, or the input's end.
            push_field(raw, &mut fields, open.take(), pos, limits)?;
            break next;
        }
        if matches!(raw[pos], b' ' | b'\t') {
            let field = open.as_mut()?;
            field.value_end = line_end;
            field.folded = true;
        } else {
            push_field(raw, &mut fields, open.take(), pos, limits)?;
            open = Some(OpenField {
                start: pos,
                colon: colon_of_field_line(raw, pos, line_end)?,
                value_end: line_end,
                folded: false,
            });
        }
        pos = next;
    };
    let bare_cr = memchr::memchr_iter(b'\r', &raw[..body_offset]).count() != crlf_lines;
    if fields.is_empty() || body_offset > limits.max_header_bytes || bare_cr {
        return None;
    }
    attach_text(raw, &mut fields, body_offset).ok()?;
    Some(HeaderSection { fields, body_offset })
}

/// The colon of the field line `raw[start..line_end]`: right after the name
/// in a conforming field, tested inline; the obsolete white space before
/// the colon, and every error, through [`parse_field_name`].
fn colon_of_field_line(raw: &[u8], start: usize, line_end: usize) -> Option<usize> {
    let line = &raw[start..line_end];
    let name_len = ftext_len(line);
    if name_len > 0 && line.get(name_len) == Some(&b':') {
        return Some(start + name_len);
    }
    parse_field_name(raw, start, line_end)
        .ok()
        .map(|field| field.colon)
}

/// A field of the fast split whose last line may not have been seen yet.
struct OpenField {
    /// Offset of the field's first byte.
    start: usize,
    colon: usize,
    /// The end of its last line so far, without the line end.
    value_end: usize,
    folded: bool,
}

/// Adds the field that ends at `end` (the next line's start) to `fields`;
/// `None` when [`Limits::max_fields`] is reached.
#[inline(always)]
fn push_field<'a>(
    raw: &'a [u8],
    fields: &mut Vec<RawField<'a>>,
    open: Option<OpenField>,
    end: usize,
    limits: &Limits,
) -> Option<()> {
    let Some(OpenField {
        start,
        colon,
        value_end,
        folded,
    }) = open
    else {
        return Some(());
    };
    if fields.len() >= limits.max_fields {
        return None;
    }
    fields.push(unattached_field(raw, start, colon, value_end, end, folded));
    Some(())
}

/// The field `raw[start..end]` with its value ending at `value_end`; its
/// `name` and `text` are filled in by [`attach_text`] once the whole
/// section is known, so that UTF-8 is checked once, not once per field.
fn unattached_field(
    raw: &[u8],
    start: usize,
    colon: usize,
    value_end: usize,
    end: usize,
    folded: bool,
) -> RawField<'_> {
    RawField {
        name: "",
        value: &raw[colon + 1..value_end],
        raw: &raw[start..end],
        offset: start,
        text: None,
        folded,
    }
}

/// Splits the header section with the given line finder, which returns the
/// offset of the line end (CRLF or LF) of the line at `pos` and of the next line.
fn split_with<'a>(
    raw: &'a [u8],
    limits: &Limits,
    mut next_line: impl FnMut(usize) -> Result<(usize, usize), HeaderError>,
) -> Result<HeaderSection<'a>, HeaderError> {
    let mut fields: Vec<RawField<'a>> = Vec::with_capacity(32);
    let mut pos = 0;
    let mut current: Option<FieldStart> = None;

    loop {
        if pos >= raw.len() {
            finish_field(raw, &mut fields, current.take(), raw.len(), limits)?;
            break;
        }
        let (line_end, next) = next_line(pos)?;
        if line_end == pos {
            // The empty line that ends the header section.
            finish_field(raw, &mut fields, current.take(), pos, limits)?;
            pos = next;
            break;
        }
        let first = raw[pos];
        if first == b' ' || first == b'\t' {
            let Some(field) = current.as_mut() else {
                return Err(first_line_error(pos));
            };
            field.folded = true;
        } else {
            finish_field(raw, &mut fields, current.take(), pos, limits)?;
            current = Some(parse_field_name(raw, pos, line_end)?);
        }
        pos = next;
    }
    if fields.is_empty() {
        return Err(HeaderError::NotAMessage);
    }
    if pos > limits.max_header_bytes {
        return Err(HeaderError::HeaderTooLarge {
            limit: limits.max_header_bytes,
        });
    }
    attach_text(raw, &mut fields, pos)?;
    Ok(HeaderSection {
        fields,
        body_offset: pos,
    })
}

fn first_line_error(offset: usize) -> HeaderError {
    if offset == 0 {
        HeaderError::NotAMessage
    } else {
        HeaderError::MalformedLine { offset }
    }
}

/// The exact line search: the line end (CRLF or LF) of the line at `pos`,
/// with the first bare CR, an over-long line or an over-large section
/// reported where the line is.
fn find_line_end(raw: &[u8], pos: usize, limits: &Limits) -> Result<(usize, usize), HeaderError> {
    let max_end = pos.saturating_add(limits.max_line_length);
    if pos > limits.max_header_bytes {
        return Err(HeaderError::HeaderTooLarge {
            limit: limits.max_header_bytes,
        });
    }
    // A line may hold `max_line_length` bytes; the byte after them must end it.
    let window_end = raw.len().min(max_end.saturating_add(1));
    let window = raw.get(pos..window_end).unwrap_or_default();
    match memchr::memchr2(b'\n', b'\r', window) {
        Some(at) if window[at] == b'\n' => Ok((pos + at, pos + at + 1)),
        Some(at) if raw.get(pos + at + 1) == Some(&b'\n') => Ok((pos + at, pos + at + 2)),
        Some(at) => Err(HeaderError::BareCr { offset: pos + at }),
        None if raw.len() > max_end => Err(HeaderError::LineTooLong {
            offset: pos,
            limit: limits.max_line_length,
        }),
        None => Ok((raw.len(), raw.len())),
    }
}

/// A field line's start and where its colon is.
#[derive(Clone, Copy)]
struct FieldStart {
    start: usize,
    colon: usize,
    /// Whether a continuation line followed.
    folded: bool,
}

/// Parses `name:` at the start of a line.
fn parse_field_name(raw: &[u8], start: usize, line_end: usize) -> Result<FieldStart, HeaderError> {
    let line = &raw[start..line_end];
    let name_len = ftext_len(line);
    let Some(&byte) = line.get(name_len) else {
        return Err(first_line_error(start));
    };
    match byte {
        b':' if name_len > 0 => Ok(FieldStart {
            start,
            colon: start + name_len,
            folded: false,
        }),
        b' ' | b'\t' => {
            // RFC 822 allowed white space before the colon; RFC 5322 §4.5.3
            // keeps it in the obsolete syntax. Accept it if only white space
            // follows up to the colon.
            let rest = &line[name_len..];
            let ws = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
            if rest.get(ws) == Some(&b':') && name_len > 0 {
                return Ok(FieldStart {
                    start,
                    colon: start + name_len + ws,
                    folded: false,
                });
            }
            Err(first_line_error(start))
        }
        _ if start == 0 => Err(HeaderError::NotAMessage),
        _ => Err(HeaderError::InvalidFieldName {
            byte,
            offset: start + name_len,
        }),
    }
}

/// The length of the run of `ftext` (RFC 5322 §3.6.8) at the start of
/// `line`: eight bytes at a time ([`non_ftext_bytes`]), the rest byte by byte.
fn ftext_len(line: &[u8]) -> usize {
    let mut words = line.chunks_exact(8);
    let mut len = 0;
    for word in words.by_ref() {
        let stops = non_ftext_bytes(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        if stops != 0 {
            // Little-endian: the lowest marked byte is the first in the line.
            return len + stops.trailing_zeros() as usize / 8;
        }
        len += 8;
    }
    let rest = words.remainder();
    len + rest
        .iter()
        .position(|&b| !FIELD_NAME[usize::from(b)])
        .unwrap_or(rest.len())
}

/// Marks (with its high bit) every byte of `word` that is not `ftext`:
/// below `!` (0x21), above `~` (0x7E), or the colon. Every test works on
/// the low seven bits of each byte, where no sum carries into the next
/// byte, so each mark is exact (`ftext_len_matches_byte_scan`).
fn non_ftext_bytes(word: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = !LOW7;
    let each = |byte: u8| u64::from_ne_bytes([byte; 8]);
    let low = word & LOW7;
    let below_bang = !(low + each(0x80 - b'!')) & HIGH;
    let del = (low + each(0x01)) & HIGH;
    let colon = !((low ^ each(b':')) + LOW7) & HIGH;
    (word & HIGH) | below_bang | del | colon
}

/// RFC 5322 §3.6.8 `ftext`: printable ASCII except the colon.
static FIELD_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = b'!';
    while byte <= b'~' {
        table[byte as usize] = byte != b':';
        byte += 1;
    }
    table
};

fn finish_field<'a>(
    raw: &'a [u8],
    fields: &mut Vec<RawField<'a>>,
    current: Option<FieldStart>,
    end: usize,
    limits: &Limits,
) -> Result<(), HeaderError> {
    let Some(FieldStart {
        start, colon, folded, ..
    }) = current
    else {
        return Ok(());
    };
    if fields.len() >= limits.max_fields {
        return Err(HeaderError::TooManyFields {
            limit: limits.max_fields,
        });
    }
    let value_end = strip_line_end(raw, colon + 1, end);
    fields.push(unattached_field(raw, start, colon, value_end, end, folded));
    Ok(())
}

/// Sets every field's name and text from one UTF-8 check of the header
/// section (`raw[..end]`); when the section is not valid UTF-8, field by field.
fn attach_text<'a>(raw: &'a [u8], fields: &mut [RawField<'a>], end: usize) -> Result<(), HeaderError> {
    let section = std::str::from_utf8(&raw[..end]).ok();
    for field in fields {
        let value_start = field.offset + field.raw.len() - line_end_len(field.raw) - field.value.len();
        // The name ends at the colon, or before the white space that the
        // obsolete syntax allows in front of it (see parse_field_name).
        let mut name_end = value_start - 1;
        while name_end > field.offset && matches!(raw[name_end - 1], b' ' | b'\t') {
            name_end -= 1;
        }
        // Field names were checked to be printable ASCII by parse_field_name.
        field.name = match section {
            Some(text) => text.get(field.offset..name_end),
            None => std::str::from_utf8(&raw[field.offset..name_end]).ok(),
        }
        .ok_or(HeaderError::MalformedLine { offset: field.offset })?;
        field.text = match section {
            Some(text) => text.get(value_start..value_start + field.value.len()),
            None => std::str::from_utf8(field.value).ok(),
        };
    }
    Ok(())
}

/// Removes every line end (CRLF or LF) of folded text (RFC 5322 §2.2.3);
/// borrows when there is none.
pub(crate) fn unfold(text: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\n', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let mut unfolded = String::with_capacity(text.len());
    let mut start = 0;
    // Cuts at ASCII line ends fall on character boundaries.
    for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]) {
        let line = text.get(start..end).unwrap_or_default();
        unfolded.push_str(line.strip_suffix('\r').unwrap_or(line));
        start = end + 1;
    }
    Cow::Owned(unfolded)
}

/// The length of a field's final line end: CRLF, LF or none (the last field
/// of a message without a body).
fn line_end_len(raw: &[u8]) -> usize {
    if raw.ends_with(b"\r\n") {
        2
    } else {
        usize::from(raw.ends_with(b"\n"))
    }
}

/// The end of a field's value: `end` minus the final CRLF or LF.
fn strip_line_end(raw: &[u8], value_start: usize, end: usize) -> usize {
    let mut value_end = end;
    if value_end > value_start && raw[value_end - 1] == b'\n' {
        value_end -= 1;
        if value_end > value_start && raw[value_end - 1] == b'\r' {
            value_end -= 1;
        }
    }
    value_end
}

/// The bytes as a `String`, invalid UTF-8 replaced by U+FFFD; no copy when valid.
pub(crate) fn string_lossy(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

/// [`trim_ws`] for text.
pub(crate) fn trim_ws_str(text: &str) -> &str {
    let (start, end) = ws_bounds(text.as_bytes());
    // Only ASCII bytes were cut, so both ends are character boundaries.
    text.get(start..end).unwrap_or_default()
}

/// Trims spaces, tabs and line ends at both ends.
pub(crate) fn trim_ws(bytes: &[u8]) -> &[u8] {
    let (start, end) = ws_bounds(bytes);
    &bytes[start..end]
}

/// The range of `bytes` without leading and trailing spaces, tabs and line ends.
fn ws_bounds(bytes: &[u8]) -> (usize, usize) {
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes.iter().position(|b| !is_ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_ws(b)).map_or(start, |i| i + 1);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(raw: &[u8]) -> Result<HeaderSection<'_>, HeaderError> {
        split_header(raw, &Limits::default())
    }

    // RFC 5322 §2.2: one UTF-8 check for the section; a field that is not
    // UTF-8 is found field by field and leaves the others readable.
    #[test]
    fn text_is_checked_per_section_and_falls_back_per_field() {
        let section = split(b"A: \xc3\xa4x\r\nB: caf\xe9\r\nC:\r\n\r\nbody").unwrap();
        let texts: Vec<_> = section.fields.iter().map(RawField::value_str).collect();
        assert_eq!(texts, [Some(" äx"), None, Some("")]);
        let names: Vec<_> = section.fields.iter().map(|f| f.name).collect();
        assert_eq!(names, ["A", "B", "C"]);
        assert!(!section.fields[1].is_utf8());
        assert_eq!(section.fields[1].unfolded_value(), "caf\u{fffd}");

        let valid = split(b"Name  : v\r\nLast: w").unwrap();
        assert_eq!(valid.fields[0].name, "Name");
        assert_eq!(valid.fields[1].value_str(), Some(" w"));
    }

    #[test]
    fn folded_field_keeps_exact_raw_bytes() {
        let raw = b"A: 1\r\nSubject: x\r\n\ty\r\nB: 2\r\n\r\nbody";
        let section = split(raw).unwrap();
        assert_eq!(section.fields[1].raw, b"Subject: x\r\n\ty\r\n");
        assert_eq!(section.fields[1].value, b" x\r\n\ty");
        assert_eq!(section.fields[1].offset, 6);
        assert_eq!(section.fields[1].unfolded_value(), "x\ty");
        assert_eq!(&raw[section.body_offset..], b"body");
    }

    // RFC 5322 §2.2.3: a field is folded exactly when its value has a line
    // end inside, whichever line end; unfolding removes only line ends.
    #[test]
    fn folded_flag_matches_line_ends_in_the_value() {
        let section = split(b"A: 1\r\nB: x\r\n y\r\nC: p\n\tq\r\n r\nD:\r\n \r\n\r\n").unwrap();
        for field in &section.fields {
            assert_eq!(field.folded, field.value.contains(&b'\n'), "{}", field.name);
            assert_eq!(
                *field,
                RawField::new(field.name, field.value, field.raw, field.offset)
            );
        }
        let unfolded: Vec<_> = section.fields.iter().map(RawField::unfolded_value).collect();
        assert_eq!(unfolded, ["1", "x y", "p\tq r", ""]);
    }

    #[test]
    fn header_only_message_without_final_line_end() {
        let section = split(b"A: 1\r\nB: 2").unwrap();
        assert_eq!(section.fields.len(), 2);
        assert_eq!(section.fields[1].raw, b"B: 2");
        assert_eq!(section.body_offset, 10);
    }

    #[test]
    fn lf_only_line_ends_are_accepted() {
        let section = split(b"A: 1\nB: 2\n\nbody").unwrap();
        assert_eq!(section.fields[1].value, b" 2");
        assert_eq!(section.body_offset, 11);
    }

    #[test]
    fn bare_cr_in_header_is_rejected() {
        assert_eq!(
            split(b"A: 1\rB: 2\r\n\r\n"),
            Err(HeaderError::BareCr { offset: 4 })
        );
    }

    #[test]
    fn input_without_header_is_not_a_message() {
        assert_eq!(split(b""), Err(HeaderError::NotAMessage));
        assert_eq!(split(b"\r\nbody"), Err(HeaderError::NotAMessage));
        assert_eq!(split(b"\x89PNG\r\n\x1a\n"), Err(HeaderError::NotAMessage));
        assert_eq!(split(b" folded: first\r\n"), Err(HeaderError::NotAMessage));
    }

    #[test]
    fn line_without_colon_is_malformed() {
        assert_eq!(
            split(b"A: 1\r\nno colon here\r\n\r\n"),
            Err(HeaderError::MalformedLine { offset: 6 })
        );
    }

    // RFC 5322 §3.6.8: a field name has at least one ftext byte; the errors
    // name the offending byte and its offset, on the first and a later line.
    #[test]
    fn field_name_errors_name_byte_and_offset() {
        assert_eq!(split(b":x\r\n\r\n"), Err(HeaderError::NotAMessage));
        assert_eq!(
            split(b"A: 1\r\n: 2\r\n\r\n"),
            Err(HeaderError::InvalidFieldName {
                byte: b':',
                offset: 6
            })
        );
        assert_eq!(
            split(b"A: 1\r\nB\xc3\xa4: 2\r\n\r\n"),
            Err(HeaderError::InvalidFieldName {
                byte: 0xc3,
                offset: 7
            })
        );
        assert_eq!(
            split(b"A: 1\r\nB x: 2\r\n\r\n"),
            Err(HeaderError::MalformedLine { offset: 6 })
        );
    }

    // The single forward scan for line ends must report the same limits and
    // bare CRs as a search per line: a CR right after the longest allowed
    // line, and a line end just past the limit.
    #[test]
    fn line_scan_limits_at_the_boundary() {
        let limits = Limits {
            max_header_bytes: 64,
            max_fields: 10,
            max_line_length: 10,
        };
        assert!(split_header(b"A: 345678\r\n\r\n", &limits).is_ok());
        assert!(split_header(b"A: 3456789\r\n\r\n", &limits).is_ok());
        assert!(split_header(b"A: 3456789\n\n", &limits).is_ok());
        assert_eq!(
            split_header(b"A: 34567890\r\n\r\n", &limits),
            Err(HeaderError::LineTooLong { offset: 0, limit: 10 })
        );
        assert_eq!(
            split_header(b"A: 3456789\rX\n\r\n", &limits),
            Err(HeaderError::BareCr { offset: 10 })
        );
        let long_body = [b"A: 1\r\n\r\n".as_slice(), &[b'x'; 200]].concat();
        assert_eq!(split_header(&long_body, &limits).unwrap().body_offset, 8);
        let no_end = [b"A: 1\r\nB".as_slice(), &[b'x'; 200]].concat();
        assert_eq!(
            split_header(&no_end, &limits),
            Err(HeaderError::LineTooLong { offset: 6, limit: 10 })
        );
    }

    // RFC 5322 §3.6.8: the word-at-a-time scan ends the name at the same
    // byte as the table, for every byte value at every position of a word.
    #[test]
    fn ftext_len_matches_byte_scan() {
        let byte_scan = |line: &[u8]| {
            line.iter()
                .position(|&b| !FIELD_NAME[usize::from(b)])
                .unwrap_or(line.len())
        };
        for stop in 0..=255u8 {
            for at in 0..20 {
                let mut line = vec![b'x'; 20];
                line[at] = stop;
                assert_eq!(ftext_len(&line), byte_scan(&line), "byte {stop:#x} at {at}");
                line[..at].fill(b'~');
                assert_eq!(ftext_len(&line), byte_scan(&line), "byte {stop:#x} after `~`");
                line[..at].fill(b'!');
                assert_eq!(ftext_len(&line), byte_scan(&line), "byte {stop:#x} after `!`");
            }
        }
    }

    /// The reference splitter: the exact line search alone, the code that
    /// `split_header` used before the fast split (parse4, D206).
    fn split_reference<'a>(raw: &'a [u8], limits: &Limits) -> Result<HeaderSection<'a>, HeaderError> {
        split_with(raw, limits, |pos| find_line_end(raw, pos, limits))
    }

    /// Pieces of header sections: names, colons, white space, every kind of
    /// line end (CRLF, bare LF, bare CR), obs-fold, NUL, 8-bit bytes, long
    /// runs, and arbitrary bytes.
    fn header_piece() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            4 => Just(b"\r\n".to_vec()),
            2 => Just(b"\n".to_vec()),
            1 => Just(b"\r".to_vec()),
            3 => "[A-Za-z][A-Za-z0-9-]{0,11}".prop_map(String::into_bytes),
            3 => Just(b": ".to_vec()),
            1 => Just(b":".to_vec()),
            2 => Just(b" ".to_vec()),
            1 => Just(b"\t".to_vec()),
            1 => Just(b" :".to_vec()),
            1 => Just(b"\0".to_vec()),
            1 => Just("\u{e4}".as_bytes().to_vec()),
            1 => Just(b"\xe9".to_vec()),
            1 => Just(b"\xc3".to_vec()),
            1 => (1..80usize).prop_map(|n| vec![b'x'; n]),
            1 => proptest::collection::vec(any::<u8>(), 0..4),
        ]
    }

    fn header_section() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::strategy::Strategy;
        proptest::collection::vec(header_piece(), 0..40).prop_map(|pieces| pieces.concat())
    }

    fn small_limits() -> impl proptest::strategy::Strategy<Value = Limits> {
        use proptest::strategy::Strategy;
        (0..300usize, 0..12usize, 0..90usize).prop_map(|(bytes, fields, line)| Limits {
            max_header_bytes: bytes,
            max_fields: fields,
            max_line_length: line,
        })
    }

    /// Limits at this section's boundaries: from one above to two below its
    /// size, its number of fields and its longest line.
    fn boundary_limits(raw: &[u8]) -> Vec<Limits> {
        let Ok(section) = split_reference(raw, &Limits::default()) else {
            return Vec::new();
        };
        let longest = raw[..section.body_offset]
            .split(|&b| b == b'\n')
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0);
        let mut limits = Vec::new();
        for below in 0..4 {
            let at = |value: usize| (value + 1).saturating_sub(below);
            limits.extend([
                Limits {
                    max_header_bytes: at(section.body_offset),
                    ..Limits::default()
                },
                Limits {
                    max_fields: at(section.fields.len()),
                    ..Limits::default()
                },
                Limits {
                    max_line_length: at(longest),
                    ..Limits::default()
                },
            ]);
        }
        limits
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        // RFC 5322 §2.2, §2.2.3, §2.1.1; TR 01201-3.4 §3.1.21: the fast split
        // gives the same fields (raw bytes, value, name, text, folding),
        // body offset and errors (variant and offset) as the exact line
        // search, on arbitrary sections, with the default and small limits
        // and with limits at the section's own size, field count and
        // longest line.
        #[test]
        fn split_matches_reference_splitter(raw in header_section(), limits in small_limits()) {
            for limits in [Limits::default(), limits].into_iter().chain(boundary_limits(&raw)) {
                let reference = split_reference(&raw, &limits);
                proptest::prop_assert_eq!(split_header(&raw, &limits), reference.clone());
                if let Some(fast) = split_fast(&raw, &limits) {
                    proptest::prop_assert_eq!(Ok(fast), reference);
                }
            }
        }

        // The same for a conforming section followed by an arbitrary body:
        // nothing after the empty line changes the split.
        #[test]
        fn split_of_a_valid_section_ignores_the_body(
            names in proptest::collection::vec("[A-Za-z-]{1,20}", 1..30),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            lf_only in proptest::prelude::any::<bool>(),
        ) {
            let eol: &[u8] = if lf_only { b"\n" } else { b"\r\n" };
            let mut raw = Vec::new();
            for (i, name) in names.iter().enumerate() {
                raw.extend_from_slice(name.as_bytes());
                raw.extend_from_slice(b": value ");
                raw.extend_from_slice(i.to_string().as_bytes());
                if i % 3 == 0 {
                    raw.extend_from_slice(eol);
                    raw.extend_from_slice(b"\tfolded");
                }
                raw.extend_from_slice(eol);
            }
            raw.extend_from_slice(eol);
            raw.extend_from_slice(&body);
            let limits = Limits::default();
            let fast = split_fast(&raw, &limits);
            proptest::prop_assert!(fast.is_some());
            proptest::prop_assert_eq!(fast.map(Ok), Some(split_reference(&raw, &limits)));
        }
    }

    #[test]
    fn white_space_before_colon_is_accepted() {
        let section = split(b"Subject : x\r\n\r\n").unwrap();
        assert_eq!(section.fields[0].name, "Subject");
    }

    #[test]
    fn limits_are_enforced() {
        let limits = Limits {
            max_header_bytes: 20,
            max_fields: 2,
            max_line_length: 10,
        };
        assert_eq!(
            split_header(b"A: 1\r\nB: 2\r\nC: 3\r\n\r\n", &limits),
            Err(HeaderError::TooManyFields { limit: 2 })
        );
        assert_eq!(
            split_header(b"A: 12345678901\r\n\r\n", &limits),
            Err(HeaderError::LineTooLong { offset: 0, limit: 10 })
        );
        assert_eq!(
            split_header(b"A: 1\r\n 2\r\n 3\r\n 4\r\n 5\r\n\r\n", &limits),
            Err(HeaderError::HeaderTooLarge { limit: 20 })
        );
    }
}
