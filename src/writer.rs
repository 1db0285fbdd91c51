//! The one header writer and the one field editor of the crate.
//!
//! [`HeaderWriter`] writes header fields (Kopfzeilen): folded before white
//! space at 78 columns (RFC 5322 §2.1.1, §2.2.3), base64 values in folded
//! lines, `unstructured` text as RFC 2047 encoded words when it is not plain
//! ASCII, addresses and address lists (RFC 5322 §3.4), a DKIM-style tag list
//! (RFC 6376 §3.2, TR 01201-3.4 §3.1.21), each with CRLF line ends or, for a
//! message that uses them, bare LF ([`LineEnd`]). No value can end a line
//! early: CR and LF in a value are written as spaces.
//!
//! [`copy_fields_and_body`] is the field editor: it copies a parsed
//! message's fields through an edit callback (keep, or drop after writing a
//! replacement) and then the empty line and body unchanged. Metadata
//! writing, integrity signing, resend, the BCC split and the builders all
//! write through this module.

use base64::Engine;
use mail_builder::headers::Header;
use mail_builder::headers::address::Address;

use crate::address::DeMailAddress;
use crate::header::RawField;

/// The column at which a folded line is broken (RFC 5322 §2.1.1 "SHOULD").
pub(crate) const FOLD_AT: usize = 78;

/// The line end written after each field and at each fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineEnd {
    /// CRLF, as RFC 5322 and TR 01201-3.4 §3.1.21 require.
    Crlf,
    /// A bare LF, for messages stored with LF line ends (mbox, D13).
    Lf,
}

impl LineEnd {
    /// The line end a message uses: CRLF unless its first field ends in a
    /// bare LF.
    pub(crate) fn of(fields: &[RawField<'_>]) -> LineEnd {
        match fields.first() {
            Some(field) if field.raw.ends_with(b"\n") && !field.raw.ends_with(b"\r\n") => LineEnd::Lf,
            _ => LineEnd::Crlf,
        }
    }
}

/// Writes header fields into a buffer; see the module documentation.
pub(crate) struct HeaderWriter<'o> {
    out: &'o mut Vec<u8>,
    line_end: LineEnd,
}

impl<'o> HeaderWriter<'o> {
    /// A writer appending to `out` with the given line end.
    pub(crate) fn new(out: &'o mut Vec<u8>, line_end: LineEnd) -> Self {
        HeaderWriter { out, line_end }
    }

    /// `name: value` folded before white space (space or tab, which the fold
    /// keeps, RFC 5322 §2.2.3). A word longer than a line stays whole.
    pub(crate) fn folded(&mut self, name: &str, value: &str) {
        let start = self.out.len();
        let mut words = Vec::new();
        let mut separator = " ";
        let mut word_start = 0;
        for (i, c) in value.char_indices() {
            if c == ' ' || c == '\t' {
                words.push((separator, &value[word_start..i]));
                separator = &value[i..i + 1];
                word_start = i + 1;
            }
        }
        words.push((separator, &value[word_start..]));
        fold_words(self.out, name, words);
        self.end_field(start);
    }

    /// A tag list (RFC 6376 §3.2) without its line end: `tags` joined by
    /// `; `, folded between tags; `h=` also after each of its colons (FWS
    /// is allowed there, RFC 6376 §3.5).
    pub(crate) fn tag_list(&mut self, name: &str, tags: &[String]) {
        let pieces: Vec<String> = tags
            .iter()
            .enumerate()
            .map(|(i, tag)| {
                if i + 1 < tags.len() {
                    format!("{tag};")
                } else {
                    tag.clone()
                }
            })
            .collect();
        let words = pieces.iter().flat_map(|piece| {
            let parts: Vec<&str> = if piece.starts_with("h=") {
                piece.split_inclusive(':').collect()
            } else {
                vec![piece.as_str()]
            };
            parts
                .into_iter()
                .enumerate()
                .map(|(j, word)| (if j == 0 { " " } else { "" }, word))
        });
        fold_words(self.out, name, words);
    }

    /// Base64 text continued from the current column, in lines of at most
    /// 78 characters; the folding white space is not part of the base64
    /// alphabet and decoders ignore it (RFC 2045 §6.8, RFC 6376 §3.5). No
    /// line end is written after it.
    pub(crate) fn base64_continued(&mut self, value: &str) {
        let start = self.out.len();
        let mut column = current_column(self.out);
        let mut rest = value;
        while !rest.is_empty() {
            let room = FOLD_AT.saturating_sub(column);
            if room < 8 {
                self.out.extend_from_slice(b"\r\n ");
                column = 1;
                continue;
            }
            // Never split a character (the value is base64 in a valid message).
            let mut at = room.min(rest.len());
            while !rest.is_char_boundary(at) {
                at += 1;
            }
            let (line, tail) = rest.split_at(at);
            push_without_line_ends(self.out, line);
            column += line.len();
            rest = tail;
        }
        self.convert_line_ends(start);
    }

    /// Ends a field written in parts ([`HeaderWriter::base64_continued`]).
    pub(crate) fn line_end(&mut self) {
        let start = self.out.len();
        self.end_field(start);
    }

    /// `name: value` with a base64 value in folded lines.
    pub(crate) fn base64(&mut self, name: &str, value: &str) {
        let start = self.out.len();
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b':');
        if !value.is_empty() {
            self.out.push(b' ');
            self.base64_continued(value);
        }
        self.end_field(start);
    }

    /// An `unstructured` value (Subject, account holder): as it is when it
    /// is ASCII, else as RFC 2047 encoded words (UTF-8, base64), one per
    /// line. A value containing `=?` is encoded too, so that text which
    /// merely looks like an encoded word is not decoded by a reader.
    /// Adjacent encoded words are joined without the folding white space
    /// between them (RFC 2047 §6.2), so the value reads back exactly.
    pub(crate) fn text(&mut self, name: &str, value: &str) {
        if value.is_ascii() && !value.contains("=?") {
            self.folded(name, value);
            return;
        }
        let start = self.out.len();
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b':');
        // 12 characters of `=?utf-8?B?` and `?=`, one of leading white space.
        let mut room = FOLD_AT.saturating_sub(name.len() + 2 + 12);
        let mut rest = value;
        while !rest.is_empty() {
            let mut at = (room / 4 * 3).max(4).min(rest.len());
            while !rest.is_char_boundary(at) {
                at -= 1;
            }
            if at == 0 {
                at = rest.chars().next().map_or(rest.len(), char::len_utf8);
            }
            let (chunk, tail) = rest.split_at(at);
            // Base64 cannot break the line; a decoded CR or LF becomes a space on reading.
            self.out.extend_from_slice(b" =?utf-8?B?");
            let encoded = base64::engine::general_purpose::STANDARD.encode(chunk);
            self.out.extend_from_slice(encoded.as_bytes());
            self.out.extend_from_slice(b"?=");
            rest = tail;
            if !rest.is_empty() {
                self.out.extend_from_slice(b"\r\n");
                room = FOLD_AT - 1 - 12;
            }
        }
        self.end_field(start);
    }

    /// One address with its display name (RFC 5322 §3.4 `mailbox`); the
    /// display name is quoted or encoded by mail-builder.
    pub(crate) fn address(&mut self, name: &str, address: &DeMailAddress<'_>) {
        if address.local_part.contains('\t') {
            // A tab is allowed in a quoted local part (RFC 5322 §3.2.4), but
            // mail-builder drops control bytes from addresses: write it here.
            self.folded(name, &address.to_string());
            return;
        }
        let display_name = address
            .display_name
            .as_deref()
            .map(crate::fields::without_controls);
        self.mail_builder_address(name, Address::new_address(display_name, address.addr_spec()));
    }

    /// An address list (`To`, `Cc`; RFC 5322 §3.4 `address-list`); nothing
    /// when the list is empty.
    pub(crate) fn address_list(&mut self, name: &str, list: &[DeMailAddress<'_>]) {
        if list.is_empty() {
            return;
        }
        let addresses = list
            .iter()
            .map(|a| Address::new_address(a.display_name.as_deref(), a.addr_spec()))
            .collect();
        self.mail_builder_address(name, Address::new_list(addresses));
    }

    fn mail_builder_address(&mut self, name: &str, address: Address<'_>) {
        let start = self.out.len();
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b": ");
        // mail-builder ends the field with CRLF itself.
        address.write_header(&mut *self.out, name.len() + 2);
        self.convert_line_ends(start);
    }

    /// Writes the line end of a field begun at `start` and converts the
    /// folds written since to the writer's line end.
    fn end_field(&mut self, start: usize) {
        self.out.extend_from_slice(b"\r\n");
        self.convert_line_ends(start);
    }

    /// With [`LineEnd::Lf`], turns every CRLF written since `start` into LF.
    fn convert_line_ends(&mut self, start: usize) {
        if self.line_end == LineEnd::Crlf {
            return;
        }
        let mut write = start;
        let mut read = start;
        let len = self.out.len();
        while read < len {
            let byte = self.out[read];
            if byte == b'\r' && self.out.get(read + 1) == Some(&b'\n') {
                read += 1;
                continue;
            }
            self.out[write] = byte;
            write += 1;
            read += 1;
        }
        self.out.truncate(write);
    }
}

/// `name:` and the words, each after its separator, folded at [`FOLD_AT`]
/// (folding right after the colon is allowed too, RFC 5322 §3.2.2); a fold
/// keeps a white-space separator as the first character of the next line
/// and puts a space where the separator was empty. No line end at the end.
fn fold_words<'w>(out: &mut Vec<u8>, name: &str, words: impl IntoIterator<Item = (&'w str, &'w str)>) {
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    let mut column = name.len() + 1;
    for (separator, word) in words {
        if column + separator.len() + word.len() > FOLD_AT && column > 1 {
            out.extend_from_slice(b"\r\n");
            let fold = if separator.is_empty() { " " } else { separator };
            out.extend_from_slice(fold.as_bytes());
            column = fold.len();
        } else {
            out.extend_from_slice(separator.as_bytes());
            column += separator.len();
        }
        push_without_line_ends(out, word);
        column += word.len();
    }
}

/// Appends text with CR and LF written as spaces, so it cannot end the line.
fn push_without_line_ends(out: &mut Vec<u8>, text: &str) {
    out.extend(
        text.bytes()
            .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
}

fn current_column(out: &[u8]) -> usize {
    out.iter().rev().position(|b| *b == b'\n').unwrap_or(out.len())
}

/// What the field editor does with a field.
pub(crate) enum Edit {
    /// Copy the field's bytes unchanged.
    Keep,
    /// Leave the field out (the callback may have written a replacement).
    Drop,
}

/// The field editor: copies every field of `message` (its `fields`, as
/// [`crate::header::split_header`] cut them) through `edit` (which may write
/// replacements into the output first), then the empty line and the body
/// unchanged.
pub(crate) fn copy_fields_and_body(
    out: &mut Vec<u8>,
    message: &[u8],
    fields: &[RawField<'_>],
    edit: &mut dyn FnMut(&RawField<'_>, &mut Vec<u8>) -> Edit,
) {
    let raw = message;
    let mut header_end = 0;
    for field in fields {
        header_end = field.offset + field.raw.len();
        if let Edit::Keep = edit(field, out) {
            out.extend_from_slice(field.raw);
        }
    }
    // The empty line and the body (or nothing, for a header-only message).
    out.extend_from_slice(raw.get(header_end..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::decode_unstructured;

    fn written(line_end: LineEnd, write: impl FnOnce(&mut HeaderWriter<'_>)) -> String {
        let mut out = Vec::new();
        write(&mut HeaderWriter::new(&mut out, line_end));
        String::from_utf8(out).expect("ASCII")
    }

    // RFC 5322 §2.1.1 (78 columns), §2.2.3 (unfolding removes only the CRLF)
    #[test]
    fn folded_lines_stay_within_78_columns_and_unfold_to_the_value() {
        let value = (0..40).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        let text = written(LineEnd::Crlf, |w| w.folded("x-de-mail-auth-mechanism", &value));
        assert!(text.lines().all(|line| line.len() <= FOLD_AT), "{text}");
        assert!(text.ends_with("\r\n"));
        let unfolded = text.replace("\r\n", "");
        assert_eq!(unfolded, format!("x-de-mail-auth-mechanism: {value}"));
    }

    // RFC 5322 §2.2: a field body has no CR or LF of its own.
    #[test]
    fn line_ends_in_a_value_cannot_start_a_field() {
        let text = written(LineEnd::Crlf, |w| w.folded("Subject", "a\r\nBcc: x@y.de"));
        assert_eq!(text, "Subject: a  Bcc: x@y.de\r\n");
    }

    // RFC 2045 §6.8: white space inside base64 is ignored by decoders.
    #[test]
    fn certificate_is_written_in_base64_lines() {
        let value = "QUJD".repeat(100);
        let text = written(LineEnd::Crlf, |w| {
            w.base64("x-de-mail-signature-certificate", &value)
        });
        assert!(text.lines().all(|line| line.len() <= FOLD_AT));
        let joined: String = text["x-de-mail-signature-certificate:".len()..]
            .split_whitespace()
            .collect();
        assert_eq!(joined, value);
    }

    // RFC 2047 §2 (75 characters an encoded word), §6.2 (adjacent words join)
    #[test]
    fn non_ascii_text_is_written_as_encoded_words_that_read_back() {
        let value = "Grüße aus Köln, ".repeat(8) + "=?not-a-word?=";
        let text = written(LineEnd::Crlf, |w| w.text("Subject", &value));
        assert!(text.is_ascii());
        assert!(text.lines().all(|line| line.len() <= FOLD_AT), "{text}");
        assert_eq!(
            decode_unstructured(&text.as_bytes()["Subject:".len()..]),
            value.trim()
        );
    }

    // RFC 6376 §3.2 tag list, §3.5 FWS allowed after the colons of h=
    #[test]
    fn tag_list_folds_between_tags_and_after_h_colons() {
        let names = ["From", "Date", "Message-ID", "Subject", "Reply-To"]
            .repeat(6)
            .join(":");
        let tags = [
            "v=1".to_owned(),
            "a=sha256".to_owned(),
            format!("h={names}"),
            "b=".to_owned(),
        ];
        let text = written(LineEnd::Crlf, |w| w.tag_list("x-de-mail-integrity", &tags));
        assert!(text.lines().all(|line| line.len() <= FOLD_AT), "{text}");
        let unfolded: String = text.replace("\r\n ", "");
        assert_eq!(
            unfolded,
            format!("x-de-mail-integrity: v=1; a=sha256; h={names}; b=")
        );
    }

    // TR 01201-3.4 §3.1 / D13: a message stored with LF keeps LF in new fields.
    #[test]
    fn lf_variant_writes_every_line_end_as_lf() {
        let value = "Grüße ".repeat(30);
        let crlf = written(LineEnd::Crlf, |w| {
            w.text("Subject", &value);
            w.base64("x-de-mail-signature-certificate", &"QUJD".repeat(60));
        });
        let lf = written(LineEnd::Lf, |w| {
            w.text("Subject", &value);
            w.base64("x-de-mail-signature-certificate", &"QUJD".repeat(60));
        });
        assert!(!lf.contains('\r'));
        assert_eq!(lf, crlf.replace("\r\n", "\n"));
    }

    // RFC 5322 §3.4 address-list
    #[test]
    fn address_list_is_written_and_read_back() {
        let list = [
            DeMailAddress::parse("\"Müller, Hans\" <hans.mueller@a.de-mail.de>").expect("address"),
            DeMailAddress::parse("b@b.de-mail.de").expect("address"),
        ];
        let text = written(LineEnd::Crlf, |w| {
            w.address_list("To", &list);
            w.address_list("Cc", &[]);
        });
        assert!(text.starts_with("To: "));
        assert!(!text.contains("Cc"));
        let message = format!("{text}\r\n");
        let parsed = mail_parser::MessageParser::default()
            .parse(message.as_bytes())
            .expect("message");
        let to = parsed.to().and_then(|a| a.as_list()).expect("list");
        assert_eq!(to[0].name.as_deref(), Some("Müller, Hans"));
        assert_eq!(to[1].address.as_deref(), Some("b@b.de-mail.de"));
    }
}
