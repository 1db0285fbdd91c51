//! The header fields, recipients and message id of a provider message
//! (TR 01201-3.4 Table 1 columns B, M, I; D36).

use std::borrow::Cow;

use crate::address::{DeMailAddress, RecipientList};
use crate::crypto::HashAlgorithm;
use crate::envelope::Envelope;
use crate::fields::{DateTime, FieldName, MessageType, Version};
use crate::metadata::Metadata;

use super::{BuildError, Issuer};

/// The address without its display name, owned: how a provider writes
/// `X-de-mail-sender` and the recipients of its messages.
pub(crate) fn bare(address: &DeMailAddress<'_>) -> DeMailAddress<'static> {
    let mut address = address.clone().into_owned();
    address.display_name = None;
    address
}

/// The recipients of a provider's message about an original: `to` the
/// first address of `candidates` (the reply addresses in the order the
/// kind's rule names them, D35/D36) and, when `with_copies`, in copy the
/// original's recipients — those of `X-de-mail-actual-recipient`, else
/// `X-de-mail-chosen-recipient` — without display names and duplicates.
///
/// # Errors
/// [`BuildError::MissingField`] naming `X-de-mail-sender` when no candidate is given.
pub(crate) fn provider_message_recipients<'a>(
    candidates: impl IntoIterator<Item = Option<DeMailAddress<'a>>>,
    original: &Envelope<'_>,
    with_copies: bool,
) -> Result<RecipientList<'static>, BuildError> {
    let to = candidates
        .into_iter()
        .flatten()
        .next()
        .ok_or(BuildError::MissingField(FieldName::Sender))?;
    let mut list = RecipientList {
        to: vec![to.into_owned()],
        cc: Vec::new(),
        bcc: Vec::new(),
    };
    if with_copies {
        let metadata = original.metadata();
        let recipients = metadata
            .actual_recipient
            .as_ref()
            .or(metadata.chosen_recipient.as_ref());
        for address in recipients.iter().flat_map(|l| l.iter()) {
            let address = bare(address);
            if !list.iter().any(|a| a.same_mailbox(&address)) {
                list.cc.push(address);
            }
        }
    }
    Ok(list)
}

/// The header fields every message a provider sends has (Table 1 columns
/// B, M, I): From (the issuer's name and system address), Date,
/// both message ids, Subject, X-de-mail-sender, chosen and actual recipients,
/// originator provider, message type, version, and the original's private
/// id (§3.1.17; FU Schritt 45, 56). An ident confirmation is about no
/// original (`None`, Table 1 column I). Callers add their options and type
/// fields.
pub(crate) fn provider_message_headers(
    issuer: &Issuer,
    time: DateTime,
    message_id: String,
    subject: String,
    message_type: MessageType,
    recipients: &RecipientList<'static>,
    original: Option<&Envelope<'_>>,
) -> Metadata<'static> {
    let mut from = issuer.system_address.clone();
    from.display_name = Some(Cow::Owned(issuer.name.clone()));
    Metadata {
        from: Some(from),
        date: Some(time),
        message_id: Some(Cow::Owned(message_id.clone())),
        subject: Some(subject.into()),
        sender: Some(bare(&issuer.system_address)),
        chosen_recipient: Some(recipients.clone()),
        actual_recipient: Some(recipients.clone()),
        originator_provider: Some(Cow::Owned(issuer.originator_provider.clone())),
        message_type: Some(message_type),
        version: Some(Version::CURRENT),
        private_id: original
            .and_then(|o| o.metadata().private_id.clone())
            .map(|id| Cow::Owned(id.into_owned())),
        demail_message_id: Some(Cow::Owned(message_id)),
        ..Metadata::default()
    }
}

/// A reproducible message id (D36):
/// `<slug>.<yyyymmddhhmmss>.<16 hex of SHA-256(parts)>@<domain>`.
pub(crate) fn derived_message_id(slug: &str, time: &DateTime, parts: &[&[u8]], domain: &str) -> String {
    let input = parts.concat();
    let digest = HashAlgorithm::Sha256.digest(&input);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "{slug}.{:04}{:02}{:02}{:02}{:02}{:02}.{hex}@{domain}",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &[u8] = b"From: Max <max@dmda-a.de-mail.de>\r\n\
        X-de-mail-chosen-recipient: to=\"Erika\" <erika@dmda-b.de-mail.de>, cc=erika@dmda-b.de-mail.de\r\n\
        X-de-mail-actual-recipient: to=\"Erika\" <erika@dmda-b.de-mail.de>, cc=bauamt@stadt.de-mail.de\r\n\
        \r\nText\r\n";

    fn address(text: &str) -> DeMailAddress<'_> {
        DeMailAddress::parse(text).unwrap()
    }

    /// D35/D36: the first candidate is the addressee; the copies are the
    /// actual recipients, bare and each once (PVD FU Schritt 56, 70).
    #[test]
    fn recipients_are_the_first_candidate_and_the_actual_recipients_in_copy() {
        let original = Envelope::parse(ORIGINAL).unwrap();
        let list = provider_message_recipients(
            [
                None,
                Some(address("Max <max@dmda-a.de-mail.de>")),
                Some(address("x@y.de-mail.de")),
            ],
            &original,
            true,
        )
        .unwrap();
        let written = |l: &[DeMailAddress<'_>]| l.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        assert_eq!(
            written(&list.to),
            ["\"Max\" <max@dmda-a.de-mail.de>"],
            "the addressee keeps its name"
        );
        assert_eq!(
            written(&list.cc),
            ["erika@dmda-b.de-mail.de", "bauamt@stadt.de-mail.de"]
        );
        let without =
            provider_message_recipients([Some(address("x@y.de-mail.de"))], &original, false).unwrap();
        assert!(without.cc.is_empty());
    }

    /// TR 01201-3.4 §3.5.1: without a reply address there is no one to send to.
    #[test]
    fn recipients_without_a_candidate_name_the_missing_sender() {
        let original = Envelope::parse(ORIGINAL).unwrap();
        let error = provider_message_recipients([None, None], &original, true).unwrap_err();
        assert_eq!(error, BuildError::MissingField(FieldName::Sender));
    }
}
