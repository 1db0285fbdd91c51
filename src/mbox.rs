//! Export and import (Export und Import, TR 01201-3.4 §3.6): mbox files as
//! RFC 4155 Appendix A defines them, with the `From_` quoting of qmail's
//! mbox(5), and single messages as plain RFC 5322 text.
//!
//! - **Quoting** (qmail): on export a line matching `^>*From ` gets one more
//!   `>`; on import a line matching `^>+From ` loses one. The scheme is
//!   reversible, so export followed by import gives every message back byte
//!   for byte and its integrity value still verifies.
//! - **Separator**: each message is written as its `From_` line, the quoted
//!   message, and one `\n`; on import exactly one `\n` before the next
//!   `From_` line (or the end of the file) is removed (docs/decisions.md D44).
//! - **Streaming**: [`MboxReader`] reads one message at a time from any
//!   [`BufRead`]; memory is bounded by the largest message, and a message
//!   larger than the limit is a typed error that does not stop the reader.
//! - **Import** ([`import`]) checks each message as a De-Mail message
//!   (RFC 5322 header and [`Envelope::validate`]) and reports the invalid
//!   ones with their index and byte offset instead of stopping.
//!
//! ```
//! use demail::mbox::{FromLine, MboxReader, MboxWriter, DEFAULT_MAX_MESSAGE};
//!
//! let message = std::fs::read("tests/data/signed/normal-minimal-hash-only.eml")?;
//! let mut writer = MboxWriter::new(Vec::new());
//! writer.write_message(&message, &FromLine::for_message(&message))?;
//! writer.write_message(b"Subject: x\r\n\r\nFrom here\r\n>From there", &FromLine::default())?;
//! let file = writer.into_inner();
//!
//! let messages: Vec<_> = MboxReader::new(&file[..], DEFAULT_MAX_MESSAGE).collect::<Result<_, _>>()?;
//! assert_eq!(messages.len(), 2);
//! assert_eq!(messages[0].data, message);
//! assert_eq!(messages[1].data, b"Subject: x\r\n\r\nFrom here\r\n>From there");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io::{self, BufRead, Write};

use crate::envelope::Envelope;
use crate::fields::{DateTime, FieldName};
use crate::header::HeaderError;
use crate::validate::{Mode, Report};

/// The default largest message [`MboxReader`] accepts: 64 MiB.
pub const DEFAULT_MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// How many bytes of a `From_` line are kept ([`MboxMessage::from_line`]);
/// the rest is read and dropped (its content is informational, §3.6).
pub const MAX_FROM_LINE: usize = 1024;

/// One message read from an mbox file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxMessage {
    /// Position in the file, counting from 0 (messages with errors count).
    pub index: usize,
    /// Byte offset of the message's `From_` line in the file.
    pub offset: u64,
    /// The `From_` line without its line end (at most [`MAX_FROM_LINE`] bytes).
    pub from_line: Vec<u8>,
    /// The message, un-quoted, exactly as it was exported.
    pub data: Vec<u8>,
}

/// Why the reader could not return a message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MboxError {
    /// Reading failed; the reader stops.
    #[error("reading the mbox file failed: {0}")]
    Io(#[from] io::Error),
    /// The file does not start with a `From_` line (RFC 4155 Appendix A);
    /// the reader skips to the first one.
    #[error("not an mbox file: no `From ` line at byte {offset} (RFC 4155 Appendix A)")]
    NotMbox {
        /// Offset of the first line.
        offset: u64,
    },
    /// A message is larger than the limit; it is skipped, the reader goes on
    /// with the next one.
    #[error("message {index} at byte {offset} exceeds {limit} bytes")]
    MessageTooLarge {
        /// Position of the message.
        index: usize,
        /// Byte offset of its `From_` line.
        offset: u64,
        /// The limit in force.
        limit: usize,
    },
}

impl MboxError {
    /// A stable snake_case code: `io`, `not_mbox`, `message_too_large`.
    pub const fn code(&self) -> &'static str {
        match self {
            MboxError::Io(_) => "io",
            MboxError::NotMbox { .. } => "not_mbox",
            MboxError::MessageTooLarge { .. } => "message_too_large",
        }
    }

    /// The byte offset in the mbox file, where known.
    pub const fn offset(&self) -> Option<u64> {
        match self {
            MboxError::Io(_) => None,
            MboxError::NotMbox { offset } | MboxError::MessageTooLarge { offset, .. } => Some(*offset),
        }
    }
}

/// `{"code", "error_case": null, "message", "offset"}` (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for MboxError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let offset = self.offset().and_then(|o| usize::try_from(o).ok());
        crate::serialize::problem(serializer, self.code(), None, self, offset)
    }
}

/// A streaming mbox reader: an iterator over the messages of a file.
///
/// Memory: the current message plus the reader's buffer. Bytes are never
/// interpreted beyond the line structure, so any input is read without
/// panicking.
#[derive(Debug)]
pub struct MboxReader<R> {
    reader: R,
    max_message: usize,
    /// Bytes consumed so far.
    offset: u64,
    /// The `From_` line that starts the next message: (offset, bytes).
    pending: Option<(u64, Vec<u8>)>,
    index: usize,
    started: bool,
    done: bool,
}

impl<R: BufRead> MboxReader<R> {
    /// A reader that rejects messages larger than `max_message` bytes.
    pub fn new(reader: R, max_message: usize) -> Self {
        MboxReader {
            reader,
            max_message,
            offset: 0,
            pending: None,
            index: 0,
            started: false,
            done: false,
        }
    }

    /// Reads one line (up to and including `\n`, or to the end of input),
    /// appending at most `max_store` bytes of it to `into`. Returns the
    /// line's full length (0 at the end of input).
    fn read_line(&mut self, into: &mut Vec<u8>, max_store: usize) -> io::Result<usize> {
        let mut total = 0;
        loop {
            let buffer = match self.reader.fill_buf() {
                Ok(buffer) => buffer,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buffer.is_empty() {
                break;
            }
            let (chunk, complete) = match memchr::memchr(b'\n', buffer) {
                Some(at) => (&buffer[..=at], true),
                None => (buffer, false),
            };
            let room = max_store.saturating_sub(total);
            into.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = chunk.len();
            total += used;
            self.reader.consume(used);
            if complete {
                break;
            }
        }
        self.offset += total as u64;
        Ok(total)
    }

    /// Finds the first `From_` line; reports junk before it once.
    fn start(&mut self) -> Option<Result<(), MboxError>> {
        self.started = true;
        let mut junk = false;
        loop {
            let offset = self.offset;
            let mut line = Vec::new();
            match self.read_line(&mut line, MAX_FROM_LINE) {
                Err(e) => return Some(Err(e.into())),
                Ok(0) => {
                    self.done = true;
                    return junk.then_some(Err(MboxError::NotMbox { offset: 0 }));
                }
                Ok(_) if line.starts_with(b"From ") => {
                    self.pending = Some((offset, trim_line_end(line)));
                    return junk.then_some(Err(MboxError::NotMbox { offset: 0 }));
                }
                Ok(_) => junk = true,
            }
        }
    }

    /// Reads the message that starts with the pending `From_` line.
    fn next_message(&mut self, offset: u64, from_line: Vec<u8>) -> Result<MboxMessage, MboxError> {
        let index = self.index;
        self.index += 1;
        let mut data = Vec::new();
        let mut too_large = false;
        let mut scratch = Vec::new();
        loop {
            let line_offset = self.offset;
            let start = data.len();
            let read = if too_large {
                scratch.clear();
                self.read_line(&mut scratch, MAX_FROM_LINE)?
            } else {
                // Room for the separator and one byte more, so overflow
                // shows, and always for a whole `From_` line.
                let room = self
                    .max_message
                    .saturating_add(2)
                    .saturating_sub(start)
                    .max(MAX_FROM_LINE);
                self.read_line(&mut data, room)?
            };
            if read == 0 {
                self.done = true;
                break;
            }
            let line = if too_large { &scratch[..] } else { &data[start..] };
            if line.starts_with(b"From ") {
                let mut line = if too_large {
                    std::mem::take(&mut scratch)
                } else {
                    data.split_off(start)
                };
                line.truncate(MAX_FROM_LINE);
                self.pending = Some((line_offset, trim_line_end(line)));
                break;
            }
            if too_large {
                continue;
            }
            if start.saturating_add(read) > self.max_message.saturating_add(1) {
                too_large = true;
                data = Vec::new();
                continue;
            }
            if is_quoted_from(line) {
                data.remove(start);
            }
        }
        // The separator: one `\n` written after every message (D44).
        if data.last() == Some(&b'\n') {
            data.pop();
        }
        if too_large || data.len() > self.max_message {
            return Err(MboxError::MessageTooLarge {
                index,
                offset,
                limit: self.max_message,
            });
        }
        Ok(MboxMessage {
            index,
            offset,
            from_line,
            data,
        })
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = Result<MboxMessage, MboxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if !self.started
            && let Some(result) = self.start()
        {
            if let Err(MboxError::Io(_)) = result {
                self.done = true;
            }
            return result.err().map(Err);
        }
        let (offset, from_line) = self.pending.take()?;
        let result = self.next_message(offset, from_line);
        if let Err(MboxError::Io(_)) = result {
            self.done = true;
            self.pending = None;
        }
        Some(result)
    }
}

/// `>+From ` at the start of a line: quoted on export, loses one `>` on import.
fn is_quoted_from(line: &[u8]) -> bool {
    let quotes = line.iter().take_while(|b| **b == b'>').count();
    quotes > 0 && line[quotes..].starts_with(b"From ")
}

/// `>*From ` at the start of a line: gets one more `>` on export.
fn needs_quote(line: &[u8]) -> bool {
    let quotes = line.iter().take_while(|b| **b == b'>').count();
    line[quotes..].starts_with(b"From ")
}

fn trim_line_end(mut line: Vec<u8>) -> Vec<u8> {
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    line
}

/// The content of a `From_` line: `From <sender> <asctime date in UTC>`
/// (RFC 4155 Appendix A). §3.6 lets the content be arbitrary as long as it
/// follows the format; import does not compare it with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromLine {
    /// The envelope sender: an addr-spec without white space, or
    /// `MAILER-DAEMON`.
    pub sender: String,
    /// Seconds since 1970-01-01T00:00:00Z.
    pub timestamp: i64,
}

impl Default for FromLine {
    /// `From MAILER-DAEMON Thu Jan  1 00:00:00 1970`.
    fn default() -> Self {
        FromLine {
            sender: "MAILER-DAEMON".into(),
            timestamp: 0,
        }
    }
}

impl FromLine {
    /// The sender (`X-de-mail-sender`, else `From`) and `Date` of a message;
    /// `MAILER-DAEMON` and the epoch where they are missing or unusable.
    pub fn for_message(message: &[u8]) -> FromLine {
        let Ok(envelope) = Envelope::parse(message) else {
            return FromLine::default();
        };
        let metadata = envelope.metadata();
        let sender = metadata
            .sender
            .as_ref()
            .or(metadata.from.as_ref())
            .map(|a| a.addr_spec())
            .filter(|a| a.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or_else(|| "MAILER-DAEMON".into());
        FromLine {
            sender,
            timestamp: metadata.date.map_or(0, |d| d.unix_seconds()),
        }
    }
}

impl fmt::Display for FromLine {
    /// `From sender Www Mmm dd hh:mm:ss yyyy` (C `asctime`, UTC); the time
    /// is clamped to the years 0000..=9999 (D44).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
        const RANGE: (i64, i64) = (-62_167_219_200, 253_402_300_799);
        let utc = DateTime::from_unix_seconds(self.timestamp.clamp(RANGE.0, RANGE.1), 0)
            .unwrap_or(DateTime::UNIX_EPOCH); // the clamped time is always in range
        write!(
            f,
            "From {} {} {} {:>2} {:02}:{:02}:{:02} {:04}",
            self.sender,
            utc.weekday(),
            utc.month_name(),
            utc.day(),
            utc.hour(),
            utc.minute(),
            utc.second(),
            utc.year(),
        )
    }
}

/// Writes messages into an mbox file.
#[derive(Debug)]
pub struct MboxWriter<W> {
    inner: W,
}

impl<W: Write> MboxWriter<W> {
    /// A writer appending to `inner` (wrap files in a `BufWriter`).
    pub fn new(inner: W) -> Self {
        MboxWriter { inner }
    }

    /// Writes the `From_` line, the message with qmail quoting, and the
    /// separating `\n`. The message's bytes, line ends included, are kept.
    ///
    /// # Errors
    /// Any error of the underlying writer.
    pub fn write_message(&mut self, message: &[u8], from: &FromLine) -> io::Result<()> {
        writeln!(self.inner, "{from}")?;
        let mut start = 0;
        while start < message.len() {
            let end = memchr::memchr(b'\n', &message[start..]).map_or(message.len(), |at| start + at + 1);
            let line = &message[start..end];
            if needs_quote(line) {
                self.inner.write_all(b">")?;
            }
            self.inner.write_all(line)?;
            start = end;
        }
        self.inner.write_all(b"\n")
    }

    /// Flushes and returns the underlying writer.
    ///
    /// # Errors
    /// When flushing fails.
    pub fn finish(mut self) -> io::Result<W> {
        self.inner.flush()?;
        Ok(self.inner)
    }

    /// Returns the underlying writer without flushing.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// Writes one message as plain RFC 5322 text (§3.6: "mit allen Headern,
/// Nachrichten-Body und Anhängen"): its exact bytes, so the integrity value
/// can still be checked.
///
/// # Errors
/// [`ImportProblem::NotAMail`] when the bytes are not a mail; I/O errors of
/// `out` as [`ImportProblem::Io`].
pub fn export_plain<W: Write>(message: &[u8], out: &mut W) -> Result<(), ImportProblem> {
    Envelope::parse(message)?;
    out.write_all(message)
        .map_err(|e| ImportProblem::Io(std::sync::Arc::new(e)))
}

/// Why an imported message is not accepted (§3.6: "Die enthaltenen
/// Nachrichten müssen [RFC 2822] entsprechen und gültige De-Mail-Nachrichten
/// sein ... Ansonsten ist ein Fehler auszugeben").
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ImportProblem {
    /// The message is not an RFC 5322 mail.
    #[error("not an RFC 5322 message: {0}")]
    NotAMail(#[from] HeaderError),
    /// The message is a mail but not a valid De-Mail message.
    #[error("not a valid De-Mail message: {0}")]
    NotDeMail(Report),
    /// Writing failed.
    #[error("writing failed: {0}")]
    Io(#[source] std::sync::Arc<io::Error>),
}

impl ImportProblem {
    /// A stable snake_case code: `not_a_mail`, `not_demail`, `io`.
    pub const fn code(&self) -> &'static str {
        match self {
            ImportProblem::NotAMail(_) => "not_a_mail",
            ImportProblem::NotDeMail(_) => "not_demail",
            ImportProblem::Io(_) => "io",
        }
    }
}

/// `{"code", "error_case": null, "message", "offset": null}` (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for ImportProblem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::problem(serializer, self.code(), None, self, None)
    }
}

/// Checks a message for import: RFC 5322 header and a De-Mail message that
/// validates in [`Mode::Strict`], `X-de-mail-message-type` present.
///
/// # Errors
/// The [`ImportProblem`].
pub fn check_import(message: &[u8]) -> Result<(), ImportProblem> {
    let envelope = Envelope::parse(message)?;
    let report = envelope.validate();
    if report.accepts(Mode::Strict) && envelope.field(FieldName::MessageType).is_some() {
        Ok(())
    } else {
        Err(ImportProblem::NotDeMail(report))
    }
}

/// One message of an import.
#[derive(Debug)]
#[non_exhaustive]
pub enum Imported {
    /// A valid De-Mail message.
    Valid(MboxMessage),
    /// A message that is not accepted, with its position and the reason.
    Invalid {
        /// The message (index, offset, bytes).
        message: MboxMessage,
        /// Why it is not accepted.
        problem: ImportProblem,
    },
    /// A part of the file that could not be read as a message.
    Unreadable(MboxError),
}

/// Reads an mbox file and checks every message ([`check_import`]),
/// reporting each one, valid or not, in file order.
pub fn import<R: BufRead>(reader: R, max_message: usize) -> impl Iterator<Item = Imported> {
    MboxReader::new(reader, max_message).map(|result| match result {
        Err(error) => Imported::Unreadable(error),
        Ok(message) => match check_import(&message.data) {
            Ok(()) => Imported::Valid(message),
            Err(problem) => Imported::Invalid { message, problem },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(file: &[u8]) -> Vec<Vec<u8>> {
        MboxReader::new(file, DEFAULT_MAX_MESSAGE)
            .map(|m| m.unwrap().data)
            .collect()
    }

    fn write(messages: &[&[u8]]) -> Vec<u8> {
        let mut writer = MboxWriter::new(Vec::new());
        for m in messages {
            writer.write_message(m, &FromLine::default()).unwrap();
        }
        writer.into_inner()
    }

    // TR 01201-3.4 §3.6, qmail mbox(5): one more `>` on export, one less on import.
    #[test]
    fn qmail_quoting_adds_and_removes_one_quote() {
        let message: &[u8] = b"Subject: x\n\nFrom here\n>From there\n>>From x\n> From not\nFromage\n";
        let file = write(&[message]);
        assert_eq!(
            file,
            b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: x\n\n>From here\n>>From there\n>>>From x\n> From not\nFromage\n\n"
        );
        assert_eq!(read(&file), vec![message.to_vec()]);
    }

    // RFC 4155 Appendix A; D44: the last message without a final newline.
    #[test]
    fn final_newline_is_kept_exactly() {
        for message in [
            &b"A: b\r\n\r\nbody"[..],
            b"A: b\r\n\r\nbody\r\n",
            b"A: b\n\nbody\n\n",
            b"",
        ] {
            let file = write(&[message, message]);
            assert_eq!(
                read(&file),
                vec![message.to_vec(), message.to_vec()],
                "{message:?}"
            );
        }
    }

    // TR 01201-3.4 §3.6: "0 bis n Nachrichten".
    #[test]
    fn empty_file_has_no_messages() {
        assert!(read(b"").is_empty());
    }

    #[test]
    fn junk_before_the_first_from_line_is_reported_once() {
        let results: Vec<_> =
            MboxReader::new(&b"junk\nmore\nFrom x Thu Jan  1 00:00:00 1970\nA: b\n\n"[..], 100).collect();
        assert!(matches!(results[0], Err(MboxError::NotMbox { offset: 0 })));
        assert_eq!(results[1].as_ref().unwrap().data, b"A: b\n");
        assert_eq!(results[1].as_ref().unwrap().offset, 10);
        assert_eq!(results.len(), 2);
    }

    #[test]
    fn message_over_the_limit_is_an_error_and_the_next_is_read() {
        let file = write(&[&[b'a'; 200], b"A: b\n", &[b'b'; 101]]);
        let results: Vec<_> = MboxReader::new(&file[..], 100).collect();
        assert!(matches!(
            results[0],
            Err(MboxError::MessageTooLarge {
                index: 0,
                offset: 0,
                limit: 100
            })
        ));
        let second = results[1].as_ref().unwrap();
        assert_eq!((second.index, second.data.as_slice()), (1, &b"A: b\n"[..]));
        assert!(matches!(
            results[2],
            Err(MboxError::MessageTooLarge { index: 2, .. })
        ));
        // Exactly at the limit is fine (the separator is not counted).
        let file = write(&[&[b'c'; 100]]);
        assert_eq!(read_limited(&file, 100), vec![vec![b'c'; 100]]);
    }

    fn read_limited(file: &[u8], limit: usize) -> Vec<Vec<u8>> {
        MboxReader::new(file, limit).map(|m| m.unwrap().data).collect()
    }

    // RFC 4155 Appendix A: asctime in UTC.
    #[test]
    fn from_line_uses_asctime_in_utc() {
        let line = FromLine {
            sender: "a@b.de".into(),
            timestamp: 1_710_403_361, // 2024-03-14T08:02:41Z
        };
        assert_eq!(line.to_string(), "From a@b.de Thu Mar 14 08:02:41 2024");
        let message = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/normal-minimal.eml"
        ))
        .unwrap();
        assert_eq!(
            FromLine::for_message(&message).to_string(),
            "From pn_katze@dmda-b.de-mail.de Thu Mar 14 17:02:41 2024"
        );
        assert_eq!(
            FromLine::for_message(b"").to_string(),
            "From MAILER-DAEMON Thu Jan  1 00:00:00 1970"
        );
    }

    // RFC 4155 Appendix A: asctime in UTC, across leap days, before the
    // epoch, and clamped to the four-digit years 0000..=9999 (D44).
    #[test]
    fn from_line_date_is_asctime_in_utc_for_every_timestamp() {
        let date = |timestamp: i64| {
            FromLine {
                sender: "a@b.de".into(),
                timestamp,
            }
            .to_string()
        };
        assert_eq!(date(951_825_600), "From a@b.de Tue Feb 29 12:00:00 2000");
        assert_eq!(date(1_709_164_800), "From a@b.de Thu Feb 29 00:00:00 2024");
        assert_eq!(date(-1), "From a@b.de Wed Dec 31 23:59:59 1969");
        assert_eq!(date(-2_208_988_800), "From a@b.de Mon Jan  1 00:00:00 1900");
        assert_eq!(date(253_402_300_799), "From a@b.de Fri Dec 31 23:59:59 9999");
        assert_eq!(date(i64::MAX), "From a@b.de Fri Dec 31 23:59:59 9999");
        assert_eq!(date(-62_167_219_200), "From a@b.de Sat Jan  1 00:00:00 0000");
        assert_eq!(date(i64::MIN), "From a@b.de Sat Jan  1 00:00:00 0000");
    }

    // Why this crate does not use mail-parser's `mbox::MessageIterator`: it
    // keeps the separating blank line in the message, so a message does not
    // come back byte for byte, and it has no size limit.
    #[test]
    fn mail_parser_mbox_iterator_is_not_byte_exact() {
        let message: &[u8] = b"A: b\n\nbody\n";
        let file = write(&[message]);
        let theirs: Vec<Vec<u8>> = mail_parser::mailbox::mbox::MessageIterator::new(&file[..])
            .map(|m| m.unwrap().unwrap_contents())
            .collect();
        assert_ne!(theirs, vec![message.to_vec()]);
        assert_eq!(read(&file), vec![message.to_vec()]);
    }
}
