//! BCC fan-out (Blindkopien, TR 01201-3.4 §3.1.8, §3.1.21 condition 2):
//! one outgoing message with BCC recipients becomes several messages, each
//! with its own integrity value.
//!
//! §3.1.8: "the recipients listed under to and cc must have no knowledge of
//! the BCC recipients, so the message must be created several times ... the
//! hash value and the signature must be computed several times", and "no
//! more than the BCC address of the respective BCC recipient may be in the
//! metadata on the recipient side". §3.1.21 condition 2: the message for
//! to/cc has every BCC entry removed from `X-de-mail-chosen-recipient`; the
//! message for a BCC recipient holds that recipient's BCC entry.
//!
//! [`split_bcc`] writes:
//! - one copy for the to/cc recipients (when there are any) whose
//!   `X-de-mail-chosen-recipient` is the original without its `bcc=` element;
//! - one copy per distinct BCC recipient whose `X-de-mail-chosen-recipient`
//!   is `bcc=<that recipient>` only (D42);
//! - in each copy `X-de-mail-actual-recipient` equal to its chosen
//!   recipients (§3.1.15: the initial state), every RFC 5322 `Bcc:` and
//!   `Resent-Bcc:` field removed (RFC 5322 §3.6.3, first method; D43), every
//!   `Envelope-to` removed (it may list the BCC recipients and is reset on
//!   receipt, §3.1.22; D43), and a fresh `X-de-mail-integrity`
//!   ([`crate::integrity::sign`]);
//! - in each BCC copy its own `Message-ID` and `X-de-mail-message-id`
//!   (PVD FU Schritt 29 b: "jeweils eigene Nachrichten mit eigener
//!   eindeutiger Message-ID in Element `<Message-ID>` (Nr. 14)", which is
//!   `X-de-mail-message-id`; `Message-ID` may carry the same value, §3.1.18):
//!   `<id-left>.bcc-<16 hex>@<id-right>`, the hex digits of SHA-256 over the
//!   original id and the recipient's address (D58). The to/cc copy keeps the
//!   original ids.
//!
//! Every other byte, the body included, is copied unchanged, so client-side
//! S/MIME or PGP content passes through as it is.
//!
//! ```
//! use demail::bcc::{split_bcc, Addressee};
//! use demail::integrity::SignOptions;
//!
//! let raw = std::fs::read("tests/data/normal-minimal.eml")?;
//! let raw = String::from_utf8(raw)?.replace(
//!     "x-de-mail-chosen-recipient: to=max.mustermann@dmda-a.de-mail.de",
//!     "x-de-mail-chosen-recipient: to=max.mustermann@dmda-a.de-mail.de; bcc=geheim@dmda-c.de-mail.de",
//! );
//! let copies = split_bcc(raw.as_bytes(), &SignOptions::hash_only())?;
//! assert_eq!(copies.len(), 2);
//! assert_eq!(copies[0].addressee, Addressee::ToCc);
//! assert!(!copies[0].message.windows(6).any(|w| w == b"geheim"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::address::{DeMailAddress, RecipientList};
use crate::envelope::Envelope;
use crate::fields::FieldName;
use crate::header::HeaderError;
use crate::integrity::{IntegrityError, SignOptions, sign};
use crate::writer::{Edit, HeaderWriter, LineEnd, copy_fields_and_body};

/// Whom one copy of the fan-out is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressee {
    /// The `to` and `cc` recipients.
    ToCc,
    /// One BCC recipient.
    Bcc(DeMailAddress<'static>),
}

/// One message of the fan-out, signed or hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitCopy {
    /// Whom the copy is for.
    pub addressee: Addressee,
    /// The complete message with its own `X-de-mail-integrity`.
    pub message: Vec<u8>,
}

/// Why a message could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    /// The input is not a mail or breaks a limit.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// `X-de-mail-chosen-recipient` is missing or unreadable, so the
    /// recipients are unknown (§3.1.8).
    #[error("X-de-mail-chosen-recipient is missing or invalid (TR 01201-3.4 §3.1.8)")]
    NoChosenRecipient,
    /// A copy could not be hashed or signed.
    #[error(transparent)]
    Integrity(#[from] IntegrityError),
}

/// Splits an outgoing message into the to/cc copy and one copy per BCC
/// recipient, each hashed or signed with `options` (§3.1.8, §3.1.21).
///
/// A message without BCC recipients gives one copy. BCC recipients that
/// name the same mailbox twice get one copy.
///
/// # Errors
/// [`SplitError::Header`] when the input is not a mail,
/// [`SplitError::NoChosenRecipient`], and [`SplitError::Integrity`] when a
/// copy is not ready to be hashed (§3.1.21: metadata incomplete, not CRLF)
/// or signing fails.
pub fn split_bcc(message: &[u8], options: &SignOptions<'_>) -> Result<Vec<SplitCopy>, SplitError> {
    let mut copies = Vec::new();
    split_bcc_each(message, options, |copy| {
        copies.push(copy);
        Ok::<(), SplitError>(())
    })?;
    Ok(copies)
}

/// [`split_bcc`] one copy at a time: `each` receives every copy as soon as
/// it is made (to write it out, say), so memory stays bounded by a few times
/// the message size however many BCC recipients there are. Returns the
/// number of copies.
///
/// # Errors
/// The errors of [`split_bcc`], and the first error `each` returns (no
/// further copy is made after it).
pub fn split_bcc_each<E: From<SplitError>>(
    message: &[u8],
    options: &SignOptions<'_>,
    mut each: impl FnMut(SplitCopy) -> Result<(), E>,
) -> Result<usize, E> {
    let envelope = Envelope::parse(message).map_err(SplitError::from)?;
    let chosen = envelope
        .metadata()
        .chosen_recipient
        .as_ref()
        .ok_or(SplitError::NoChosenRecipient)?;
    let mut count = 0;
    if !chosen.to.is_empty() || !chosen.cc.is_empty() {
        let to_cc = RecipientList {
            to: chosen.to.clone(),
            cc: chosen.cc.clone(),
            bcc: Vec::new(),
        };
        let message = sign(&copy_for(&envelope, &to_cc, None), options).map_err(SplitError::from)?;
        each(SplitCopy {
            addressee: Addressee::ToCc,
            message,
        })?;
        count += 1;
    }
    let mut seen: Vec<&DeMailAddress<'_>> = Vec::with_capacity(chosen.bcc.len());
    for address in &chosen.bcc {
        if seen.iter().any(|s| s.same_mailbox(address)) {
            continue;
        }
        seen.push(address);
        let own = RecipientList {
            bcc: vec![address.clone()],
            ..RecipientList::default()
        };
        let message = sign(&copy_for(&envelope, &own, Some(address)), options).map_err(SplitError::from)?;
        each(SplitCopy {
            addressee: Addressee::Bcc(address.clone().into_owned()),
            message,
        })?;
        count += 1;
    }
    Ok(count)
}

/// The message with `recipients` as chosen and actual recipients and
/// without `Bcc`/`Resent-Bcc`/`Envelope-to` fields; for the copy of a BCC
/// recipient (`bcc`) with its own message ids; every other byte unchanged.
/// The chosen-recipient field keeps its bytes when it already says the same.
fn copy_for(
    envelope: &Envelope<'_>,
    recipients: &RecipientList<'_>,
    bcc: Option<&DeMailAddress<'_>>,
) -> Vec<u8> {
    let line_end = LineEnd::of(envelope.fields());
    let value = recipients.to_string();
    let keep_chosen = envelope
        .metadata()
        .chosen_recipient
        .as_ref()
        .is_some_and(|c| c == recipients);
    let keep_actual = envelope
        .metadata()
        .actual_recipient
        .as_ref()
        .is_some_and(|a| a == recipients);
    let mut out = Vec::with_capacity(envelope.raw().len() + 256);
    let (mut chosen_done, mut actual_done) = (false, false);
    let (mut id_done, mut demail_id_done) = (false, false);
    if envelope.field(FieldName::ActualRecipient).is_none() {
        HeaderWriter::new(&mut out, line_end).folded(FieldName::ActualRecipient.written_name(), &value);
        actual_done = true;
    }
    copy_fields_and_body(&mut out, envelope.raw(), envelope.fields(), &mut |field, out| {
        // Each recipient field: the first occurrence is kept or replaced,
        // later ones are dropped so no reader sees another recipient list.
        for (name, keep, done) in [
            (FieldName::ChosenRecipient, keep_chosen, &mut chosen_done),
            (FieldName::ActualRecipient, keep_actual, &mut actual_done),
        ] {
            if field.has_name(name.as_str()) {
                if *done {
                    return Edit::Drop;
                }
                *done = true;
                if keep {
                    return Edit::Keep;
                }
                HeaderWriter::new(out, line_end).folded(name.written_name(), &value);
                return Edit::Drop;
            }
        }
        // Schritt 29 b: a BCC copy is its own message with its own ids; the
        // first occurrence is replaced, later ones dropped (D58).
        if let Some(recipient) = bcc {
            for (name, done) in [
                (FieldName::MessageId, &mut id_done),
                (FieldName::DeMailMessageId, &mut demail_id_done),
            ] {
                if field.has_name(name.as_str()) {
                    if !*done {
                        *done = true;
                        let value = bcc_message_id(&field.unfolded_value(), recipient);
                        HeaderWriter::new(out, line_end).folded(name.written_name(), &value);
                    }
                    return Edit::Drop;
                }
            }
        }
        // Envelope-to may list every recipient, BCC ones included; it is
        // reset from the SMTP rcpt-to on receipt (§3.1.22), so no copy
        // needs it (D43).
        if field.has_name("Bcc")
            || field.has_name("Resent-Bcc")
            || field.has_name(FieldName::EnvelopeTo.as_str())
        {
            Edit::Drop
        } else {
            Edit::Keep
        }
    });
    out
}

/// The message id of a BCC recipient's copy (PVD FU Schritt 29 b, D58):
/// `<id-left>.bcc-<16 hex>@<id-right>`, the hex digits the first 8 bytes of
/// SHA-256 over the original id (without angle brackets) and the
/// recipient's address in lower case. Angle brackets are kept when the
/// original had them (`Message-ID`, RFC 5322 §3.6.4); an id without `@`
/// (`X-de-mail-message-id` is unstructured, §3.1.18) gets the suffix at its
/// end. Equal ids give equal derived ids, so a `Message-ID` that repeats
/// `X-de-mail-message-id` still does.
fn bcc_message_id(value: &str, recipient: &DeMailAddress<'_>) -> String {
    let trimmed = value.trim();
    let (open, id, close) = match trimmed.strip_prefix('<').and_then(|v| v.strip_suffix('>')) {
        Some(inner) => ("<", inner.trim(), ">"),
        None => ("", trimmed, ""),
    };
    let input = [
        id.as_bytes(),
        b"\0",
        recipient.addr_spec().to_ascii_lowercase().as_bytes(),
    ]
    .concat();
    let digest = crate::crypto::HashAlgorithm::Sha256.digest(&input);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    match id.rsplit_once('@') {
        Some((left, right)) => format!("{open}{left}.bcc-{hex}@{right}{close}"),
        None => format!("{open}{id}.bcc-{hex}{close}"),
    }
}
