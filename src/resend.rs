//! Forwarding (automatische Weiterleitung, TR 01201-3.4 §3.2) and redirection
//! (Nachsendung, §3.3) of a received message, and the `Envelope-to` reset on
//! receipt (§3.1.22).
//!
//! Both operations take a message as bytes and return new bytes in which
//! only these fields change:
//! - `Envelope-to`: every existing one is removed and one is written from the
//!   SMTP `rcpt-to` of the new delivery (§3.1.22), at the top;
//! - a resent block (RFC 5322 §3.6.6) is prepended below it: `Resent-Date`,
//!   `Resent-From` (forwarding only, see docs/decisions.md D41), `Resent-To`,
//!   `Resent-Message-ID`;
//! - `X-de-mail-actual-recipient` is rewritten to the new address (§3.2, §3.3).
//!
//! `To`, the body and every field the integrity hash covers
//! ([`crate::integrity::SIGNED_FIELDS`]) are copied byte for byte, so
//! `X-de-mail-integrity` still verifies (PVD FU Schritt 72: "keine erneute
//! Integritätssicherung"). Neither `X-de-mail-actual-recipient` nor
//! `Envelope-to` nor any `Resent-*` field is in `h=` (D40).
//!
//! ```
//! use demail::address::DeMailAddress;
//! use demail::envelope::Envelope;
//! use demail::fields::DateTime;
//! use demail::integrity::{sign, SignOptions};
//! use demail::resend::{forward, Resend};
//! use demail::integrity::{verify, Verdict};
//! use demail::trust::VerifyOptions;
//!
//! let received = sign(&std::fs::read("tests/data/normal-minimal.eml")?, &SignOptions::hash_only())?;
//! let resend = Resend::new(
//!     DeMailAddress::parse("max.mustermann@dmda-a.de-mail.de")?,
//!     DeMailAddress::parse("max.privat@dmda-b.de-mail.de")?,
//!     DateTime::parse_rfc5322("Fri, 15 Mar 2024 08:00:00 +0100").unwrap(),
//!     "fw.4711@mx.dmda-a.de-mail.de",
//! );
//! let forwarded = forward(&received, &resend)?;
//! let envelope = Envelope::parse(&forwarded)?;
//! assert!(envelope.is_forwarded());
//! assert_eq!(verify(&envelope, &VerifyOptions::default()).verdict, Verdict::Pass);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::address::{DeMailAddress, RecipientList};
use crate::envelope::Envelope;
use crate::fields::{DateTime, FieldName};
use crate::header::{HeaderError, RawField};
use crate::writer::{Edit, HeaderWriter, LineEnd, copy_fields_and_body};

/// How a message is sent on: forwarded or redirected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResendKind {
    /// Automatische Weiterleitung (§3.2; PVD FU §3.1.3.2, Schritt 72): a
    /// copy stays in the original mailbox; `Resent-From` names the mailbox
    /// that forwards ("Weiterleitungs-Absender", Table 1 row 20).
    Forward,
    /// Nachsendung (§3.3; PVD FU §3.1.3.3, Schritt 50): no copy stays; the
    /// receipt confirmation comes from the new mailbox, so no
    /// "Weiterleitungs-Absender" (`Resent-From`) is written (D41).
    Redirect,
}

/// The data of one forwarding or redirection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resend<'a> {
    /// The mailbox that sends the message on: the current recipient's
    /// De-Mail address (written as `Resent-From` when forwarding).
    pub mailbox: DeMailAddress<'a>,
    /// The new receiving address (`Resent-To`, `X-de-mail-actual-recipient`).
    pub new_recipient: DeMailAddress<'a>,
    /// The SMTP `rcpt-to` of the new delivery (`Envelope-to`, §3.1.22);
    /// [`Resend::new`] sets it to the new recipient.
    pub rcpt_to: DeMailAddress<'a>,
    /// `Resent-Date`.
    pub date: DateTime,
    /// `Resent-Message-ID`, without the angle brackets (`left@right`).
    pub message_id: String,
}

impl<'a> Resend<'a> {
    /// A resend to `new_recipient` by `mailbox`, delivered to `new_recipient`.
    pub fn new(
        mailbox: DeMailAddress<'a>,
        new_recipient: DeMailAddress<'a>,
        date: DateTime,
        message_id: impl Into<String>,
    ) -> Self {
        Resend {
            mailbox,
            rcpt_to: new_recipient.clone(),
            new_recipient,
            date,
            message_id: message_id.into(),
        }
    }
}

/// Why a message could not be forwarded or redirected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResendError {
    /// The input is not a mail or breaks a limit.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The new address was already a target of this message, or is the
    /// forwarding mailbox itself (PVD FU Schritt 50 and 72, FC-01).
    #[error("forwarding loop: the message was already sent on to {0} (PVD FU Schritt 72, FC-01)")]
    Loop(String),
    /// A message that requests a retrieve confirmation is not forwarded; the
    /// forwarding address gets a notification instead (PVD FU §3.1.3.2).
    #[error(
        "a message with X-de-mail-confirmation-of-retrieve: yes is not forwarded; notify the forwarding address instead (PVD FU §3.1.3.2)"
    )]
    RetrieveConfirmationRequested,
    /// `Resent-Message-ID` is not `id-left@id-right` (RFC 5322 §3.6.4).
    #[error(
        "Resent-Message-ID `{0}` is not id-left@id-right without brackets or white space (RFC 5322 §3.6.4)"
    )]
    InvalidMessageId(String),
}

/// Forwards a received message (§3.2): adds `Resent-Date`, `Resent-From`,
/// `Resent-To` and `Resent-Message-ID`, rewrites
/// `X-de-mail-actual-recipient` to the new address and resets
/// `Envelope-to`. Everything else is kept byte for byte.
///
/// # Errors
/// [`ResendError::Header`] when the input is not a mail,
/// [`ResendError::Loop`], [`ResendError::RetrieveConfirmationRequested`],
/// [`ResendError::InvalidMessageId`].
pub fn forward(message: &[u8], resend: &Resend<'_>) -> Result<Vec<u8>, ResendError> {
    resend_message(message, resend, ResendKind::Forward)
}

/// Redirects a received message (§3.3): rewrites
/// `X-de-mail-actual-recipient` to the new address, resets `Envelope-to`
/// and adds `Resent-Date`, `Resent-To` and `Resent-Message-ID` (no
/// `Resent-From`, see D41). Everything else is kept byte for byte.
///
/// # Errors
/// As [`forward`], except that a requested retrieve confirmation is no
/// obstacle: the new mailbox issues it (PVD FU §3.1.3.3).
pub fn redirect(message: &[u8], resend: &Resend<'_>) -> Result<Vec<u8>, ResendError> {
    resend_message(message, resend, ResendKind::Redirect)
}

/// Whether and how a message was sent on, from its newest resent block:
/// `Resent-From` ("Weiterleitungs-Absender") means forwarded, other
/// `Resent-*` fields alone mean redirected (D41). A receiving provider uses
/// this to decide whether it must issue the receipt confirmation (PVD FU
/// Schritt 67: not for a forwarded message).
///
/// Only the newest block counts (RFC 5322 §3.6.6: each block is prepended,
/// so older ones lie below): a message forwarded and then redirected is a
/// redirect. The block is the first run of `Resent-*` fields from the top;
/// it ends at the first other field or where a `Resent-*` name repeats
/// (each occurs at most once per block, RFC 5322 §3.6), since blocks can be
/// adjacent.
pub fn resend_kind(envelope: &Envelope<'_>) -> Option<ResendKind> {
    let block = newest_resent_block(envelope.fields());
    if block.is_empty() {
        None
    } else if block.iter().any(|f| f.has_name(FieldName::ResentFrom.as_str())) {
        Some(ResendKind::Forward)
    } else {
        Some(ResendKind::Redirect)
    }
}

/// The newest resent block: see [`resend_kind`].
fn newest_resent_block<'f, 'a>(fields: &'f [RawField<'a>]) -> &'f [RawField<'a>] {
    let is_resent = |f: &RawField<'_>| {
        f.name
            .get(..7)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("Resent-"))
    };
    let Some(start) = fields.iter().position(is_resent) else {
        return &[];
    };
    let rest = &fields[start..];
    let mut len = 0;
    while let Some(field) = rest.get(len) {
        let repeated = rest[..len].iter().any(|seen| seen.has_name(field.name));
        if !is_resent(field) || repeated {
            break;
        }
        len += 1;
    }
    &rest[..len]
}

/// Removes every `Envelope-to` field and writes one at the top holding the
/// SMTP `rcpt-to` (§3.1.22, done on every receipt). Other bytes are kept.
///
/// # Errors
/// [`ResendError::Header`] when the input is not a mail.
pub fn reset_envelope_to(message: &[u8], rcpt_to: &DeMailAddress<'_>) -> Result<Vec<u8>, ResendError> {
    let envelope = Envelope::parse(message)?;
    let line_end = LineEnd::of(envelope.fields());
    let mut out = Vec::with_capacity(message.len() + 128);
    HeaderWriter::new(&mut out, line_end).folded(FieldName::EnvelopeTo.written_name(), &rcpt_to.addr_spec());
    copy_fields_and_body(&mut out, envelope.raw(), envelope.fields(), &mut |field, _| {
        if field.has_name(FieldName::EnvelopeTo.as_str()) {
            Edit::Drop
        } else {
            Edit::Keep
        }
    });
    Ok(out)
}

fn resend_message(message: &[u8], resend: &Resend<'_>, kind: ResendKind) -> Result<Vec<u8>, ResendError> {
    check_message_id(&resend.message_id)?;
    let envelope = Envelope::parse(message)?;
    check_loop(&envelope, resend)?;
    if kind == ResendKind::Forward && envelope.metadata().confirmation_of_retrieve == Some(true) {
        return Err(ResendError::RetrieveConfirmationRequested);
    }
    let actual = new_actual_recipient(&envelope, resend);
    let line_end = LineEnd::of(envelope.fields());

    let mut out = Vec::with_capacity(message.len() + 512);
    let mut w = HeaderWriter::new(&mut out, line_end);
    w.folded(FieldName::EnvelopeTo.written_name(), &resend.rcpt_to.addr_spec());
    w.folded(FieldName::ResentDate.written_name(), &resend.date.to_rfc5322());
    if kind == ResendKind::Forward {
        w.folded(FieldName::ResentFrom.written_name(), &resend.mailbox.to_string());
    }
    w.folded(
        FieldName::ResentTo.written_name(),
        &resend.new_recipient.to_string(),
    );
    w.folded(
        FieldName::ResentMessageId.written_name(),
        &format!("<{}>", resend.message_id),
    );
    let mut actual_written = false;
    if envelope.field(FieldName::ActualRecipient).is_none() {
        w.folded(FieldName::ActualRecipient.written_name(), &actual);
        actual_written = true;
    }
    copy_fields_and_body(&mut out, envelope.raw(), envelope.fields(), &mut |field, out| {
        if field.has_name(FieldName::EnvelopeTo.as_str()) {
            Edit::Drop
        } else if field.has_name(FieldName::ActualRecipient.as_str()) {
            // The first occurrence is replaced in place, later ones dropped:
            // a reader that takes the last one must not see the old value.
            if !actual_written {
                HeaderWriter::new(out, line_end).folded(FieldName::ActualRecipient.written_name(), &actual);
                actual_written = true;
            }
            Edit::Drop
        } else {
            Edit::Keep
        }
    });
    Ok(out)
}

/// `X-de-mail-actual-recipient` after the resend: the new address, in the
/// element (`to`, `cc`, `bcc`) where the sending mailbox stood; `to` when it
/// is not listed.
fn new_actual_recipient(envelope: &Envelope<'_>, resend: &Resend<'_>) -> String {
    let old = envelope.metadata().actual_recipient.as_ref();
    let listed_in = |list: &RecipientList<'_>| {
        if list.cc.iter().any(|a| a.same_mailbox(&resend.mailbox)) {
            "cc"
        } else if list.bcc.iter().any(|a| a.same_mailbox(&resend.mailbox)) {
            "bcc"
        } else {
            "to"
        }
    };
    let key = old.map_or("to", listed_in);
    format!("{key}={}", resend.new_recipient)
}

/// PVD FU Schritt 50 and 72 (FC-01): the new address must not be the
/// forwarding mailbox itself, nor an address the message was already sent on
/// to (`Resent-To`) or from (`Resent-From`), so A → B → A is refused.
/// Addresses are compared case-insensitively in both parts (ACM §2.1.3: a
/// De-Mail address is lower case), so A → B → a is a loop too.
fn check_loop(envelope: &Envelope<'_>, resend: &Resend<'_>) -> Result<(), ResendError> {
    let target = &resend.new_recipient;
    let looped = same_address(target, &resend.mailbox)
        || envelope
            .fields()
            .iter()
            .filter(|f| {
                f.has_name(FieldName::ResentTo.as_str()) || f.has_name(FieldName::ResentFrom.as_str())
            })
            .any(|f| {
                let value = f.unfolded_value();
                value
                    .split(',')
                    .filter_map(|a| DeMailAddress::parse(a).ok())
                    .any(|a| same_address(&a, target))
            });
    if looped {
        return Err(ResendError::Loop(target.addr_spec()));
    }
    Ok(())
}

/// Local part and domain equal ignoring ASCII case.
fn same_address(a: &DeMailAddress<'_>, b: &DeMailAddress<'_>) -> bool {
    a.local_part.eq_ignore_ascii_case(&b.local_part) && a.domain.eq_ignore_ascii_case(&b.domain)
}

fn check_message_id(id: &str) -> Result<(), ResendError> {
    let valid = id
        .split_once('@')
        .is_some_and(|(left, right)| !left.is_empty() && !right.is_empty())
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"' | b'\\' | b'(' | b')'));
    if valid {
        Ok(())
    } else {
        Err(ResendError::InvalidMessageId(id.to_owned()))
    }
}

/// A fresh `Resent-Message-ID` for `kind` by `mailbox`, without the angle
/// brackets: `<seconds>.<64 random bits in hex>.fw@<mailbox domain>` (`rd`
/// for a redirection). RFC 5322 §3.6.4 asks for an id unique to this
/// message; the random part comes from the system CSPRNG (ring), and should
/// that fail, from the time in nanoseconds and the process id.
///
/// ```
/// use demail::address::DeMailAddress;
/// use demail::resend::{ResendKind, generated_message_id};
/// let mailbox = DeMailAddress::parse("max.mustermann@dmda-a.de-mail.de")?;
/// let id = generated_message_id(&mailbox, ResendKind::Forward);
/// assert!(id.ends_with(".fw@dmda-a.de-mail.de"));
/// assert_ne!(id, generated_message_id(&mailbox, ResendKind::Forward));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generated_message_id(mailbox: &DeMailAddress<'_>, kind: ResendKind) -> String {
    use ring::rand::{SecureRandom, SystemRandom};
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut random = [0u8; 8];
    let unique = match SystemRandom::new().fill(&mut random) {
        Ok(()) => u64::from_be_bytes(random),
        Err(_) => (u64::from(elapsed.subsec_nanos()) << 32) | u64::from(std::process::id()),
    };
    let tag = match kind {
        ResendKind::Forward => "fw",
        ResendKind::Redirect => "rd",
    };
    format!("{}.{unique:016x}.{tag}@{}", elapsed.as_secs(), mailbox.domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 5322 §3.6.4: msg-id = "<" id-left "@" id-right ">"
    #[test]
    fn resent_message_id_must_be_id_left_at_id_right() {
        assert!(check_message_id("a.b@c.d").is_ok());
        for bad in ["", "abc", "@c", "a@", "<a@b>", "a b@c", "a@b\r\n"] {
            assert!(
                matches!(check_message_id(bad), Err(ResendError::InvalidMessageId(_))),
                "{bad:?}"
            );
        }
    }

    // TR 01201-3.4 §3.1.22, §3.1 (LF-only input keeps its line ends)
    #[test]
    fn new_fields_follow_the_line_end_of_the_message() {
        let out = reset_envelope_to(
            b"Subject: x\nEnvelope-to: old@a.de\n\nbody",
            &DeMailAddress::parse("new@b.de").unwrap(),
        )
        .unwrap();
        assert_eq!(out, b"Envelope-to: new@b.de\nSubject: x\n\nbody");
    }

    // RFC 5322 §3.6.4: a generated Resent-Message-ID is a valid, fresh msg-id.
    #[test]
    fn generated_resent_message_id_is_a_valid_unique_msg_id() {
        let mailbox = DeMailAddress::parse("a@dmda-b.de-mail.de").unwrap();
        let ids: Vec<String> = (0..100)
            .map(|_| generated_message_id(&mailbox, ResendKind::Redirect))
            .collect();
        for id in &ids {
            assert!(check_message_id(id).is_ok(), "{id}");
            assert!(id.ends_with(".rd@dmda-b.de-mail.de"), "{id}");
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
    }
}
