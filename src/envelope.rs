//! Reading the De-Mail envelope of a raw message.
//!
//! [`Envelope::parse`] splits the header section once (see [`crate::header`]),
//! picks out the fields of TR 01201-3.4 §3.1 by name, case-insensitively,
//! and parses each into its typed value. It reads only the header section:
//! the body is not MIME-parsed.
//!
//! Only a message that is not a mail at all (or breaks a size limit) is an
//! error. A field whose value breaks its syntax is recorded as a
//! [`FieldError`] and reported by [`Envelope::validate`](crate::envelope::Envelope::validate), so that a gateway
//! can still read, report and, where the TR allows it, deliver the message
//! (PVD FU Schritt 41).
//!
//! When a field occurs more than once, the first from the top wins
//! (§3.1.1) and each later one is reported as a [`Warning`].
//!
//! ```
//! use demail::envelope::Envelope;
//! use demail::fields::{FieldName, MessageKind};
//!
//! let raw = b"From: a@x.de-mail.de\r\nX-DE-MAIL-PRIVATE: no\r\nx-de-mail-private: yes\r\n\
//!             x-de-mail-message-type: normal\r\n\r\nHallo";
//! let envelope = Envelope::parse(raw)?;
//! assert_eq!(envelope.metadata().private, Some(false));
//! assert_eq!(envelope.kind(), Some(MessageKind::Normal));
//! assert_eq!(envelope.warnings().len(), 1);
//! assert_eq!(envelope.field(FieldName::Private).unwrap().raw, b"X-DE-MAIL-PRIVATE: no\r\n");
//! assert_eq!(envelope.body(), b"Hallo");
//! # Ok::<(), demail::header::HeaderError>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::address::{AddressError, DeMailAddress, RecipientList, is_host_name};
use crate::fields::{
    AuthLevel, DateTime, FieldName, FieldText, MessageKind, MessageType, NotificationType, Version,
    clean_decoded, parse_yes_no, provably_not_empty,
};
use crate::header::{HeaderError, HeaderSection, Limits, RawField, split_header};
use crate::metadata::Metadata;

/// Why a field's value could not be read into its typed form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldValueError {
    /// A yes/no option is neither `yes` nor `no` (case-sensitive, §3.1.2–§3.1.6).
    #[error("`{0}` is not `yes` or `no` (values are case-sensitive)")]
    NotYesNo(String),
    /// An address or recipient list breaks its syntax.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// The value is not one of the keywords the TR defines for this field.
    #[error("`{0}` is not a value the TR defines for this field")]
    UnknownKeyword(String),
    /// `Date` or `Resent-Date` is not an RFC 5322 date-time.
    #[error("`{0}` is not an RFC 5322 date-time")]
    InvalidDate(String),
    /// `Message-ID` is not `<id>`.
    #[error("`{0}` is not an RFC 5322 msg-id `<...>`")]
    InvalidMessageId(String),
    /// `X-de-mail-originator-provider` is not a host name.
    #[error("`{0}` is not a fully qualified domain name (§3.1.11)")]
    InvalidHostName(String),
    /// A field whose value must not be empty is empty.
    #[error("empty value")]
    Empty,
}

/// A field whose value could not be read, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: FieldName,
    /// Offset of the field in the message.
    pub offset: usize,
    /// What is wrong with its value.
    pub error: FieldValueError,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}: {}", self.field, self.offset, self.error)
    }
}

/// Something noticed while parsing that does not make the message invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "code", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Warning {
    /// A field occurs again; the first from the top was used (§3.1.1).
    Duplicate {
        /// The field.
        field: FieldName,
        /// Offset of the ignored occurrence.
        offset: usize,
        /// Offset of the occurrence that was used.
        first_offset: usize,
    },
    /// A De-Mail field's value is not valid UTF-8 and was decoded lossily.
    NotUtf8 {
        /// The field.
        field: FieldName,
        /// Offset of the field.
        offset: usize,
    },
}

#[cfg(feature = "serde")]
impl serde::Serialize for Envelope<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct View<'e, 'a> {
            kind: Option<MessageKind>,
            forwarded: bool,
            #[serde(flatten)]
            metadata: &'e Metadata<'a>,
            warnings: &'e [Warning],
        }
        View {
            kind: self.kind(),
            forwarded: self.is_forwarded(),
            metadata: &self.metadata,
            warnings: &self.warnings,
        }
        .serialize(serializer)
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Duplicate {
                field,
                offset,
                first_offset,
            } => write!(
                f,
                "{field} occurs again at byte {offset}; the first occurrence at byte {first_offset} is used (TR 01201-3.4 §3.1.1)"
            ),
            Warning::NotUtf8 { field, offset } => {
                write!(f, "{field} at byte {offset} is not valid UTF-8; decoded lossily")
            }
        }
    }
}

/// The De-Mail view of a raw message: its header fields, typed metadata,
/// field errors and warnings, borrowing from the input.
///
/// With feature `serde` it serializes as the envelope object of the CLI's
/// reports (`demail inspect`, `demail verify`): `kind`, `forwarded`, every
/// [`Metadata`] field, and the parse `warnings` (docs/decisions.md D183).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    raw: &'a [u8],
    section: HeaderSection<'a>,
    /// Index into `section.fields` of each De-Mail field's first occurrence.
    first: [Option<u32>; FieldName::ALL.len()],
    metadata: Metadata<'a>,
    field_errors: Vec<FieldError>,
    warnings: Vec<Warning>,
}

impl<'a> Envelope<'a> {
    /// Parses the header section of `raw` with the default [`Limits`].
    ///
    /// # Errors
    /// A [`HeaderError`] when the input is not a mail or breaks a limit.
    pub fn parse(raw: &'a [u8]) -> Result<Self, HeaderError> {
        Self::parse_with_limits(raw, &Limits::default())
    }

    /// Parses the header section of `raw` with the given limits.
    ///
    /// # Errors
    /// A [`HeaderError`] when the input is not a mail or breaks a limit.
    pub fn parse_with_limits(raw: &'a [u8], limits: &Limits) -> Result<Self, HeaderError> {
        let section = split_header(raw, limits)?;
        let mut envelope = Envelope {
            raw,
            section,
            first: [None; FieldName::ALL.len()],
            metadata: Metadata::default(),
            field_errors: Vec::new(),
            warnings: Vec::new(),
        };
        for index in 0..envelope.section.fields.len() {
            let field = envelope.section.fields[index];
            if let Some(name) = FieldName::lookup(field.name) {
                envelope.take_field(name, index, field);
            }
        }
        Ok(envelope)
    }

    fn take_field(&mut self, name: FieldName, index: usize, field: RawField<'a>) {
        let slot = &mut self.first[name as usize];
        if let Some(first) = *slot {
            let first_offset = self.section.fields[first as usize].offset;
            self.warnings.push(Warning::Duplicate {
                field: name,
                offset: field.offset,
                first_offset,
            });
            return;
        }
        // The field count is bounded by Limits::max_fields, far below u32::MAX.
        *slot = u32::try_from(index).ok();
        if !field.is_utf8() {
            self.warnings.push(Warning::NotUtf8 {
                field: name,
                offset: field.offset,
            });
        }
        if self.copy_recipient_list(name, &field) {
            return;
        }
        if let Err(error) = read_value(&mut self.metadata, name, &field) {
            self.field_errors.push(FieldError {
                field: name,
                offset: field.offset,
                error,
            });
        }
    }

    /// Takes a recipient list from the other recipient-list field when both
    /// values are the same bytes: the provider copies the chosen list
    /// (TR 01201-3.4 §3.1.8) into the actual one (§3.1.20) whenever it
    /// delivers to every chosen recipient, and parsing it again would give
    /// the same list. Returns whether it did (docs/decisions.md D97).
    fn copy_recipient_list(&mut self, name: FieldName, field: &RawField<'a>) -> bool {
        let (other, list) = match name {
            FieldName::ChosenRecipient => (FieldName::ActualRecipient, &self.metadata.actual_recipient),
            FieldName::ActualRecipient => (FieldName::ChosenRecipient, &self.metadata.chosen_recipient),
            _ => return false,
        };
        let (Some(index), Some(list)) = (self.first[other as usize], list) else {
            return false;
        };
        if self.section.fields[index as usize].value != field.value {
            return false;
        }
        let list = list.clone();
        match name {
            FieldName::ChosenRecipient => self.metadata.chosen_recipient = Some(list),
            _ => self.metadata.actual_recipient = Some(list),
        }
        true
    }

    /// The typed De-Mail metadata.
    pub fn metadata(&self) -> &Metadata<'a> {
        &self.metadata
    }

    /// Consumes the envelope and returns its metadata.
    pub fn into_metadata(self) -> Metadata<'a> {
        self.metadata
    }

    /// The first occurrence of a De-Mail field, exactly as received.
    pub fn field(&self, name: FieldName) -> Option<&RawField<'a>> {
        let index = self.first[name as usize]?;
        self.section.fields.get(index as usize)
    }

    /// Every header field of the message, in order, De-Mail or not.
    pub fn fields(&self) -> &[RawField<'a>] {
        &self.section.fields
    }

    /// The whole message as given to [`Envelope::parse`].
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The body: everything after the empty line that ends the header.
    pub fn body(&self) -> &'a [u8] {
        self.raw.get(self.section.body_offset..).unwrap_or_default()
    }

    /// Offset of the body in the message.
    pub fn body_offset(&self) -> usize {
        self.section.body_offset
    }

    /// Fields whose value could not be read.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.field_errors
    }

    /// Duplicates and lossily decoded values.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The kind of message (the column of Table 1), from
    /// `X-de-mail-message-type`; `None` when that field is absent or invalid.
    pub fn kind(&self) -> Option<MessageKind> {
        self.metadata.message_type.map(MessageType::kind)
    }

    /// Whether the message was forwarded or redirected (column W/F of
    /// Table 1): it carries `Resent-*` fields (§3.2). See docs/decisions.md.
    pub fn is_forwarded(&self) -> bool {
        [
            FieldName::ResentFrom,
            FieldName::ResentTo,
            FieldName::ResentDate,
            FieldName::ResentMessageId,
        ]
        .into_iter()
        .any(|name| self.first[name as usize].is_some())
    }
}

/// Reads one field's value into the metadata.
fn read_value<'a>(
    metadata: &mut Metadata<'a>,
    name: FieldName,
    field: &RawField<'a>,
) -> Result<(), FieldValueError> {
    // These read the folded value directly and never need an unfolded copy.
    match name {
        FieldName::ChosenRecipient => {
            metadata.chosen_recipient = Some(recipients(folded(field))?);
            return Ok(());
        }
        FieldName::ActualRecipient => {
            metadata.actual_recipient = Some(recipients(folded(field))?);
            return Ok(());
        }
        FieldName::SignatureCertificate => {
            metadata.signature_certificate = Some(certificate_text(field)?);
            return Ok(());
        }
        FieldName::Integrity => {
            metadata.integrity = Some(integrity_text(field)?);
            return Ok(());
        }
        FieldName::Subject => {
            metadata.subject = Some(unstructured(field));
            return Ok(());
        }
        FieldName::AccountHolder => {
            metadata.account_holder = Some(account_holder(field)?);
            return Ok(());
        }
        _ => {}
    }
    let value = field.unfolded_value();
    match name {
        FieldName::ConfirmationOfDispatch => metadata.confirmation_of_dispatch = Some(yes_no(&value)?),
        FieldName::ConfirmationOfReceipt => metadata.confirmation_of_receipt = Some(yes_no(&value)?),
        FieldName::ConfirmationOfRetrieve => metadata.confirmation_of_retrieve = Some(yes_no(&value)?),
        FieldName::Authoritative => metadata.authoritative = Some(yes_no(&value)?),
        FieldName::Private => metadata.private = Some(yes_no(&value)?),
        FieldName::Sender => metadata.sender = Some(addr_spec(value)?),
        FieldName::From => metadata.from = Some(mailbox(value)?),
        FieldName::ReplyTo => metadata.reply_to = Some(mailbox(value)?),
        FieldName::Date => {
            let date = match field.value_with_line_end() {
                Some(line) => DateTime::parse_line(line),
                None => DateTime::parse_rfc5322(&value),
            };
            metadata.date = Some(date.ok_or_else(|| FieldValueError::InvalidDate(value.into()))?);
        }
        FieldName::MessageId => metadata.message_id = Some(msg_id(value)?),
        FieldName::AuthLevel => metadata.auth_level = Some(keyword(AuthLevel::parse, &value)?),
        FieldName::MessageType => metadata.message_type = Some(keyword(MessageType::parse, &value)?),
        FieldName::NotificationType => {
            metadata.notification_type = Some(keyword(NotificationType::parse, &value)?)
        }
        FieldName::Version => metadata.version = Some(Version::parse(&non_empty(value)?)),
        FieldName::OriginatorProvider => metadata.originator_provider = Some(host_name(value)?),
        FieldName::AuthMechanism => metadata.auth_mechanism = Some(value),
        FieldName::PrivateId => metadata.private_id = Some(value),
        FieldName::DeMailMessageId => metadata.demail_message_id = Some(non_empty(value)?),
        FieldName::ChosenRecipient
        | FieldName::ActualRecipient
        | FieldName::SignatureCertificate
        | FieldName::Integrity
        | FieldName::Subject
        | FieldName::AccountHolder => {}
        FieldName::ResentFrom => metadata.resent_from = Some(value),
        FieldName::ResentTo => metadata.resent_to = Some(value),
        FieldName::ResentDate => metadata.resent_date = Some(value),
        FieldName::ResentMessageId => metadata.resent_message_id = Some(value),
        FieldName::EnvelopeTo => metadata.envelope_to = Some(value),
    }
    Ok(())
}

fn yes_no(value: &str) -> Result<bool, FieldValueError> {
    parse_yes_no(value).ok_or_else(|| FieldValueError::NotYesNo(value.to_owned()))
}

fn keyword<T>(parse: fn(&str) -> Option<T>, value: &str) -> Result<T, FieldValueError> {
    parse(value).ok_or_else(|| FieldValueError::UnknownKeyword(value.to_owned()))
}

fn non_empty(value: Cow<'_, str>) -> Result<Cow<'_, str>, FieldValueError> {
    if value.is_empty() {
        Err(FieldValueError::Empty)
    } else {
        Ok(value)
    }
}

/// `X-de-mail-integrity` (TR 01201-3.4 §3.1.13), unfolded when first read
/// (D218): the verification reads it, a parse alone need not copy it.
fn integrity_text<'a>(field: &RawField<'a>) -> Result<FieldText<'a>, FieldValueError> {
    match field.value_str() {
        // Trimmed text starts with a byte that unfolding keeps, so it is
        // empty exactly when its unfolding is.
        Some(text) if field.is_folded() => {
            let trimmed = crate::header::trim_ws_str(text);
            if trimmed.is_empty() {
                return Err(FieldValueError::Empty);
            }
            Ok(FieldText::folded(trimmed))
        }
        _ => Ok(FieldText::from(non_empty(field.unfolded_value())?)),
    }
}

/// `X-de-mail-signature-certificate` (§3.1.14): base64 whose white space
/// (folding included) is removed when first read
/// ([`crate::pem::without_ascii_whitespace`], D218). It is empty exactly
/// when every byte is ASCII white space.
fn certificate_text<'a>(field: &RawField<'a>) -> Result<FieldText<'a>, FieldValueError> {
    if field.value.iter().all(u8::is_ascii_whitespace) {
        return Err(FieldValueError::Empty);
    }
    Ok(FieldText::spaced(field.value, field.value_str()))
}

/// The value with its folding kept, for parsers that treat CR and LF as
/// folding white space (recipient lists): no copy when it is UTF-8.
fn folded<'a>(field: &RawField<'a>) -> Cow<'a, str> {
    match field.value_str() {
        Some(text) => Cow::Borrowed(crate::header::trim_ws_str(text)),
        None => field.unfolded_value(),
    }
}

/// Subject and account holder: RFC 2047 encoded words decoded, then white
/// space normalised (control characters to spaces, runs to one space, ends
/// trimmed) whether or not the value was encoded, so the typed value reads
/// back the same however it is written (docs/decisions.md D12). A value
/// with encoded words is decoded when first read (D208); one without is
/// normalised here and borrows when it is clean.
///
/// Encoded words are looked for in the raw value, before unfolding: folding
/// adds or removes only line ends, which cannot make or break `=?`, and an
/// encoded value is decoded from the raw bytes anyway.
fn unstructured<'a>(field: &RawField<'a>) -> FieldText<'a> {
    if crate::fields::encoded_word_start(field.value).is_some() {
        return match field.value_with_line_end() {
            Some(line) => FieldText::encoded(line, true),
            None => FieldText::encoded(field.value, false),
        };
    }
    let value = field.unfolded_value();
    let irregular =
        value.contains(|c: char| c.is_control() || (c.is_whitespace() && c != ' ')) || value.contains("  ");
    FieldText::from(if irregular {
        Cow::Owned(clean_decoded(&value))
    } else {
        value
    })
}

/// `X-de-mail-account-holder` must not be empty after decoding and
/// normalisation (TR 01201-3.4 §3.1.19, D12). An encoded value is decoded
/// here unless a rule proves it not empty without decoding (D209); the
/// decoded text is kept, so it is never decoded twice.
fn account_holder<'a>(field: &RawField<'a>) -> Result<FieldText<'a>, FieldValueError> {
    let holder = unstructured(field);
    if provably_not_empty(field.value) || !holder.is_empty() {
        Ok(holder)
    } else {
        Err(FieldValueError::Empty)
    }
}

fn addr_spec(value: Cow<'_, str>) -> Result<DeMailAddress<'_>, AddressError> {
    match value {
        Cow::Borrowed(text) => DeMailAddress::parse_addr_spec(text),
        Cow::Owned(text) => DeMailAddress::parse_addr_spec(&text).map(DeMailAddress::into_owned),
    }
}

fn mailbox(value: Cow<'_, str>) -> Result<DeMailAddress<'_>, AddressError> {
    match value {
        Cow::Borrowed(text) => DeMailAddress::parse(text),
        Cow::Owned(text) => DeMailAddress::parse(&text).map(DeMailAddress::into_owned),
    }
}

fn recipients(value: Cow<'_, str>) -> Result<RecipientList<'_>, AddressError> {
    match value {
        Cow::Borrowed(text) => RecipientList::parse(text),
        Cow::Owned(text) => RecipientList::parse(&text).map(RecipientList::into_owned),
    }
}

fn msg_id(value: Cow<'_, str>) -> Result<Cow<'_, str>, FieldValueError> {
    let valid = value.len() > 2
        && value.starts_with('<')
        && value.ends_with('>')
        && value[1..value.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    if !valid {
        return Err(FieldValueError::InvalidMessageId(value.into_owned()));
    }
    Ok(match value {
        Cow::Borrowed(text) => Cow::Borrowed(&text[1..text.len() - 1]),
        Cow::Owned(text) => Cow::Owned(text[1..text.len() - 1].to_owned()),
    })
}

fn host_name(value: Cow<'_, str>) -> Result<Cow<'_, str>, FieldValueError> {
    if is_host_name(&value) && value.contains('.') {
        Ok(value)
    } else {
        Err(FieldValueError::InvalidHostName(value.into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &[u8] = b"From: a@x.de-mail.de\r\nSubject: Hallo\r\n\r\nBody\r\n";

    #[test]
    fn header_path_borrows_unfolded_values() {
        let envelope = Envelope::parse(MINIMAL).unwrap();
        let subject = envelope.metadata().subject.as_ref().unwrap();
        assert!(subject.is_borrowed_text());
        assert_eq!(subject, "Hallo");
        assert!(matches!(
            envelope.metadata().from.as_ref().map(|a| &a.local_part),
            Some(Cow::Borrowed("a"))
        ));
        assert_eq!(envelope.body(), b"Body\r\n");
    }

    // TR 01201-3.4 §3.1.1: the first from the top wins
    #[test]
    fn duplicate_field_first_from_top_wins_and_warns() {
        let raw = b"x-de-mail-private: no\r\nX-De-Mail-Private: yes\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        assert_eq!(envelope.metadata().private, Some(false));
        assert_eq!(
            envelope.warnings(),
            &[Warning::Duplicate {
                field: FieldName::Private,
                offset: 23,
                first_offset: 0
            }]
        );
        assert_eq!(envelope.field(FieldName::Private).unwrap().offset, 0);
    }

    // TR 01201-3.4 §3.1.6
    #[test]
    fn private_rejects_capitalised_yes() {
        let envelope = Envelope::parse(b"x-de-mail-private: Yes\r\n\r\n").unwrap();
        assert_eq!(envelope.metadata().private, None);
        assert_eq!(
            envelope.field_errors()[0].error,
            FieldValueError::NotYesNo("Yes".into())
        );
    }

    #[test]
    fn folded_recipient_list_is_owned_and_parsed() {
        let raw = b"x-de-mail-chosen-recipient: to=a@x.de-mail.de,\r\n b@y.de-mail.de;\r\n\tcc=c@z.de-mail.de\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        let list = envelope.metadata().chosen_recipient.as_ref().unwrap();
        assert_eq!(list.to.len(), 2);
        assert_eq!(list.cc.len(), 1);
    }

    // TR 01201-3.4 §3.1.8, §3.1.20 (D97): an actual-recipient list with the
    // same bytes as the chosen one reads as the same list, in either order;
    // one that differs, or fails to parse, is read on its own.
    #[test]
    fn equal_recipient_lists_read_the_same_in_either_order() {
        let list = "to=\"A\" <a@x.de-mail.de>, b@y.de-mail.de; cc=c@z.de-mail.de";
        for (first, second) in [("chosen", "actual"), ("actual", "chosen")] {
            let raw = format!(
                "x-de-mail-{first}-recipient: {list}\r\nx-de-mail-{second}-recipient: {list}\r\n\r\n"
            );
            let envelope = Envelope::parse(raw.as_bytes()).unwrap();
            let expected = RecipientList::parse(list).unwrap();
            assert_eq!(envelope.metadata().chosen_recipient.as_ref(), Some(&expected));
            assert_eq!(envelope.metadata().actual_recipient.as_ref(), Some(&expected));
            assert!(envelope.field_errors().is_empty());
        }
        let raw = b"x-de-mail-chosen-recipient: to=a@x.de-mail.de\r\nx-de-mail-actual-recipient: to=b@x.de-mail.de\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        let actual = envelope.metadata().actual_recipient.as_ref().unwrap();
        assert_eq!(actual.to[0].local_part, "b");
        let raw = b"x-de-mail-chosen-recipient: to=\r\nx-de-mail-actual-recipient: to=\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        let offsets: Vec<_> = envelope
            .field_errors()
            .iter()
            .map(|e| (e.field, e.offset))
            .collect();
        assert_eq!(
            offsets,
            [(FieldName::ChosenRecipient, 0), (FieldName::ActualRecipient, 33)]
        );
    }

    // TR 01201-3.4 §3.1.19: account holder is RFC 2822 unstructured, RFC 2047 decoded
    #[test]
    fn encoded_account_holder_is_decoded() {
        let raw = b"x-de-mail-account-holder: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?=\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        assert_eq!(
            envelope.metadata().account_holder.as_deref(),
            Some("Jürgen Müller")
        );
    }

    /// The former eager reading of an `unstructured` value (before D208):
    /// decoded and normalised at parse time.
    fn eager_unstructured(field: &RawField<'_>) -> String {
        if memchr::memmem::find(field.value, b"=?").is_some() {
            return crate::fields::decode_unstructured(field.value);
        }
        clean_decoded(&field.unfolded_value())
    }

    proptest::proptest! {
        // TR 01201-3.4 §3.1.19, D12, D208, D209: the lazily decoded Subject
        // and account holder read as the former eager decoding did, and the
        // account holder is a field error (Empty) exactly when that decoding
        // is empty, whether the emptiness rule or the decoder decided it.
        #[test]
        fn lazy_unstructured_reads_as_eager_decoding_with_the_same_errors(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "=?", "?=", "?", "=", "utf-8", "UTF-8", "utf-16", "iso-8859-1", "*de", "q", "Q", "b", "B",
                "_", "=20", "=00", "=0D=0A", "=C3=BC", "IA==", "w7w=", "a", "Z", " ", "\t", "\r\n ", "\r\n\t",
            ]), 0..12),
            last_line_end in proptest::bool::ANY,
        ) {
            let value = parts.concat();
            let mut raw = format!("Subject:{value}\r\nx-de-mail-account-holder:{value}");
            if last_line_end {
                raw.push_str("\r\n");
            }
            let Ok(envelope) = Envelope::parse(raw.as_bytes()) else {
                return Ok(());
            };
            for name in [FieldName::Subject, FieldName::AccountHolder] {
                let Some(field) = envelope.field(name) else { continue };
                let expected = eager_unstructured(field);
                let read = match name {
                    FieldName::Subject => &envelope.metadata().subject,
                    _ => &envelope.metadata().account_holder,
                };
                let empty_error = envelope
                    .field_errors()
                    .iter()
                    .any(|e| e.field == name && e.error == FieldValueError::Empty);
                if name == FieldName::AccountHolder && expected.is_empty() {
                    proptest::prop_assert!(empty_error && read.is_none(), "{raw:?}");
                } else {
                    proptest::prop_assert!(!empty_error, "{raw:?}");
                    proptest::prop_assert_eq!(read.as_deref(), Some(expected.as_str()), "{:?}", raw);
                }
            }
        }
    }

    proptest::proptest! {
        // TR 01201-3.4 §3.1.13, §3.1.14, D218: the integrity field and the
        // certificate, normalised when read, read as the former eager
        // reading (unfolded; every white space byte removed), and are a
        // field error (Empty) exactly when that reading is empty.
        #[test]
        fn lazy_integrity_and_certificate_read_as_eager_normalisation(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                &b"a=sha256"[..], b";", b"b=", b"TUlJ", b"+/=", b" ", b"\t", b"\x0c", b"\r\n ", b"\r\n\t",
                b"\n ", b"\r", b"\xc3\xbc", b"\xff",
            ]), 0..10),
            last_line_end in proptest::bool::ANY,
        ) {
            let value = parts.concat();
            let mut raw = [b"x-de-mail-integrity:", &value[..], b"\r\nx-de-mail-signature-certificate:", &value].concat();
            if last_line_end {
                raw.extend_from_slice(b"\r\n");
            }
            let Ok(envelope) = Envelope::parse(&raw) else {
                return Ok(());
            };
            for name in [FieldName::Integrity, FieldName::SignatureCertificate] {
                let Some(field) = envelope.field(name) else { continue };
                let (expected, read) = match name {
                    FieldName::Integrity => (field.unfolded_value().into_owned(), &envelope.metadata().integrity),
                    _ => (
                        crate::header::string_lossy(crate::pem::without_ascii_whitespace(field.value).into_owned()),
                        &envelope.metadata().signature_certificate,
                    ),
                };
                let empty_error = envelope
                    .field_errors()
                    .iter()
                    .any(|e| e.field == name && e.error == FieldValueError::Empty);
                proptest::prop_assert_eq!(empty_error, expected.is_empty(), "{:?}", raw);
                proptest::prop_assert_eq!(read.as_deref(), (!expected.is_empty()).then_some(expected.as_str()));
            }
        }
    }

    // D218: a parse copies neither a folded integrity field nor a folded
    // certificate; reading normalises once, and the verification finds
    // the certificate by the text as received.
    #[test]
    fn integrity_and_certificate_are_normalised_only_when_read() {
        let raw = b"x-de-mail-integrity: v=1; a=sha256;\r\n\tb=QUJD\r\n\
                    x-de-mail-signature-certificate: TUlJ\r\n QkNn\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        let integrity = envelope.metadata().integrity.as_ref().unwrap();
        let certificate = envelope.metadata().signature_certificate.as_ref().unwrap();
        assert!(integrity.is_unread() && certificate.is_unread());
        assert_eq!(certificate.as_received(), Some("TUlJ\r\n QkNn"));
        let owned = envelope.clone().into_metadata().into_owned();
        assert_eq!(owned.integrity.as_deref(), Some("v=1; a=sha256;\tb=QUJD"));
        assert_eq!(owned.signature_certificate.as_deref(), Some("TUlJQkNn"));
        assert!(integrity.is_unread() && certificate.is_unread());
        assert_eq!(integrity, "v=1; a=sha256;\tb=QUJD");
        assert_eq!(certificate, "TUlJQkNn");
        assert!(!integrity.is_unread() && !certificate.is_unread());
        // Unfolded values need no normalisation and borrow the input.
        let raw = b"x-de-mail-integrity: v=1; b=QUJD\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        assert!(envelope.metadata().integrity.as_ref().unwrap().is_borrowed_text());
        for empty in [
            &b"x-de-mail-integrity: \r\n \r\n\r\n"[..],
            b"x-de-mail-signature-certificate:\r\n\t\x0c\r\n\r\n",
        ] {
            let envelope = Envelope::parse(empty).unwrap();
            assert_eq!(envelope.field_errors()[0].error, FieldValueError::Empty);
        }
    }

    // D208: a parse that does not read the Subject does not decode it; the
    // account holder of the test message is proven not empty (D209).
    #[test]
    fn encoded_words_are_decoded_only_when_read() {
        let raw = b"Subject: =?UTF-8?Q?Anh=C3=B6rung?=\r\nx-de-mail-account-holder: =?UTF-8?Q?Stadt_M=C3=BCnster?=\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        let subject = envelope.metadata().subject.as_ref().unwrap();
        let holder = envelope.metadata().account_holder.as_ref().unwrap();
        assert!(subject.is_unread() && holder.is_unread());
        assert_eq!(subject, "Anhörung");
        assert_eq!(holder, "Stadt Münster");
        // The crate's writer encodes non-ASCII text as `=?utf-8?B?`: a holder
        // that starts with a letter is proven not empty from its first group.
        let written = Metadata {
            account_holder: Some("Jürgen Müller".into()),
            ..Metadata::default()
        };
        let block = [written.to_header_block(), b"\r\n".to_vec()].concat();
        assert!(block.starts_with(b"x-de-mail-account-holder: =?utf-8?B?"));
        let envelope = Envelope::parse(&block).unwrap();
        let holder = envelope.metadata().account_holder.as_ref().unwrap();
        assert!(holder.is_unread());
        assert_eq!(holder, "Jürgen Müller");
        let empty = Envelope::parse(b"x-de-mail-account-holder: =?utf-8?q?_?=\r\n\r\n").unwrap();
        assert_eq!(empty.field_errors()[0].error, FieldValueError::Empty);
        assert_eq!(empty.metadata().account_holder, None);
    }

    #[test]
    fn non_utf8_value_is_decoded_lossily_with_warning() {
        let raw = b"Subject: Gr\xfc\xdfe\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        assert_eq!(
            envelope.metadata().subject.as_deref(),
            Some("Gr\u{fffd}\u{fffd}e")
        );
        assert_eq!(
            envelope.warnings(),
            &[Warning::NotUtf8 {
                field: FieldName::Subject,
                offset: 0
            }]
        );
    }

    #[test]
    fn message_id_loses_its_brackets() {
        let envelope = Envelope::parse(b"Message-ID: <1@x.de>\r\n\r\n").unwrap();
        assert_eq!(envelope.metadata().message_id.as_deref(), Some("1@x.de"));
        let envelope = Envelope::parse(b"Message-ID: 1@x.de\r\n\r\n").unwrap();
        assert!(matches!(
            envelope.field_errors()[0].error,
            FieldValueError::InvalidMessageId(_)
        ));
    }

    // TR 01201-3.4 §3.1.22: every white space byte goes, at line ends and
    // inside a line, with CRLF and LF folding.
    #[test]
    fn certificate_value_loses_all_white_space() {
        let raw = b"x-de-mail-signature-certificate: QU JD\r\n \tRE\x0cVG \r\n\tR0g=\n  SUo=\r\n\r\n";
        let envelope = Envelope::parse(raw).unwrap();
        assert_eq!(
            envelope.metadata().signature_certificate.as_deref(),
            Some("QUJDREVGR0g=SUo=")
        );
    }

    #[test]
    fn certificate_value_loses_folding_white_space() {
        let envelope = Envelope::parse(b"x-de-mail-signature-certificate: QUJD\r\n REVG\r\n\r\n").unwrap();
        assert_eq!(
            envelope.metadata().signature_certificate.as_deref(),
            Some("QUJDREVG")
        );
    }
}
